import SRDPipeline

/// What the daemon hears from a worker: its stdout events (`WorkerEvent`, the contract shared
/// with `srd upscale`), then how the process ended.
public enum WorkerMessage: Sendable, Equatable {
    case event(WorkerEvent)
    /// The child process ended (always the last message).
    case exited(WorkerTermination)
}

/// How the child process ended, straight from waitpid.
public enum WorkerTermination: Sendable, Equatable {
    case exited(Int32)
    case signalled(Int32)
    case launchFailed(String)
    case timedOut(Double)
}
