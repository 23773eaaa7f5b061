import Synchronization

/// Imported models kept for the process, so a study's validation, its runners and its reports read a file once.
private let importedModels = Mutex<[ModelFile: ImportedModel]>([:])

extension ImportedModel {
  /// The model of `file`, imported on first use; throws when the file's SHA-256 is no longer the one recorded
  /// (the file changed since the plan was made).
  package static func cached(_ file: ModelFile) throws(ONNXError) -> ImportedModel {
    if let model = importedModels.withLock({ $0[file] }) { return model }
    let model = try ONNXImporter.load(file.path, inputShape: file.inputShape)
    guard model.file.sha256 == file.sha256 else {
      throw .changed(file: file.path, recorded: file.sha256, now: model.file.sha256)
    }
    importedModels.withLock { $0[file] = model }
    return model
  }

  /// Imports `path` for a new plan (and keeps it for the process): the file, its digest and input shape.
  package static func open(_ path: String, inputShape: [Int]?) throws(ONNXError) -> ImportedModel {
    let model = try ONNXImporter.load(path, inputShape: inputShape)
    importedModels.withLock { $0[model.file] = model }
    return model
  }
}
