import Foundation
import Logging
import XCTest
@testable import SRDDaemon

/// The socket API's JSON, pinned by snapshots. The daemon runs in-process on temp folders with
/// a real SQLite file and socket; a huge free-disk limit holds every job in the queue, so the
/// states are the same on every run without any worker.
final class StatusAPISnapshotTests: XCTestCase {
    func testAPIResponsesMatchSnapshots() async throws {
        let f = try TestFolder()
        defer { f.remove() }
        try f.write("presets/fast-x2.yaml", "# preset\n")
        try f.write("presets/bicubic-x2.yaml", "# preset\n")
        try f.write("src/a.mp4", "not a real video")
        try f.write("src/b.mkv", "not a real video either")
        try f.write("config.yaml", """
            stable_seconds: 0.2
            submit_roots: [src]
            limits:
              min_free_disk_mb: 1000000000000
            """)
        let root = f.path
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let daemon = Daemon(
            load: { try DaemonConfiguration.load(file: root + "/config.yaml") },
            builtinPipelines: root + "/presets", logger: logger, handleSignals: false
        )
        let task = Task { try await daemon.run() }
        defer { task.cancel() }

        let client = StatusClient(socketPath: root + "/srd.sock", timeoutSeconds: 5)
        XCTAssertTrue(waitUntil(timeout: 20, "the API") { (try? client.request("GET", "/v1/status"))?.status == 200 })
        func call(_ method: String, _ path: String, _ body: String? = nil) throws -> String {
            let reply = try client.request(method, path, json: body.map { Data($0.utf8) })
            return "\(reply.status)\n" + normalized(reply.text, root: root)
        }

        assertSnapshot(try call("POST", "/v1/jobs", #"{"path": "\#(root)/src/a.mp4"}"#), named: "post-job.txt")
        _ = try call("POST", "/v1/jobs", #"{"path": "\#(root)/src/b.mkv", "pipeline": "bicubic-x2"}"#)
        XCTAssertEqual(f.read("src/a.mp4"), "not a real video", "a file from a submit root is copied, never moved")
        XCTAssertTrue(f.exists("work/1/input/a.mp4"))

        let errors = [
            try call("POST", "/v1/jobs", #"{"path": "src/a.mp4"}"#),
            try call("POST", "/v1/jobs", #"{"path": "\#(root)/src/b.mkv", "pipeline": "nope"}"#),
            try call("POST", "/v1/jobs", #"{"path": "\#(root)/src/missing.mp4"}"#),
            try call("POST", "/v1/jobs", #"{"file": 1}"#),
            try call("GET", "/v1/jobs/99"),
            try call("GET", "/v1/jobs/abc"),
            try call("DELETE", "/v1/jobs/99"),
        ]
        assertSnapshot(errors.joined(separator: "\n"), named: "errors.txt")

        // A file dropped into the inbox becomes job 3 once it is stable.
        try f.write("inbox/bicubic-x2/c.mp4", "dropped")
        XCTAssertTrue(waitUntil(timeout: 20, "the inbox file to be claimed") { f.exists("work/3/input/c.mp4") })

        assertSnapshot(try call("DELETE", "/v1/jobs/2"), named: "cancel-job.txt")
        XCTAssertTrue(waitUntil(timeout: 10, "the cancelled input in failed/") { f.exists("failed/bicubic-x2/b.mkv.error.json") })
        XCTAssertEqual(f.read("failed/bicubic-x2/b.mkv"), "not a real video either", "a cancelled input is kept, unchanged")
        XCTAssertTrue(try call("DELETE", "/v1/jobs/2").hasPrefix("409\n"))

        assertSnapshot(try call("GET", "/v1/jobs/1"), named: "get-job.txt")
        assertSnapshot(try call("GET", "/v1/jobs"), named: "list-jobs.txt")
        assertSnapshot(try call("GET", "/v1/jobs?state=cancelled"), named: "list-jobs-cancelled.txt")
        assertSnapshot(try call("GET", "/v1/status"), named: "status.txt")
        assertSnapshot(normalized(try client.status().table(), root: root), named: "status-table.txt")

        let metrics = try client.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"srd_jobs{state="queued"} 2"#), metrics)
        XCTAssertTrue(metrics.contains(#"srd_jobs{state="cancelled"} 1"#), metrics)
        XCTAssertTrue(metrics.contains("srd_paused 1"), metrics)

        XCTAssertTrue(try waitUntil(timeout: 10, "the status file to show the queue") {
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/status.json"))
            let status = try DaemonJSON.decoder().decode(StatusSnapshot.self, from: data)
            return status.counts["queued"] == 2 && status.counts["cancelled"] == 1
        })

        var st = stat()
        XCTAssertEqual(stat(root + "/srd.sock", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660, "socket mode")
    }
}
