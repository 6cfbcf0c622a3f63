#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle

/// sd_notify(3) without libsystemd: datagrams to `$NOTIFY_SOCKET` (a path, or an abstract
/// name written with a leading `@`). Does nothing when the variable is absent.
public struct SystemdNotify: Sendable {
    let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Sends `KEY=VALUE` lines (e.g. "READY=1", "STATUS=2 running"); returns false on failure.
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        guard let path = socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let message = Array(lines.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
            }
        }
        return sent == message.count
    }

    /// Half the watchdog interval systemd asked for (`WATCHDOG_USEC`, for this pid), if any.
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment) -> Double? {
        guard let usec = environment["WATCHDOG_USEC"].flatMap(Double.init), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"].flatMap(Int32.init), pid != getpid() { return nil }
        return usec / 2e6
    }
}

/// Tells systemd the daemon is ready, keeps STATUS= current with progress, and pets the
/// watchdog only after the job runner answered (so a hung runner gets the service restarted).
public struct SystemdNotifierService: Service {
    let notify: SystemdNotify
    let runner: JobRunner
    let clock: any DaemonClock
    let logger: Logger

    public init(notify: SystemdNotify, runner: JobRunner, clock: any DaemonClock, logger: Logger) {
        self.notify = notify
        self.runner = runner
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let watchdog = SystemdNotify.watchdogInterval()
        var ready = false
        var lastStatus = ""
        let period = min(watchdog ?? 2, 2)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Nothing before READY=1: while recovery runs the counts are not known yet, and
            // systemd arms the watchdog only once the service is ready.
            if let snapshot = try? await runner.snapshot(), ready || snapshot.daemon.state == "running" {
                var lines: [String] = []
                if !ready {
                    lines.append("READY=1")
                    lines.append("MAINPID=\(getpid())")
                    ready = true
                }
                let status = Self.statusLine(snapshot)
                if status != lastStatus { lines.append("STATUS=" + status); lastStatus = status }
                if watchdog != nil { lines.append("WATCHDOG=1") }
                if !lines.isEmpty { notify.send(lines) }
            }
            await clock.pause(seconds: period)
        }
        notify.send(["STOPPING=1", "STATUS=stopping: finishing the current step of running jobs"])
    }

    /// One line for `systemctl status`: counts and the running jobs' progress.
    static func statusLine(_ s: StatusSnapshot) -> String {
        var parts = ["\(s.counts["running"] ?? 0) running", "\(s.counts["queued"] ?? 0) queued",
                     "\(s.counts["done"] ?? 0) done", "\(s.counts["failed"] ?? 0) failed"]
        if let paused = s.daemon.pausedReason { parts.append("paused: \(paused)") }
        for job in s.active where job.state == .running {
            if let p = job.progress, let total = p.framesTotal {
                parts.append("#\(job.id) \(job.name) \(p.framesDone)/\(total)")
            } else {
                parts.append("#\(job.id) \(job.name)")
            }
        }
        return parts.joined(separator: ", ")
    }
}
