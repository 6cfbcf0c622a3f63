import Foundation

/// Where progress goes: a terminal line, JSON lines for the daemon, or nowhere.
public enum ProgressStyle: String, Sendable, CaseIterable {
    case tty, json, none
}

/// Prints progress in the chosen style, throttled so a fast job does not flood the terminal.
public final class ProgressPrinter: @unchecked Sendable {
    private let style: ProgressStyle
    private var lastPrint = Date.distantPast
    private let lock = NSLock()

    public init(style: ProgressStyle) { self.style = style }

    /// The style for this process: a live line on a terminal, nothing otherwise.
    public static func automatic() -> ProgressStyle { isatty(STDERR_FILENO) != 0 ? .tty : .none }

    public func report(_ p: JobProgress, final: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if !final && now.timeIntervalSince(lastPrint) < (style == .json ? 0.5 : 0.2) { return }
        lastPrint = now
        switch style {
        case .none: return
        case .json:
            WorkerEvent.progress(p).print()
        case .tty:
            let total = p.framesTotal.map { "/\($0)" } ?? ""
            let eta = p.etaSeconds.map { "  ETA \(Self.clock($0))" } ?? ""
            let line = String(format: "\r  frames %d%@  %.1f fps%@   ", p.framesDone, total, p.fps ?? 0, eta)
            FileHandle.standardError.write(line.data(using: .utf8)!)
            if final { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
