import CFFmpeg
import Foundation
@testable import SRDMedia
import SRDEngine
import SRDPipeline
import SRDTesting
import XCTest

/// Pictures in, pictures out: a single picture, a PNG sequence, 16-bit PNG and TIFF, and outputs
/// that cannot hold the result refused before any work.
final class ImageOutputTests: XCTestCase {
    private func upscale(_ input: String, _ output: String) throws -> JobSummary {
        try UpscaleJob(options: UpscaleOptions(input: input, output: output, model: "bicubic", scale: 2, workers: 1)).run()
    }

    private func picture(_ w: Int, _ h: Int, seed: UInt64) -> PlanarImage {
        Tensor.random(shape: [3, h, w], in: 0...1, seed: seed).planarImage.quantized8()
    }

    func testAPictureComesBackAsAPictureOfTheBicubicUpscale() throws {
        let dir = try TemporaryDirectory()
        let image = picture(20, 16, seed: 1)
        try ImageIO.writePNG(image, to: dir.file("bird.png"))
        let summary = try upscale(dir.file("bird.png"), dir.file("bird_x2.png"))
        XCTAssertEqual(summary.frames, 1)
        let out = try ImageIO.read(dir.file("bird_x2.png"))
        let expected = image.resized(width: 40, height: 32, scale: 2, kernel: .bicubic).quantized8()
        XCTAssertEqual([out.width, out.height], [40, 32])
        let worst = zip(out.data, expected.data).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThanOrEqual(worst, 1.0 / 255 + 1e-6, "8-bit rounding at most")
        XCTAssertEqual(try MediaReader(path: dir.file("bird_x2.png")).video.codecName, "png")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("bird_x2.metrics/report.html")), "the same metrics and report")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [], "no temporary left")
    }

    func testAPNGSequenceBecomesOnePicturePerFrame() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        let frames = (0..<3).map { picture(16, 12, seed: UInt64(10 + $0)) }
        try writePNGSequence(frames, in: dir, pattern: "in/%03d.png")
        let summary = try upscale(dir.file("in/%03d.png"), dir.file("out/f_%03d.png"))
        XCTAssertEqual(summary.frames, 3)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).sorted()
        XCTAssertEqual(names, ["f.metrics", "f_001.png", "f_002.png", "f_003.png"])
        for (i, frame) in frames.enumerated() {
            let out = try ImageIO.read(dir.file(String(format: "out/f_%03d.png", i + 1)))
            let expected = frame.resized(width: 32, height: 24, scale: 2, kernel: .bicubic).quantized8()
            XCTAssertLessThanOrEqual(zip(out.data, expected.data).map { abs($0 - $1) }.max() ?? 1, 1.0 / 255 + 1e-6, "frame \(i + 1)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testSixteenBitPicturesStaySixteenBit() throws {
        let dir = try TemporaryDirectory()
        let w = 12, h = 10
        var packed = [UInt8](repeating: 0, count: w * h * 6)
        var rng = SplitMix64(seed: 3)
        for i in 0..<packed.count { packed[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let png = try ImageIO.encodePNG(packed: packed, width: w, height: h, format: AV_PIX_FMT_RGB48BE, palette: nil, path: "in16.png")
        try Data(png).write(to: URL(fileURLWithPath: dir.file("in16.png")))
        XCTAssertEqual(try MediaReader(path: dir.file("in16.png")).video.bitDepth, 16)
        for name in ["out16.tif", "out16.png"] {
            _ = try upscale(dir.file("in16.png"), dir.file(name))
            let video = try MediaReader(path: dir.file(name)).video
            XCTAssertEqual(video.bitDepth, 16, name)
            XCTAssertEqual([video.width, video.height], [24, 20], name)
        }
        XCTAssertEqual(try MediaReader(path: dir.file("out16.tif")).video.codecName, "tiff")
    }

    func testOutputsThatCannotHoldTheResultAreRefusedBeforeAnyWork() throws {
        let dir = try TemporaryDirectory()
        let clip = try makeClip(in: dir, name: "clip.mkv") { o in o.width = 32; o.height = 24; o.frames = 6 }
        for (name, words) in [("one.png", "holds one picture but the input has 6 frames"), ("sound.wav", "holds no video")] {
            XCTAssertThrowsError(try upscale(clip, dir.file(name))) { error in
                XCTAssertTrue("\(error)".contains(words), "\(error)")
                XCTAssertEqual(WorkerExitCode.code(for: error), WorkerExitCode.badInput)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file(name)))
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file((name as NSString).deletingPathExtension + ".metrics")), "refused before any work")
        }
    }
}
