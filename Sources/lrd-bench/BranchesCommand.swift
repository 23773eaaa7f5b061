import ArgumentParser

struct BranchesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "branches", abstract: "TODO")
  func run() throws {}
}
