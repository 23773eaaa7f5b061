import ArgumentParser
import Decomposition
import Foundation
import Geometry
import Harness
import Kernels
import Machine
import Networks
import Profiling
import Programs
import Results
import Store
import Suites
import Tensors

/// Runs a command body, turning errors into a one-line message on stderr and an exit code: bad input (unknown
/// names, out-of-range values, a directory that holds another run, …) → 64; anything that failed while
/// running (I/O, a locked directory) → 1; interruption → 130.
///
/// Never a stack trace.
func guarded(_ body: () throws -> Void) throws {
  do {
    if let problem = Threading.choiceError { throw HarnessError.invalidOption(problem) }
    try body()
  } catch let exit as ExitCode {
    throw exit
  } catch let validation as ValidationError {
    throw validation
  } catch {
    printError("error: \(error)")
    throw ExitCode(isBadInput(error) ? 64 : 1)
  }
}

/// Whether an error means the command line (or a saved plan) asked for something impossible.
func isBadInput(_ error: any Error) -> Bool {
  switch error {
  case is CatalogError, is DecompositionError, is ThreadConfigError, is SamplerError, is KernelError,
    is GeometryError, is BLASCoreError, is ProgramError, is SuiteError:
    return true
  case let ab as ABError:
    return ab.isBadInput
  case let store as StoreError:
    return store.isBadInput
  case CounterError.unknownEvent:
    return true
  case HarnessError.invalidOption, HarnessError.insufficientMemory:
    return true
  case let results as ResultsError:
    switch results {
    case .emptyPath, .occupied, .notEmpty, .notARun, .wrongKind: return true
    case .io, .locked, .corrupt, .foreignJournal: return false
    }
  default:
    return false
  }
}

/// Writes `text` to stdout.
func emit(_ text: String) {
  FileHandle.standardOutput.write(Data(text.utf8))
}
