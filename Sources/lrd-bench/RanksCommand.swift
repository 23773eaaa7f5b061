import ArgumentParser

struct RanksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "ranks", abstract: "TODO")
  func run() throws {}
}
