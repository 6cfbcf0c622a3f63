import Foundation
import SRDDaemon
import XCTest

/// SIGHUP reload and SIGTERM graceful stop of the real `srd serve` process.
final class DaemonSignalTests: XCTestCase {
    /// Runs a command and returns its exit status and stdout+stderr.
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testSIGHUPReloadsTheConfigurationAndABadFileKeepsTheRunningOne() throws {
        let d = try makeDaemon(config: "limits:\n  min_free_disk_mb: 1000000000000")
        guard FileManager.default.isExecutableFile(atPath: d.srd) else { throw XCTSkip("no srd binary at \(d.srd)") }
        try d.start()
        XCTAssertEqual(try d.client.status().daemon.workers, 2)

        // srd status reads the same socket, found from --config or given with --socket.
        let table = try run(d.srd, ["status", "--config", d.root + "/srd.yaml"])
        XCTAssertEqual(table.status, 0)
        XCTAssertTrue(table.output.hasPrefix("srd (pid \(d.process!.processIdentifier), running, up "), table.output)
        XCTAssertTrue(table.output.hasSuffix("0 queued, 0 running, 0 done, 0 failed, 0 cancelled\nno jobs\n"), table.output)
        let json = try run(d.srd, ["status", "--json", "--socket", d.root + "/srd.sock"])
        XCTAssertEqual(try JSONDecoderForTests.decode(StatusSnapshot.self, from: Data(json.output.utf8)).daemon.workers, 2)
        let missing = try run(d.srd, ["status", "--socket", d.root + "/nothing.sock"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.output.contains("srd: error: cannot connect to"), missing.output)
        let original = try XCTUnwrap(d.folder.read("srd.yaml"))
        try d.folder.write("srd.yaml", original + "\nworkers: 3\n")
        kill(d.process!.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10, "workers: 3 in force") { (try? d.client.status())?.daemon.workers == 3 }, d.logs)

        try d.folder.write("srd.yaml", original + "\nworkers: nope\n")
        kill(d.process!.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 10, "the reload error in the log") { d.logs.contains("configuration reload failed") })
        XCTAssertEqual(try d.client.status().daemon.workers, 3, "a bad file keeps the running configuration")

        XCTAssertEqual(d.stop(timeout: 15), 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: d.root + "/status.json"))
        let status = try JSONDecoderForTests.decode(StatusSnapshot.self, from: data)
        XCTAssertEqual(status.daemon.state, "stopping", "the last status written says the daemon stopped")
    }

    func testSIGTERMStopsTheWorkerAndTheNextStartRunsTheJobAgain() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon()
        try DaemonHarness.makeVideo(at: d.root + "/staging/long.mp4", width: 160, height: 120, frames: 96)
        try d.start()
        try FileManager.default.moveItem(atPath: d.root + "/staging/long.mp4", toPath: d.root + "/inbox/long.mp4")
        XCTAssertTrue(waitUntil(timeout: 30, interval: 0.01, "a running worker") { (try? d.job(1))?.workerPID != nil }, d.logs)
        XCTAssertEqual(d.stop(timeout: 15), 0, "graceful stop well within the unit's TimeoutStopSec")
        XCTAssertEqual(d.workerProcesses(), [], "no worker outlives the daemon's graceful stop")

        try d.start()
        XCTAssertTrue(waitUntil(timeout: 90, interval: 0.2, "the job done") { (try? d.job(1))?.state == .done }, d.logs)
        let job = try d.job(1)
        XCTAssertEqual(job.attempts, 1, "the interrupted attempt was given back")
        XCTAssertEqual(d.folder.files(under: "outbox").filter { !$0.contains(".metrics/") }, ["long.mp4"])
    }
}
