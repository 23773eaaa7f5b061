import Foundation
import Networks
import Results
import Tensors

/// `--backend best:PATH`: each catalog layer's fastest kernel backend, from a measured comparison.
///
/// PATH is either a `kernels --backend all --format json` file (per shape, the backend with the highest
/// GFLOP/s; every layer of that shape takes it) or the directory of a `ranks --backend all` run (per layer,
/// the backend whose original layer was fastest, from each `<backend>/ranks.json`). A decomposed layer's
/// factors run on the layer's backend. Every layer of the model must be covered.
package enum BestBackends {
  /// The backend of every catalog layer of `model` according to `path`.
  package static func load(_ path: String, model: ResNetModel) throws -> [String: GEMMBackend] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw HarnessError.invalidRequest(
        "best:\(path): no such file or directory; give the JSON result of kernels on every backend or the "
          + "directory of a ranks study on every backend")
    }
    let choice = try isDirectory.boolValue ? fromRanks(path, model: model) : fromKernels(path, model: model)
    let layers = ModelCatalog(model).layers.map(\.name)
    if let missing = layers.first(where: { choice[$0] == nil }) {
      throw HarnessError.invalidRequest(
        "best:\(path) has no timing for \(missing) of \(model); measure every layer (unfiltered) on every "
          + "backend")
    }
    return choice
  }

  /// Per shape, the backend with the highest GFLOP/s in a `kernels --backend all` JSON file.
  static func fromKernels(_ path: String, model: ResNetModel) throws -> [String: GEMMBackend] {
    let results: [KernelBenchmarkResult]
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      results = try JSONCoding.decoder.decode([KernelBenchmarkResult].self, from: data)
    } catch {
      throw HarnessError.invalidRequest(
        "best:\(path) is not the JSON result of kernels on every backend (a list of kernel results): \(JSONCoding.problem(error))"
      )
    }
    var best: [String: (backend: GEMMBackend, gflops: Double)] = [:]
    for result in results {
      guard result.model == model else {
        throw HarnessError.invalidRequest("best:\(path) measured \(result.model), not \(model)")
      }
      guard let backend = GEMMBackend(library: result.fingerprint.gemmBackend) else {
        throw HarnessError.invalidRequest(
          "best:\(path): unknown backend '\(result.fingerprint.gemmBackend ?? "none")'")
      }
      for row in result.rows {
        for layer in row.layers where row.kernelGFLOPS > best[layer]?.gflops ?? -1 {
          best[layer] = (backend, row.kernelGFLOPS)
        }
      }
    }
    return best.mapValues(\.backend)
  }

  /// Per layer, the backend whose original layer was fastest in a `ranks --backend all` run.
  static func fromRanks(_ directory: String, model: ResNetModel) throws -> [String: GEMMBackend] {
    var best: [String: (backend: GEMMBackend, seconds: Double)] = [:]
    var found = 0
    for backend in GEMMBackend.allCases {
      let child = (directory as NSString).appendingPathComponent(backend.rawValue)
      let result: RanksResult
      do {
        result = try RanksResult.load(from: child)
      } catch .noDirectory, .noFile {
        continue
      } catch {
        throw HarnessError.invalidRequest("best:\(child): \(error)")
      }
      guard result.model == model else {
        throw HarnessError.invalidRequest("best:\(directory) holds ranks of \(result.model), not \(model)")
      }
      found += 1
      for row in result.rows where row.originalSeconds < best[row.layer]?.seconds ?? .infinity {
        best[row.layer] = (backend, row.originalSeconds)
      }
    }
    guard found > 0 else {
      throw HarnessError.invalidRequest(
        "best:\(directory) holds no <backend>/ranks.json: not a finished ranks study on every backend")
    }
    return best.mapValues(\.backend)
  }

  /// "oneDNN 24, OpenBLAS 2": how many catalog layers each backend runs.
  package static func summary(_ choice: [String: GEMMBackend]) -> String {
    GEMMBackend.allCases.compactMap { backend in
      let count = choice.values.filter { $0 == backend }.count
      return count == 0 ? nil : "\(backend) \(count)"
    }.joined(separator: ", ")
  }
}
