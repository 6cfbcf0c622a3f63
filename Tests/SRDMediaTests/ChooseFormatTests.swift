import Foundation
import SRDMedia
import SRDTesting
import XCTest

final class ChooseFormatTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    func testOutputExtensionWinsThenInputContainer() throws {
        let dir = try TemporaryDirectory()
        let mp4 = try MediaReader(path: try makeClip(in: dir, name: "in.mp4") { $0.frames = 1 })
        let mkv = try MediaReader(path: try makeClip(in: dir, name: "in.mkv") { $0.frames = 1 })
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.mkv", input: mp4), "matroska")
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.mov", input: mkv), "mov")
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.part", input: mp4), "mp4")
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.part", input: mkv), "matroska")
        // A PNG "output" would be an image muxer, which cannot hold H.264.
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.png", input: mp4), "matroska")
        // WebM cannot carry H.264.
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: "/x/out.webm", input: mp4), "matroska")
    }

    func testWriterUsesSettingsFormatForTemporaryNames() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 2 }
        let out = dir.file("job.partial")
        let (_, writer) = try transcode(input, to: out, settings: EncodeSettings(preset: "veryfast", formatName: "mp4"))
        XCTAssertEqual(writer.formatName, "mp4")
        XCTAssertTrue(try MediaReader(path: out).video.containerFormat.contains("mp4"))
    }
}
