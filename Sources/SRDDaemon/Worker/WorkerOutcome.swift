import SRDPipeline

/// How a worker child process ended, as seen by the daemon.
public enum WorkerOutcome: Sendable, Equatable {
    /// Exit code 0 and an output file present; `summary` is the worker's metrics JSON (if any).
    case succeeded(summary: String?)
    /// Non-zero exit code (or 0 without an output); `message` is the worker's last error line.
    case exited(code: Int32, message: String?)
    /// Killed by a signal (SIGKILL from the OOM killer or a person, SIGSEGV, SIGABRT ...).
    case signalled(signal: Int32, message: String?)
    /// Ran past `limits.job_timeout_seconds` and was killed.
    case timedOut(seconds: Double)
    /// The worker executable could not be started.
    case launchFailed(reason: String)

    /// True when trying again would give the same answer.
    public var isPermanent: Bool {
        switch self {
        case .exited(let code, _): return WorkerExitCode.isPermanent(code)
        case .succeeded, .signalled, .timedOut, .launchFailed: return false
        }
    }

    /// A sentence for error reports and logs.
    public var reason: String {
        switch self {
        case .succeeded: return "succeeded"
        case .exited(let code, let message):
            let what: String
            switch code {
            case WorkerExitCode.badInput: what = "bad input"
            case WorkerExitCode.usage: what = "usage error"
            case 0: what = "worker exited without an output"
            default: what = "worker failed with exit code \(code)"
            }
            return message.map { "\(what): \($0)" } ?? what
        case .signalled(let signal, let message):
            let base = "worker killed by signal \(signal) (\(signalName(signal)))"
            return message.map { "\(base); last error: \($0)" } ?? base
        case .timedOut(let seconds):
            return "worker ran longer than the \(formatSeconds(seconds)) s job timeout"
        case .launchFailed(let reason):
            return "worker could not be started: \(reason)"
        }
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}

/// Conventional name of a Linux signal number.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
        8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
        14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ",
    ]
    return names[signal] ?? "signal \(signal)"
}
