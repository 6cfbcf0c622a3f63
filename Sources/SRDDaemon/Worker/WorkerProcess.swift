#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SRDPipeline

/// One worker child process (`srd upscale ...`) and the thread that reads its pipes.
///
/// The child gets its own process group (so a stop reaches anything it starts) and default
/// signal dispositions (the daemon ignores SIGTERM/SIGHUP for its own signal handling, and
/// ignored signals are inherited across exec). stdout is parsed as JSON lines; the last
/// stderr lines are kept for the error report. A dedicated thread polls the pipes and the
/// child, so no cooperative-pool thread ever blocks on it.
public final class WorkerProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Messages in order, ending with `.exited`.
    public let messages: AsyncStream<WorkerMessage>

    private static let spawnLock = NSLock()
    private let lock = NSLock()
    private var stopDeadline: Double?
    private var stopRequested = false
    private var stderrTail: [String] = []

    /// Starts `argv` (argv[0] must be an absolute path).
    /// - Parameters:
    ///   - timeout: kill the worker after this many seconds (nil: never).
    public init(argv: [String], environment: [String: String] = [:], timeout: Double?) throws {
        guard let executable = argv.first else { throw WorkerLaunchError(reason: "empty worker command") }
        // Pipes and spawn under one lock: a pipe end created while another worker is being
        // spawned would leak into it before FD_CLOEXEC is set, and keep this pipe open.
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw WorkerLaunchError(reason: "pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw WorkerLaunchError(reason: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, cArgs, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw WorkerLaunchError(reason: "\(executable): \(String(cString: strerror(rc)))")
        }
        pid = child

        var continuation: AsyncStream<WorkerMessage>.Continuation!
        messages = AsyncStream(bufferingPolicy: .unbounded) { continuation = $0 }
        let stream = continuation!
        let started = Self.monotonic()
        let (readOut, readErr) = (outPipe[0], errPipe[0])
        let thread = Thread { [self] in
            self.pump(stdout: readOut, stderr: readErr, started: started, timeout: timeout, into: stream)
        }
        thread.name = "srd-worker-\(child)"
        thread.start()
    }

    /// Asks the worker to stop: SIGTERM to its process group now, SIGKILL after `grace` seconds.
    public func stop(grace: Double) {
        lock.lock()
        let first = !stopRequested
        stopRequested = true
        stopDeadline = Self.monotonic() + grace
        lock.unlock()
        if first { kill(-pid, SIGTERM) }
    }

    /// The last lines the worker wrote to stderr.
    public var lastErrorLines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stderrTail
    }

    /// Start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), to tell a
    /// process from a later one that reuses its pid.
    public static func startTicks(of pid: pid_t) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        return fields.count > 19 ? Int64(fields[19]) : nil
    }

    private static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func pump(stdout: Int32, stderr: Int32, started: Double, timeout: Double?, into stream: AsyncStream<WorkerMessage>.Continuation) {
        var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0), pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
        var buffers: [[UInt8]] = [[], []]
        var open = [true, true]
        var termination: WorkerTermination?
        var timedOut: Double?
        var exitStatus: Int32?
        var chunk = [UInt8](repeating: 0, count: 65536)

        func emitLines(_ index: Int, final: Bool) {
            while let nl = buffers[index].firstIndex(of: 10) {
                let line = String(decoding: buffers[index][..<nl], as: UTF8.self)
                buffers[index].removeSubrange(...nl)
                handle(line: line, index)
            }
            if final, !buffers[index].isEmpty {
                handle(line: String(decoding: buffers[index], as: UTF8.self), index)
                buffers[index].removeAll()
            }
        }
        func handle(line: String, _ index: Int) {
            if index == 0 {
                if let event = WorkerEvent.parse(line: line) { stream.yield(.event(event)) }
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                lock.lock()
                stderrTail.append(line)
                if stderrTail.count > 20 { stderrTail.removeFirst(stderrTail.count - 20) }
                lock.unlock()
            }
        }

        while open[0] || open[1] || exitStatus == nil {
            for i in 0..<2 { fds[i].fd = open[i] ? (i == 0 ? stdout : stderr) : -1; fds[i].revents = 0 }
            _ = poll(&fds, 2, 100)
            for i in 0..<2 where open[i] && fds[i].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffers[i].append(contentsOf: chunk[0..<n])
                    emitLines(i, final: false)
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[i] = false
                    emitLines(i, final: true)
                    Glibc.close(i == 0 ? stdout : stderr)
                }
            }
            if exitStatus == nil {
                var status: Int32 = 0
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid {
                    exitStatus = status
                } else if r < 0 && errno == ECHILD {
                    exitStatus = -1
                }
            }
            // The child is gone but something it started still holds the pipes: stop reading soon.
            if exitStatus != nil && (open[0] || open[1]) {
                var drainFDs = fds
                if poll(&drainFDs, 2, 0) == 0 {
                    for i in 0..<2 where open[i] {
                        open[i] = false
                        emitLines(i, final: true)
                        Glibc.close(i == 0 ? stdout : stderr)
                    }
                }
            }
            let now = Self.monotonic()
            if let timeout, timedOut == nil, exitStatus == nil, now - started > timeout {
                timedOut = timeout
                kill(-pid, SIGKILL)
            }
            lock.lock()
            let deadline = stopDeadline
            lock.unlock()
            if let deadline, exitStatus == nil, now > deadline {
                kill(-pid, SIGKILL)
            }
        }
        // Whatever the child left in its group (it may have started helpers) goes with it.
        kill(-pid, SIGKILL)

        let status = exitStatus ?? -1
        if let timedOut {
            termination = .timedOut(timedOut)
        } else if status == -1 {
            termination = .exited(1)
        } else if status & 0x7f == 0 {
            termination = .exited((status >> 8) & 0xff)
        } else {
            termination = .signalled(status & 0x7f)
        }
        stream.yield(.exited(termination!))
        stream.finish()
    }
}

/// The worker executable could not be started.
public struct WorkerLaunchError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
