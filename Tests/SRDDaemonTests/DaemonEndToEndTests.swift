import Foundation
import SRDDaemon
import SRDTesting
import XCTest

/// The real daemon (`srd serve` as a child process) on temp folders with real videos, SQLite
/// and worker processes (`srd upscale` with the fast bicubic-x2 preset).
final class DaemonEndToEndTests: XCTestCase {
    /// Everything in the outbox: videos and their metrics folders, no temporary names.
    func assertOutbox(_ d: DaemonHarness, subfolder: String, names: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let files = d.folder.files(under: "outbox")
        let videos = files.filter { !$0.contains(".metrics/") }
        XCTAssertEqual(videos, names.map { subfolder + $0 }.sorted(), "exactly one output per input", file: file, line: line)
        XCTAssertFalse(files.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") }, "no temporary files left: \(files)", file: file, line: line)
        for name in names {
            let path = d.root + "/outbox/" + subfolder + name
            XCTAssertTrue(files.contains(subfolder + name + ".metrics/summary.json"), "metrics beside \(name)", file: file, line: line)
            let video = try MediaProbe.video(of: path)
            XCTAssertEqual(video.width, 128, file: file, line: line)
            XCTAssertEqual(video.height, 96, file: file, line: line)
        }
    }

    func testTenFilesDroppedAtOnceAllComeOutOnceWhileTheStatusFileStaysValid() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "workers: 2")
        var sources: [String: Data] = [:]
        for i in 0..<10 {
            sources["clip\(i).mp4"] = try DaemonHarness.makeVideo(at: d.root + "/staging/clip\(i).mp4")
        }
        try d.start()
        let reader = StatusFileReader(path: d.root + "/status.json")
        // Half moved in (IN_MOVED_TO), half copied (IN_CLOSE_WRITE), all at once.
        try FileManager.default.createDirectory(atPath: d.root + "/inbox", withIntermediateDirectories: true)
        for (name, data) in sources.sorted(by: { $0.key < $1.key }) {
            if name < "clip5" {
                try FileManager.default.moveItem(atPath: d.root + "/staging/" + name, toPath: d.root + "/inbox/" + name)
            } else {
                try data.write(to: URL(fileURLWithPath: d.root + "/inbox/" + name))
            }
        }
        let finished = try waitUntil(timeout: 150, interval: 0.2, "ten jobs done") {
            (try? d.jobs())?.filter { $0.state.isTerminal }.count == 10
        }
        let statusReads = reader.finish()
        guard finished else { return XCTFail(d.logs) }

        let jobs = try d.jobs()
        XCTAssertEqual(jobs.count, 10, "one job per file")
        XCTAssertEqual(Set(jobs.map(\.state)), [.done], d.logs)
        XCTAssertEqual(Set(jobs.map(\.name)), Set(sources.keys))
        XCTAssertEqual(jobs.map(\.attempts), Array(repeating: 1, count: 10))
        XCTAssertTrue(jobs.allSatisfy { $0.summary != nil }, "the worker's metrics summary is kept")
        for job in jobs {
            guard case .object(let summary)? = job.summary else { continue }
            XCTAssertEqual(summary["output"], .string(job.output ?? "-"), "summary paths point at the published output")
        }
        try assertOutbox(d, subfolder: "", names: Array(sources.keys))
        XCTAssertEqual(d.folder.files(under: "done"), sources.keys.sorted())
        for (name, data) in sources {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d.root + "/done/" + name)), data, "input unchanged")
        }
        XCTAssertEqual(d.folder.files(under: "inbox"), [])
        XCTAssertEqual(d.folder.files(under: "failed"), [])
        XCTAssertTrue(waitUntil(timeout: 5, "work folder emptied") { d.folder.files(under: "work").isEmpty }, "\(d.folder.files(under: "work"))")

        XCTAssertGreaterThan(statusReads.reads, 20, "the reader ran while jobs ran")
        XCTAssertEqual(statusReads.invalid, [], "the status file was always valid JSON")
        XCTAssertEqual(d.stop(), 0, "SIGTERM exits cleanly")
    }

    func testSlowlyCopiedFileIsNotTakenBeforeItIsComplete() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon()
        let video = try DaemonHarness.makeVideo(at: d.root + "/staging/slow.mp4")
        try d.start()
        let path = d.root + "/inbox/slow.mp4"
        // open(2) directly: FileManager.createFile would close the empty file once first.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        let half = video.count / 2
        handle.write(video.prefix(half))
        // The writer pauses for several stability windows with the file still open.
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertEqual(try d.jobs().count, 0, "an open file is never taken")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        handle.write(video.suffix(from: half))
        try handle.close()

        XCTAssertTrue(waitUntil(timeout: 60, "the job to finish") { (try? d.jobs())?.first?.state.isTerminal == true })
        let job = try XCTUnwrap(d.jobs().first)
        XCTAssertEqual(job.state, .done, job.error ?? d.logs)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d.root + "/done/slow.mp4")), video, "the whole file was taken")
        try assertOutbox(d, subfolder: "", names: ["slow.mp4"])
    }

    func testCorruptFileEndsInFailedWithAReadableReasonWhileOthersSucceed() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "retry:\n  max_attempts: 3\n  backoff_seconds: 0.2")
        let good = try DaemonHarness.makeVideo(at: d.root + "/staging/good.mp4")
        var corrupt = Data("this is not a video, just text pretending to be one\n".utf8)
        corrupt.append(good.suffix(200))
        try d.start()
        try FileManager.default.createDirectory(atPath: d.root + "/inbox/bicubic-x2", withIntermediateDirectories: true)
        try good.write(to: URL(fileURLWithPath: d.root + "/inbox/bicubic-x2/a.mp4"))
        try corrupt.write(to: URL(fileURLWithPath: d.root + "/inbox/bicubic-x2/broken.mp4"))
        try good.write(to: URL(fileURLWithPath: d.root + "/inbox/b.mp4"))
        try FileManager.default.createDirectory(atPath: d.root + "/inbox/no-such-preset", withIntermediateDirectories: true)
        try good.write(to: URL(fileURLWithPath: d.root + "/inbox/no-such-preset/c.mp4"))

        XCTAssertTrue(waitUntil(timeout: 90, interval: 0.2, "four jobs finished") {
            (try? d.jobs())?.filter { $0.state.isTerminal }.count == 4
        }, d.logs)
        let jobs = Dictionary(uniqueKeysWithValues: try d.jobs().map { ($0.name, $0) })
        XCTAssertEqual(jobs["a.mp4"]?.state, .done)
        XCTAssertEqual(jobs["b.mp4"]?.state, .done)
        let broken = try XCTUnwrap(jobs["broken.mp4"])
        XCTAssertEqual(broken.state, .failed)
        XCTAssertEqual(broken.attempts, 1, "bad input (exit 2) is not retried")
        XCTAssertTrue(broken.error?.hasPrefix("bad input: ") == true, broken.error ?? "nil")

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d.root + "/failed/broken.mp4")), corrupt, "input kept unchanged")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d.root + "/failed/broken.mp4.error.json"))) as? [String: Any]
        XCTAssertEqual(report?["error"] as? String, broken.error)
        XCTAssertEqual(report?["state"] as? String, "failed")
        XCTAssertEqual(report?["input"] as? String, "broken.mp4")
        try assertOutbox(d, subfolder: "", names: ["a.mp4", "b.mp4"])

        let unknown = try XCTUnwrap(jobs["c.mp4"])
        XCTAssertEqual(unknown.state, .failed)
        XCTAssertEqual(unknown.attempts, 1, "an unknown preset is not retried")
        XCTAssertTrue(unknown.error?.contains("no-such-preset") == true, unknown.error ?? "nil")
        XCTAssertTrue(d.folder.exists("failed/no-such-preset/c.mp4.error.json"))
    }

    func testWorkerKilledWithSIGKILLIsRetriedThenFailedWithoutLosingTheInput() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "retry:\n  max_attempts: 2\n  backoff_seconds: 0.2")
        let video = try DaemonHarness.makeVideo(at: d.root + "/staging/victim.mp4", width: 160, height: 120, frames: 96)
        try d.start()
        try FileManager.default.moveItem(atPath: d.root + "/staging/victim.mp4", toPath: d.root + "/inbox/victim.mp4")

        var killed: Set<Int32> = []
        for attempt in 1...2 {
            var pid: Int32?
            XCTAssertTrue(waitUntil(timeout: 30, interval: 0.005, "worker of attempt \(attempt)") {
                guard let job = try? d.job(1), job.attempts == attempt, let p = job.workerPID, !killed.contains(p) else { return false }
                pid = p
                return true
            }, d.logs)
            guard let pid else { return }
            XCTAssertEqual(kill(pid, SIGKILL), 0)
            killed.insert(pid)
        }
        XCTAssertTrue(waitUntil(timeout: 30, "the job to fail") { (try? d.job(1))?.state == .failed }, d.logs)
        let job = try d.job(1)
        XCTAssertEqual(job.attempts, 2)
        XCTAssertEqual(job.error, "gave up after 2 attempts: worker killed by signal 9 (SIGKILL)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d.root + "/failed/victim.mp4")), video, "input not lost")
        XCTAssertTrue(d.folder.exists("failed/victim.mp4.error.json"))
        XCTAssertEqual(d.folder.files(under: "outbox"), [])
        let status = try d.client.status()
        XCTAssertEqual(status.daemon.pid, d.process?.processIdentifier, "the daemon itself survived")
        let metrics = try d.client.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"srd_worker_failures_total{kind="signal"} 2"#), metrics)
    }

    func testDaemonKilledWithSIGKILLMidJobAndRestartedCompletesEveryJobExactlyOnce() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "workers: 2")
        let names = (0..<5).map { "k\($0).mp4" }
        for name in names { try DaemonHarness.makeVideo(at: d.root + "/staging/" + name, frames: 36) }
        try d.start()
        for name in names {
            try FileManager.default.moveItem(atPath: d.root + "/staging/" + name, toPath: d.root + "/inbox/" + name)
        }
        // First crash: while workers run.
        XCTAssertTrue(waitUntil(timeout: 30, interval: 0.01, "a running worker") {
            (try? d.jobs())?.contains { $0.workerPID != nil } == true
        }, d.logs)
        d.killHard()
        try d.start()
        // Second crash: right after the first job is done, while others are mid-flight.
        XCTAssertTrue(waitUntil(timeout: 90, interval: 0.01, "a finished job") {
            (try? d.jobs())?.contains { $0.state == .done } == true
        }, d.logs)
        d.killHard()
        try d.start()

        XCTAssertTrue(waitUntil(timeout: 150, interval: 0.2, "every job finished") {
            (try? d.jobs())?.filter { $0.state.isTerminal }.count == names.count
        }, d.logs)
        let jobs = try d.jobs()
        XCTAssertEqual(jobs.count, names.count, "one job per file, none duplicated")
        XCTAssertEqual(Set(jobs.map(\.state)), [.done], d.logs)
        try assertOutbox(d, subfolder: "", names: names)
        XCTAssertEqual(d.folder.files(under: "done"), names.sorted())
        XCTAssertEqual(d.folder.files(under: "inbox"), [])
        XCTAssertTrue(waitUntil(timeout: 5, "work folder emptied") { d.folder.files(under: "work").isEmpty }, "\(d.folder.files(under: "work"))")
        XCTAssertEqual(d.workerProcesses(), [], "workers orphaned by the crashes were killed")
    }
}
