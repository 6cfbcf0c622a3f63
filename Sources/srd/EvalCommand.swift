import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Not built yet.")
    func run() throws { throw ValidationError("srd eval is not built yet") }
}
