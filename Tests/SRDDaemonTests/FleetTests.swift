import Foundation
import SRDDaemon
import SRDMedia
import SRDTesting
import XCTest

/// Three `srd serve` nodes (separate processes, sockets and logs) sharing one PostgreSQL job store
/// and one set of folders: ten files dropped, one node killed with SIGKILL while it works, one
/// stopped with SIGTERM; every file comes out once, and as the single-machine SQLite daemon makes it.
final class FleetTests: XCTestCase {
    /// A 3-second clip with a keyframe every second: three segments of a second.
    private func makeInput(_ path: String, index: Int) throws {
        let scratch = try TemporaryDirectory(prefix: "srd-fleet-clip")
        let made = try makeClip(in: scratch, name: "c.mp4") {
            $0.width = 160; $0.height = 120; $0.frames = 72; $0.keyframeInterval = 24; $0.audio = true
            $0.pattern = index % 2 == 0 ? .detail : .colourBars
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: made, toPath: path)
    }

    /// The folders every node shares (`job_folders` holds claimed inputs and finished segments);
    /// each node's `work` (run folders) is its own, as on separate machines.
    private func folders(_ root: String, node: String) -> String {
        (["inbox", "outbox", "failed", "done"].map { "\($0): \(root)/\($0)" }
            + ["job_folders: \(root)/jobs", "work: \(root)/work-\(node)"]).joined(separator: "\n")
    }

    /// A lossless x264 preset in `shared`, the nodes' default: crf 0 is lossless at 8 bits, so the
    /// decoded frames are the pipeline's own and runs compare exactly (lossy x264 output varied
    /// between identical runs here, fleet or not). Returns the configuration lines naming it.
    private func losslessPreset(in shared: TestFolder) throws -> String {
        try shared.write("presets/lossless-x2.yaml", "model: bicubic\nscale: 2\nencode:\n  codec: libx264\n  crf: 0\n  preset: veryfast\n")
        return "pipelines: [\(shared.path)/presets]\ndefault_pipeline: lossless-x2"
    }

    private func postgres() throws -> PostgresTestServer {
        do { return try PostgresTestServer() } catch {
            throw XCTSkip("no PostgreSQL server for the fleet test: \(error)")
        }
    }

    func testThreeNodesShareOneQueueThroughAKilledAndAStoppedNode() throws {
        try DaemonHarness.requireUpscale()
        let server = try postgres()
        defer { server.stop() }
        let shared = try TestFolder("testFleetShared")
        let presets = try losslessPreset(in: shared)
        let names = (0..<10).map { "f\($0).mp4" }
        for (i, name) in names.enumerated() { try makeInput(shared.path + "/staging/" + name, index: i) }
        let common = presets + "\njob_store: \(server.url)\nlease_seconds: 2\nworkers: 1\nsegment_seconds: 1"
        let nodes = try (1...3).map {
            try makeDaemon(config: common + "\n" + folders(shared.path, node: "n\($0)") + "\nnode_name: n\($0)", name: "testFleetNode\($0)")
        }
        for node in nodes { try node.start() }
        for name in names {
            try FileManager.default.moveItem(atPath: shared.path + "/staging/" + name, toPath: shared.path + "/inbox/" + name)
        }
        let (n1, n2, n3) = (nodes[0], nodes[1], nodes[2])
        XCTAssertTrue(waitUntil(timeout: 60, interval: 0.02, "node n1 running a segment") {
            n1.logs.contains("unit=segment:") && ((try? n1.client.status())?.daemon.busyWorkers ?? 0) > 0
        }, n1.logs)
        n1.killHard()
        XCTAssertTrue(waitUntil(timeout: 90, interval: 0.1, "three jobs done") {
            ((try? n3.jobs())?.filter { $0.state == .done }.count ?? 0) >= 3
        }, n3.logs)
        XCTAssertNotNil(n2.stop(), "n2 stops cleanly")
        XCTAssertTrue(waitUntil(timeout: 180, interval: 0.2, "every job finished on n3") {
            (try? n3.jobs())?.filter { $0.state.isTerminal }.count == names.count
        }, n3.logs)

        let jobs = try n3.jobs()
        XCTAssertEqual(jobs.count, names.count, "one job per file: \(jobs.map { "\($0.id) \($0.name) \($0.state)" })")
        XCTAssertEqual(Set(jobs.map(\.state)), [.done], jobs.compactMap(\.error).joined(separator: "; "))
        XCTAssertEqual(Set(jobs.map(\.name)), Set(names))
        for job in jobs {
            let starts = job.segments?.starts ?? []
            XCTAssertEqual(starts.count, 3, "\(job.name) cut into three segments")
            XCTAssertLessThanOrEqual(starts.max() ?? 0, 2, "\(job.name): a segment started more than twice: \(starts)")
        }
        let redone = jobs.map { ($0.segments?.starts ?? []).reduce(0, +) - 3 }.reduce(0, +)
        XCTAssertLessThanOrEqual(redone, 2, "only the segments running on the killed and the stopped node are redone")
        let status = try n3.client.status()
        XCTAssertEqual(status.daemon.node, "n3")
        XCTAssertEqual(Set(status.nodes?.map(\.name) ?? []), ["n1", "n2", "n3"])
        let metrics = String(decoding: try n3.client.request("GET", "/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"srd_fleet_node_jobs{node="n1"}"#), String(metrics.prefix(400)))
        XCTAssertTrue(metrics.contains(#"srd_fleet_node_fps{node="n3"}"#))

        let outputs = shared.files(under: "outbox").filter { !$0.contains(".metrics/") }
        XCTAssertEqual(outputs, names.sorted(), "exactly one output per file")
        XCTAssertFalse(shared.files(under: "outbox").contains { ($0 as NSString).lastPathComponent.hasPrefix(".") }, "no partial output")
        XCTAssertEqual(shared.files(under: "done"), names.sorted())
        XCTAssertEqual(shared.files(under: "jobs"), [], "every job's folder removed")
        XCTAssertEqual(shared.files(under: "work-n3"), [], "n3 left no run folder")

        // The same files through one machine with the SQLite store: the same frames.
        let single = try makeDaemon(config: presets + "\nworkers: 1\nsegment_seconds: 1", name: "testFleetSQLite")
        for name in names { try FileManager.default.copyItem(atPath: shared.path + "/done/" + name, toPath: single.root + "/staging-" + name) }
        try single.start()
        for name in names { try FileManager.default.moveItem(atPath: single.root + "/staging-" + name, toPath: single.root + "/inbox/" + name) }
        XCTAssertTrue(waitUntil(timeout: 180, interval: 0.2, "the SQLite daemon finished") {
            (try? single.jobs())?.filter { $0.state == .done }.count == names.count
        }, single.logs)
        for name in names {
            let fleet = try MediaProbe.videoFrameHashes(of: shared.path + "/outbox/" + name)
            let alone = try MediaProbe.videoFrameHashes(of: single.root + "/outbox/" + name)
            XCTAssertEqual(fleet.count, 72, name)
            XCTAssertEqual(fleet.map(\.pts), alone.map(\.pts), "\(name): timestamps differ from the single machine's")
            XCTAssertEqual(fleet.map(\.hash), alone.map(\.hash), "\(name): frames differ from the single machine's")
        }
    }

    /// A job held by one node is cancelled through another node's API: the holder stops its
    /// worker and the input ends in failed/, as when cancelled on its own node.
    func testCancelThroughAnotherNode() throws {
        try DaemonHarness.requireUpscale()
        let server = try postgres()
        defer { server.stop() }
        let shared = try TestFolder("testFleetCancel")
        let common = "job_store: \(server.url)\nlease_seconds: 2\nworkers: 1\ndefault_pipeline: bicubic-x2\nsegment_seconds: 0"
        let a = try makeDaemon(config: common + "\n" + folders(shared.path, node: "a") + "\nnode_name: a", name: "testFleetCancelA")
        let b = try makeDaemon(config: common + "\n" + folders(shared.path, node: "b") + "\nnode_name: b", name: "testFleetCancelB")
        try a.start()
        try DaemonHarness.makeVideo(at: shared.path + "/staging/long.mp4", width: 320, height: 240, frames: 2400)
        try FileManager.default.moveItem(atPath: shared.path + "/staging/long.mp4", toPath: shared.path + "/inbox/long.mp4")
        XCTAssertTrue(waitUntil(timeout: 60, interval: 0.05, "node a running the job") {
            (try? a.jobs())?.contains { $0.owner == "a" && $0.workerPID != nil } == true
        }, a.logs)
        try b.start()  // after a holds the job, so b cannot take it first
        var running: JobView?
        XCTAssertTrue(waitUntil(timeout: 60, interval: 0.05, "b seeing a's job make progress") {
            running = (try? b.jobs())?.first { $0.owner == "a" && ($0.progress?.framesDone ?? 0) > 0 }
            return running != nil
        }, b.logs)
        let id = try XCTUnwrap(running?.id)
        let reply = try b.client.request("DELETE", "/v1/jobs/\(id)")
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
        XCTAssertTrue(waitUntil(timeout: 30, interval: 0.1, "the job cancelled") {
            (try? b.jobs())?.first { $0.id == id }?.state == .cancelled
        }, a.logs)
        XCTAssertEqual(shared.files(under: "failed").filter { !$0.hasSuffix(".error.json") }, ["long.mp4"], "the input is kept in failed/")
        XCTAssertEqual(shared.files(under: "outbox"), [], "no output for a cancelled job")
        XCTAssertTrue(a.logs.contains("cancel requested from another node"), a.logs)
        XCTAssertNotNil(a.stop())
        XCTAssertNotNil(b.stop())
    }

    /// One film spreads over the fleet: its segments are jobs of their own, so two nodes with a
    /// worker each run two of them at once, and the joined output is the whole film.
    func testOneFilmsSegmentsRunOnTwoNodesAtOnce() throws {
        try DaemonHarness.requireUpscale()
        let server = try postgres()
        defer { server.stop() }
        let shared = try TestFolder("testFleetOneFilm")
        let common = try losslessPreset(in: shared) + "\njob_store: \(server.url)\nlease_seconds: 2\nworkers: 1\nsegment_seconds: 1"
        let nodes = try ["a", "b"].map { try makeDaemon(config: common + "\n" + folders(shared.path, node: $0) + "\nnode_name: \($0)", name: "testFleetFilm\($0)") }
        for node in nodes { try node.start() }
        let scratch = try TemporaryDirectory(prefix: "srd-fleet-film")
        let clip = try makeClip(in: scratch, name: "film.mp4") {
            $0.width = 320; $0.height = 240; $0.frames = 192; $0.keyframeInterval = 24; $0.audio = true
        }
        try FileManager.default.copyItem(atPath: clip, toPath: shared.path + "/staging.mp4")
        try FileManager.default.moveItem(atPath: shared.path + "/staging.mp4", toPath: shared.path + "/inbox/film.mp4")
        var together = false
        XCTAssertTrue(waitUntil(timeout: 120, interval: 0.05, "the film done") {
            let busy = nodes.map { (try? $0.client.status())?.daemon.busyWorkers ?? 0 }
            let job = (try? nodes[0].jobs())?.first
            if busy == [1, 1], job?.stage == .segments { together = true }
            return job?.state == .done
        }, nodes.map(\.logs).joined(separator: "\n"))
        XCTAssertTrue(together, "both nodes ran a segment of the one film at the same time")
        for node in nodes { XCTAssertTrue(node.logs.contains("unit=segment:"), "\(node.root): ran no segment") }
        let job = try XCTUnwrap(try nodes[0].jobs().first)
        XCTAssertEqual(job.segments?.total, 8)
        XCTAssertEqual(job.segments?.starts, [1, 1, 1, 1, 1, 1, 1, 1], "every segment ran once")
        XCTAssertEqual(try nodes[0].jobs().count, 1, "segment jobs are not listed as jobs")
        let frames = try MediaProbe.videoFrameHashes(of: shared.path + "/outbox/film.mp4")
        XCTAssertEqual(frames.map(\.pts), try MediaProbe.videoFramePTS(of: shared.path + "/done/film.mp4").pts)
        XCTAssertEqual(shared.files(under: "jobs"), [], "the job's folder removed")
        for node in nodes { XCTAssertNotNil(node.stop()) }
    }

    /// With PostgreSQL gone, a node still stops promptly on SIGTERM (every store call is bounded:
    /// the client alone retried for about a minute, and the stop took 67 s).
    func testANodeStopsPromptlyWhenTheDatabaseIsGone() throws {
        let server = try postgres()
        let shared = try TestFolder("testFleetDatabaseGone")
        let a = try makeDaemon(config: "job_store: \(server.url)\nlease_seconds: 2\nworkers: 1\n" + folders(shared.path, node: "a") + "\nnode_name: a",
                               name: "testFleetDatabaseGoneA")
        try a.start()
        XCTAssertTrue(waitUntil(timeout: 10, "the node registered") { (try? a.client.status())?.nodes?.isEmpty == false }, a.logs)
        server.stop()
        Thread.sleep(forTimeInterval: 3)  // the loop is now waiting on the unreachable store
        let started = Date()
        XCTAssertNotNil(a.stop(timeout: 25), "srd serve did not stop within 25 s of SIGTERM: " + a.logs)
        XCTAssertTrue(a.logs.contains("did not answer within"), a.logs)
        let took = Date().timeIntervalSince(started)
        print("srd serve stopped \(String(format: "%.1f", took)) s after SIGTERM with the database gone")
        XCTAssertLessThan(took, 25)
    }
}
