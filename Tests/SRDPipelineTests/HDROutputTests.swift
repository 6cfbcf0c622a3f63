import Foundation
import SRDMedia
import SRDPipeline
import SRDTesting
import XCTest

/// An HDR10 input stays HDR10: 10-bit HEVC (libx265) by default, BT.2020/PQ tags, and the
/// mastering-display and content-light-level metadata on the output stream.
final class HDROutputTests: XCTestCase {
    func testHDR10MetadataAndTenBitHEVCReachTheOutput() throws {
        guard MediaWriter.hasEncoder("libx265") else { throw XCTSkip("this libav has no libx265") }
        let dir = try TemporaryDirectory()
        let clip = try makeClip(in: dir, name: "hdr.mkv") { o in
            o.width = 64; o.height = 48; o.frames = 6
            o.codec = "libx265"; o.pixelFormat = "yuv420p10le"; o.crf = 28; o.preset = "ultrafast"
            o.colorTags = SyntheticClip.ColorTags(primaries: 9, transfer: 16, matrix: 9, range: 1)  // BT.2020, PQ
            o.hdr = .sample
        }
        let source = try MediaReader(path: clip).video
        XCTAssertTrue(try XCTUnwrap(source.hdr).isClose(to: .sample), "the test clip carries the metadata")

        var options = UpscaleOptions(input: clip, output: dir.file("up.mkv"), model: "bicubic", scale: 2, workers: 1)
        options.encode.preset = "ultrafast"
        let summary = try UpscaleJob(options: options).run()
        XCTAssertEqual(summary.encoder, "libx265 yuv420p10le (HDR10 metadata copied)")
        let out = try MediaReader(path: dir.file("up.mkv")).video
        XCTAssertEqual(out.codecName, "hevc")
        XCTAssertEqual(out.bitDepth, 10)
        XCTAssertEqual([out.colorPrimaries, out.colorTransfer, out.colorMatrix], [9, 16, 9])
        let hdr = try XCTUnwrap(out.hdr, "mastering display and content light level on the output stream")
        XCTAssertTrue(hdr.isClose(to: .sample), "\(hdr)")

        // An explicit --codec wins; the metadata still reaches the stream.
        var h264 = options
        h264.output = dir.file("h264.mkv")
        h264.encode.codec = "libx264"
        h264.codecGiven = true
        let s = try UpscaleJob(options: h264).run()
        XCTAssertTrue(s.encoder?.hasPrefix("libx264 ") == true, s.encoder ?? "nil")
        XCTAssertTrue(try XCTUnwrap(MediaReader(path: dir.file("h264.mkv")).video.hdr).isClose(to: .sample))
    }
}
