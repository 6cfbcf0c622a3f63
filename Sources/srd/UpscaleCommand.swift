import ArgumentParser

struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upscale", abstract: "Not built yet.")
    func run() throws { throw ValidationError("srd upscale is not built yet") }
}
