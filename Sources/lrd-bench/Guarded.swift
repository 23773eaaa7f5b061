import ArgumentParser
import Foundation
import Harness
import Networks
import Profiling
import Programs
import Results
import Store
import Support
import Tensors

/// Runs a command body, turning errors into a one-line message on stderr and an exit code: bad input (unknown
/// names, out-of-range values, a directory that holds another run, …) → 64; anything that failed while
/// running (I/O, a locked directory) → 1; interruption → 130.
///
/// Never a stack trace.
func guarded(_ body: () throws -> Void) throws {
  do {
    // Every environment variable the tool reads is checked as its option would be.
    if let problem = Threading.choiceError ?? BLAS.checkBackendVariable() ?? TestKnobs.current.problem {
      throw HarnessError.invalidRequest(problem)
    }
    try body()
  } catch let exit as ExitCode {
    throw exit
  } catch let validation as ValidationError {
    throw validation
  } catch {
    printError("error: \(Failure.message(error))")
    throw ExitCode(Failure.exitCode(error))
  }
}

/// The one place that turns a library's error into what the user reads and the process's exit status.
///
/// Libraries name settings by what they are (`Setting`); only this mapping knows how the command line spells
/// them. Every error type of the package is a `ClassifiedError`, so its exit status is never guessed.
enum Failure {
  /// 64 for bad input, 1 for anything else (an error from outside the package included).
  static func exitCode(_ error: any Error) -> Int32 {
    (error as? any ClassifiedError)?.isBadInput == true ? 64 : 1
  }

  /// The message: the library's own, with settings and paths named as the command line spells them.
  static func message(_ error: any Error) -> String {
    switch error {
    case let setting as InvalidSetting: return phrase(setting)
    case HarnessError.invalidSetting(let setting), ProgramError.invalidSetting(let setting),
      SamplerError.invalidSetting(let setting):
      return phrase(setting)
    case HarnessError.insufficientMemory(let message, let setting):
      return message + (setting.map { "; use a smaller \(option($0))" } ?? "")
    case let results as ResultsError: return message(results)
    case StoreError.notADatabase(let path):
      return "\(path) is not an lrd-bench results store (not an SQLite database); give another --store"
    case StoreError.newerSchema(let path, let found, let supported):
      return "\(path) has store schema \(found), newer than this lrd-bench supports (\(supported)); "
        + "use a newer lrd-bench or another --store"
    case CatalogError.unknownLayer(let name, let model, let suggestions):
      return "\(model) has no layer '\(ClosestNames.truncated(name))'; closest names: "
        + suggestions.joined(separator: ", ") + " (list all with: lrd-bench layers --model \(model))"
    case CatalogError.badFilter(let pattern, let reason):
      return "--filter '\(pattern)' is not a valid regular expression: \(reason)"
    case CatalogError.filterMatchesNothing(let pattern, let model):
      return "--filter '\(pattern)' matches no layer of \(model) (names look like layer4.2.conv2, fc)"
    case let backend as BackendError:
      return
        "--backend \(backend.backend) is not available: \(backend.reason); install it with apt-get install "
        + "\(backend.backend.package) (scripts/setup installs it)"
    default: return JSONCoding.problem(error)
    }
  }

  /// `setting`'s problem after its option.
  static func phrase(_ setting: InvalidSetting) -> String { setting.phrase(option(setting.setting)) }

  /// How the command line spells `setting`.
  static func option(_ setting: Setting) -> String {
    switch setting {
    case .batch: "--batch"
    case .step: "--step"
    case .from: "--from"
    case .to: "--to"
    case .ratio: "--ratio"
    case .threads: "--threads"
    case .policies: "--policy"
    case .referenceEvery: "--reference-every"
    case .confirmBudget: "--confirm-budget"
    case .tieTolerance: "--tie-tolerance"
    case .frozen: "--frozen"
    case .branches: "--branches"
    case .models: "--models"
    case .techniques: "--techniques"
    case .ranksPerLayer: "--ranks-per-layer"
    case .passes: "--passes"
    case .strategy: "--strategy"
    case .orderSeed: "--seed"
    case .ranksFrom: "--ranks-from"
    case .budget: "--budget"
    case .ci: "--ci"
    case .minSampleMilliseconds: "--min-sample-ms"
    case .variant: "--variant"
    case .filter: "--filter"
    case .size: "--size"
    case .blasCore: "--blas-core"
    case .backend: "--backend"
    }
  }

  /// Run directory errors, with `--out` and `--resume` named.
  static func message(_ error: ResultsError) -> String {
    switch error {
    case .emptyPath(let role):
      return "\(role == .output ? "--out" : "--resume") needs a directory path; an empty one is not accepted"
    case .occupied(let path, let kind, let differences):
      if differences.isEmpty {
        return
          "\(path) already holds this \(kind); continue it with --resume \(path), or choose another --out"
      }
      return "\(path) already holds a different \(kind) (" + differences.prefix(6).joined(separator: "; ")
        + (differences.count > 6 ? "; …" : "")
        + "); choose another --out, or continue that run with --resume \(path)"
    case .notEmpty(let path):
      return
        "--out \(path) is a non-empty directory that is not an lrd-bench run; choose a new or empty directory"
    case .notARun(let path, let reason):
      return "--resume \(path): \(reason)"
    case .wrongKind(let path, let expected, let found):
      return
        "--resume \(path) holds a \(found) run, not a \(expected); continue it with: lrd-bench \(found) --resume \(path)"
    case .io, .locked, .corrupt, .foreignJournal, .emptyOutputFile, .notAnOutputFile, .missingDirectory,
      .alteredPlan, .fileInPath:
      return error.description
    }
  }
}

/// Writes `text` to stdout, ending it with a newline when it has none (so what follows on stderr
/// starts a line of its own).
func emit(_ text: String) {
  FileHandle.standardOutput.write(Data((text.isEmpty || text.hasSuffix("\n") ? text : text + "\n").utf8))
}
