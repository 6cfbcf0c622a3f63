import ArgumentParser

/// `srd`: the super-resolution daemon for video. One binary, one subcommand per job.
@main
struct SRD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srd",
        abstract: "Makes videos sharper and larger with super-resolution networks.",
        subcommands: [
            UpscaleCommand.self, EvalCommand.self, BenchCommand.self, TrainCommand.self,
            ServeCommand.self, StatusCommand.self,
        ]
    )
}
