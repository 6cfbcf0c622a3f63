import Foundation
import SRDDaemon
import SRDMedia
import SRDTesting
import XCTest

/// Runs the real `srd serve` (the binary built beside the tests) on a temp folder, with a
/// real SQLite file, socket and worker child processes.
final class DaemonHarness {
    let folder: TestFolder
    let srd: String
    private(set) var process: Process?
    private var starts = 0
    var root: String { folder.path }
    var client: StatusClient { StatusClient(socketPath: root + "/srd.sock", timeoutSeconds: 10) }

    /// The srd executable next to the test bundle (.build/<triple>/<config>/srd).
    static var srdExecutable: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("srd").path
    }

    /// Skips unless `srd worker` is built (the daemon's typed worker contract).
    static func requireUpscale() throws {
        let srd = srdExecutable
        guard FileManager.default.isExecutableFile(atPath: srd) else { throw XCTSkip("no srd binary at \(srd); run swift build first") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: srd)
        p.arguments = ["worker", "--help"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let help = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard help.contains("request") else {
            throw XCTSkip("srd worker is not built yet in this checkout")
        }
    }

    /// - Parameter config: YAML lines added to the test defaults (folders under the temp root);
    ///   a `default_pipeline` there replaces the default bicubic-x2.
    init(config: String = "", name: String = #function) throws {
        folder = try TestFolder(name)
        srd = Self.srdExecutable
        let pipeline = config.contains("default_pipeline:") ? "" : "default_pipeline: bicubic-x2"
        try folder.write("srd.yaml", """
            worker_command: [\(srd)]
            \(pipeline)
            stable_seconds: 0.3
            rescan_seconds: 2
            worker_stop_grace_seconds: 2
            \(config)
            """)
    }

    /// Starts the daemon and waits until its API answers.
    func start(environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        starts += 1
        let p = Process()
        p.executableURL = URL(fileURLWithPath: srd)
        p.arguments = ["serve", "--config", root + "/srd.yaml"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["WATCHDOG_USEC"] = nil
        env["JOURNAL_STREAM"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let log = root + "/daemon-\(starts).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        process = p
        // The socket of a killed daemon may still be there: wait for the new one to answer.
        let client = self.client
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? client.status())?.daemon.pid == p.processIdentifier { return }
            if !p.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw StatusClient.Failure(description: "srd serve did not come up:\n" + logs)
    }

    /// SIGKILL: no chance to clean up anything.
    func killHard() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM and wait for the exit; returns the exit status.
    @discardableResult
    func stop(timeout: Double = 30) -> Int32? {
        guard let p = process else { return nil }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            process = nil
            return nil
        }
        process = nil
        return p.terminationStatus
    }

    func finish() {
        if process != nil { stop() }
        killLeftoverWorkers()
    }

    var logs: String {
        (1...max(1, starts)).compactMap { folder.read("daemon-\($0).log") }.joined(separator: "\n--- restart ---\n")
    }

    func jobs() throws -> [JobView] {
        let reply = try client.request("GET", "/v1/jobs?limit=1000")
        struct List: Decodable { var jobs: [JobView] }
        return try JSONDecoderForTests.decode(List.self, from: reply.body).jobs
    }

    func job(_ id: Int64) throws -> JobView {
        let reply = try client.request("GET", "/v1/jobs/\(id)")
        return try JSONDecoderForTests.decode(JobView.self, from: reply.body)
    }

    /// Processes (other than the daemon) whose command line mentions this test's folder.
    func workerProcesses() -> [Int32] {
        let me = getpid()
        var found: [Int32] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me, pid != process?.processIdentifier else { continue }
            guard let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")) else { continue }
            let text = String(decoding: cmd.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard text.contains(root + "/"), text.contains(" worker ") else { continue }
            if let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8), stat.contains(") Z ") { continue }
            found.append(pid)
        }
        return found
    }

    private func killLeftoverWorkers() {
        for pid in workerProcesses() { kill(pid, SIGKILL) }
    }

    /// Writes a small real video (libav via SRDTesting) and returns its bytes.
    @discardableResult
    static func makeVideo(at path: String, width: Int = 64, height: Int = 48, frames: Int = 12) throws -> Data {
        let scratch = try TemporaryDirectory(prefix: "srd-daemon-clip")
        let made = try makeClip(in: scratch, name: (path as NSString).lastPathComponent) { o in
            o.width = width
            o.height = height
            o.frames = frames
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: made))
        try data.write(to: URL(fileURLWithPath: path))
        return data
    }
}

extension XCTestCase {
    /// A daemon harness stopped after the test; its folder (logs included) is removed only
    /// when the test passed, so a failure leaves everything to look at.
    func makeDaemon(config: String = "", name: String = #function) throws -> DaemonHarness {
        let d = try DaemonHarness(config: config, name: name)
        addTeardownBlock { [weak self] in
            d.finish()
            if self?.testRun?.hasSucceeded == true { d.folder.remove() }
        }
        return d
    }
}

enum JSONDecoderForTests {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let s = try decoder.singleValueContainer().decode(String.self)
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f.date(from: s) ?? Date.distantPast
        }
        return try d.decode(type, from: data)
    }
}

/// Reads the status file in a loop on its own thread and counts reads that are not valid JSON.
final class StatusFileReader: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var running = true
    private var reads = 0
    private var invalid: [String] = []

    init(path: String) {
        self.path = path
        Thread { [self] in self.loop() }.start()
    }

    private func loop() {
        while isRunning {
            if let data = FileManager.default.contents(atPath: path) {
                let ok = (try? JSONSerialization.jsonObject(with: data)) != nil
                lock.lock()
                reads += 1
                if !ok { invalid.append(String(decoding: data.prefix(200), as: UTF8.self)) }
                lock.unlock()
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Stops reading; returns (reads, invalid contents seen).
    func finish() -> (reads: Int, invalid: [String]) {
        lock.lock()
        running = false
        let result = (reads, invalid)
        lock.unlock()
        return result
    }
}
