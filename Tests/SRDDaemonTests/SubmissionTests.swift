import Foundation
import SRDDaemon
import XCTest

/// `POST /v1/jobs` only takes what it may take, and `POST /v1/uploads` streams a file in:
/// each refusal against the real `srd serve` on its socket.
final class SubmissionTests: XCTestCase {
    private func submit(_ d: DaemonHarness, _ path: String) throws -> StatusClient.Reply {
        try d.client.request("POST", "/v1/jobs", json: try JSONSerialization.data(withJSONObject: ["path": path]))
    }

    func testRefusesTheDaemonsOwnFilesAndPathsOutsideTheRoots() throws {
        let d = try makeDaemon(config: "submit_roots: [\"shared-in\"]")
        try d.start()
        try FileManager.default.createDirectory(atPath: d.root + "/shared-in", withIntermediateDirectories: true)
        let outside = d.root + "/elsewhere/clip.mp4"
        let clip = try DaemonHarness.makeVideo(at: outside)
        try FileManager.default.createDirectory(atPath: d.root + "/work/7", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: d.root + "/work/7/input.mp4"))
        try FileManager.default.createSymbolicLink(atPath: d.root + "/inbox/.db-link", withDestinationPath: d.root + "/srd.sqlite")
        try FileManager.default.createSymbolicLink(atPath: d.root + "/shared-in-link", withDestinationPath: d.root + "/elsewhere")

        for (path, status, words) in [
            (d.root + "/srd.sqlite", 403, "belongs to the daemon"),
            (d.root + "/srd.sock", 403, "belongs to the daemon"),
            (d.root + "/work/7/input.mp4", 403, "belongs to the daemon"),
            (d.root + "/inbox/.db-link", 403, "belongs to the daemon"),
            (outside, 403, "outside the folders"),
            (d.root + "/shared-in/../elsewhere/clip.mp4", 403, "outside the folders"),
            (d.root + "/shared-in-link/clip.mp4", 403, "outside the folders"),
            (d.root + "/elsewhere", 400, "not a regular file"),
            ("relative/clip.mp4", 400, "absolute"),
            (d.root + "/no-such-file.mp4", 400, "no such file"),
        ] {
            let reply = try submit(d, path)
            XCTAssertEqual(reply.status, status, "\(path): \(String(decoding: reply.body, as: UTF8.self))")
            XCTAssertTrue(String(decoding: reply.body, as: UTF8.self).contains(words), "\(path): \(String(decoding: reply.body, as: UTF8.self))")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: d.root + "/srd.sqlite"), "the database was not moved")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: outside)), clip, "a refused file is untouched")
        XCTAssertEqual(try d.jobs().count, 0)
    }

    func testAFileUnderASubmitRootIsCopiedNeverMoved() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "submit_roots: [\"shared-in\"]")
        let source = d.root + "/shared-in/clip.mp4"
        let clip = try DaemonHarness.makeVideo(at: source)
        try d.start()
        let reply = try submit(d, source)
        XCTAssertEqual(reply.status, 201, String(decoding: reply.body, as: UTF8.self))
        XCTAssertTrue(waitUntil(timeout: 60, interval: 0.2, "job done") { (try? d.jobs())?.first?.state == .done }, d.logs)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: source)), clip, "the original stays where it was")
        XCTAssertTrue(d.folder.exists("outbox/clip.mp4"))
    }

    func testUploadStreamsIntoTheInboxAndBecomesAJob() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "limits:\n  max_upload_mb: 1")
        let clip = try DaemonHarness.makeVideo(at: d.root + "/staging/up.mp4")
        try d.start()
        let reply = try d.client.request("POST", "/v1/uploads?name=up.mp4", json: clip)
        XCTAssertEqual(reply.status, 201, String(decoding: reply.body, as: UTF8.self))
        XCTAssertTrue(waitUntil(timeout: 60, interval: 0.2, "upload done") { (try? d.jobs())?.first?.state == .done }, d.logs)
        XCTAssertEqual(try d.jobs().first?.name, "up.mp4")
        XCTAssertTrue(d.folder.exists("outbox/up.mp4"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.root + "/inbox/.uploads"), [], "nothing left behind")

        let big = Data(repeating: 7, count: 1_200_000)
        XCTAssertEqual(try d.client.request("POST", "/v1/uploads?name=big.mp4", json: big).status, 413)
        XCTAssertEqual(try d.client.request("POST", "/v1/uploads?name=../x.mp4", json: clip).status, 400)
        XCTAssertEqual(try d.client.request("POST", "/v1/uploads", json: clip).status, 400)
        XCTAssertEqual(try d.client.request("POST", "/v1/uploads?name=a.mp4&pipeline=nope", json: clip).status, 400)
        XCTAssertEqual(try d.jobs().count, 1, "refused uploads make no job")
    }
}
