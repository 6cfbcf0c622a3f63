import ArgumentParser
import Foundation
import SRDMedia

/// `srd`: the super-resolution daemon for video. One binary, one subcommand per job.
@main
struct SRD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srd",
        abstract: "Makes videos sharper and larger with super-resolution networks.",
        subcommands: [
            UpscaleCommand.self, EvalCommand.self, BenchCommand.self, TrainCommand.self,
            ServeCommand.self, StatusCommand.self, SampleCommand.self, TemporalLabCommand.self, CalibrateCommand.self,
            WorkerCommand.self,
        ]
    )

    /// libav's own chatter (x264's statistics, probe notes) is noise for srd's users; errors
    /// still reach stderr, and srd reports what went wrong itself.
    static func quietLibav() {
        MediaLog.setLevel(ProcessInfo.processInfo.environment["SRD_LIBAV_LOG"] == "verbose" ? .info : .error)
    }
}
