import Foundation
import SRDMedia
import SRDTesting
import XCTest

final class MediaErrorTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    func testMissingFile() throws {
        XCTAssertThrowsError(try MediaReader(path: "/nonexistent/clip.mp4")) { error in
            let e = error as? MediaError
            XCTAssertEqual(e?.kind, .openFailed)
            XCTAssertEqual(e?.description, "cannot open /nonexistent/clip.mp4: No such file or directory")
        }
    }

    func testEmptyFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("empty.mp4")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        XCTAssertThrowsError(try MediaReader(path: path)) { error in
            let e = error as? MediaError
            XCTAssertEqual(e?.kind, .openFailed)
            XCTAssertTrue(e?.description.hasPrefix("cannot open \(path): ") ?? false, "\(error)")
            XCTAssertFalse(e?.description.contains("\n") ?? true)
        }
    }

    func testCorruptFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("noise.mp4")
        var rng = SystemRandomNumberGenerator()
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data((0..<20000).map { _ in UInt8.random(in: 0...255, using: &rng) })))
        XCTAssertThrowsError(try MediaReader(path: path)) { error in
            let e = error as? MediaError
            XCTAssertNotNil(e)
            XCTAssertTrue([.openFailed, .noVideoStream].contains(e?.kind), "\(error)")
            XCTAssertTrue(e?.description.contains(path) ?? false)
        }
    }

    func testNoVideoStream() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("subs.srt")
        try "1\n00:00:00,000 --> 00:00:01,000\nHELLO\n\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MediaReader(path: path)) { error in
            XCTAssertEqual((error as? MediaError)?.kind, .noVideoStream)
            XCTAssertEqual("\(error)", "no video stream in \(path)")
        }
    }

    func testTruncatedFilesDoNotCrash() throws {
        let dir = try TemporaryDirectory()
        for ext in ["mkv", "mp4"] {
            let path = try makeClip(in: dir, name: "whole.\(ext)") { $0.frames = 48; $0.audio = true }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let cut = dir.file("half.\(ext)")
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
            do {
                let reader = try MediaReader(path: cut)
                var frames = 0
                do {
                    while let item = try reader.next() { if case .frame = item { frames += 1 } }
                } catch let e as MediaError {
                    XCTAssertEqual(e.kind, .readFailed, "\(e)")
                }
                XCTAssertLessThan(frames, 48, ext)
                XCTAssertGreaterThan(frames, 0, "\(ext): decodes what it can")
                // What is missing is measured against what the container promised.
                let shortfall = try XCTUnwrap(reader.shortfall, ext)
                XCTAssertEqual(shortfall.declaredSeconds, 2.0, accuracy: 0.05, ext)
                XCTAssertLessThan(shortfall.decodedSeconds, 1.9, ext)
                XCTAssertTrue(shortfall.description.contains("input ends at"), shortfall.description)
            } catch let e as MediaError {
                // mp4 keeps its index at the end: half a file cannot be opened at all.
                XCTAssertEqual(ext, "mp4", "\(e)")
                XCTAssertEqual(e.kind, .openFailed)
            }
        }
    }
}
