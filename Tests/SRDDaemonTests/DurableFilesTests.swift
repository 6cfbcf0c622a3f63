import Foundation
import XCTest
@testable import SRDDaemon

/// Moves that never overwrite and can be repeated after a crash in their middle.
final class DurableFilesTests: XCTestCase {
    func testMoveNeverReplacesAndIsIdempotent() throws {
        let f = try TestFolder()
        defer { f.remove() }
        try f.write("work/out.mp4", "video")
        XCTAssertTrue(try DurableFiles.moveFile(f.path + "/work/out.mp4", to: f.path + "/outbox/out.mp4", tag: "1"))
        XCTAssertEqual(f.read("outbox/out.mp4"), "video")
        XCTAssertFalse(f.exists("work/out.mp4"))
        // Run again after "a crash": nothing left to move, the result stands.
        XCTAssertTrue(try DurableFiles.moveFile(f.path + "/work/out.mp4", to: f.path + "/outbox/out.mp4", tag: "1"))
        XCTAssertEqual(f.read("outbox/out.mp4"), "video")
        // Crash between link and unlink: both names exist; the repeat removes the source only.
        try f.write("work/b.mp4", "b")
        XCTAssertEqual(link(f.path + "/work/b.mp4", f.path + "/outbox/b.mp4"), 0)
        XCTAssertTrue(try DurableFiles.moveFile(f.path + "/work/b.mp4", to: f.path + "/outbox/b.mp4", tag: "2"))
        XCTAssertEqual(f.files(under: "outbox"), ["b.mp4", "out.mp4"])
        XCTAssertEqual(f.files(under: "work"), [])
        // Neither side exists: reported, nothing invented.
        XCTAssertFalse(try DurableFiles.moveFile(f.path + "/work/none", to: f.path + "/outbox/none", tag: "3"))
    }

    func testFreeNameAvoidsExistingFilesAndTheirCompanions() throws {
        let f = try TestFolder()
        defer { f.remove() }
        try f.write("out/a.mp4", "1")
        XCTAssertEqual(DurableFiles.freeName(in: f.path + "/out", for: "a.mp4", tag: "7"), f.path + "/out/a-7.mp4")
        try f.write("out/a-7.mp4.metrics/x", "1")
        XCTAssertEqual(DurableFiles.freeName(in: f.path + "/out", for: "a.mp4", tag: "7", alsoFree: [".metrics"]), f.path + "/out/a-7-2.mp4")
        XCTAssertEqual(DurableFiles.freeName(in: f.path + "/out", for: "new", tag: "7"), f.path + "/out/new")
    }

    func testDirectoryMoveIsAtomicAndRepeatable() throws {
        let f = try TestFolder()
        defer { f.remove() }
        try f.write("run/metrics/summary.json", "{}")
        try f.write("run/metrics/metrics.jsonl", "{}\n")
        try DurableFiles.moveDirectory(f.path + "/run/metrics", to: f.path + "/out/a.mp4.metrics", tag: "1")
        XCTAssertEqual(f.files(under: "out"), ["a.mp4.metrics/metrics.jsonl", "a.mp4.metrics/summary.json"])
        try DurableFiles.moveDirectory(f.path + "/run/metrics", to: f.path + "/out/a.mp4.metrics", tag: "1")
        XCTAssertEqual(f.files(under: "out").count, 2)
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        let f = try TestFolder()
        defer { f.remove() }
        for i in 0..<5 { try DurableFiles.writeAtomically(Data("{\"n\":\(i)}".utf8), to: f.path + "/status.json") }
        XCTAssertEqual(f.read("status.json"), "{\"n\":4}")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.path), ["status.json"])
    }
}
