import Foundation
import SRDEngine
import SRDImaging
import SRDMedia
import SRDTesting
import XCTest

/// The real `srd calibrate`, `srd eval --precisions --record` and `srd eval --degrade-codec` on
/// a folder of generated images (no shared data needed).
final class PrecisionCommandsTests: XCTestCase {
    /// Textured pictures a codec and a network both have work on.
    private func writeImages(to folder: String, count: Int) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 11)
        for i in 0..<count {
            var img = PlanarImage(width: 64, height: 48, channels: 3)
            for y in 0..<48 { for x in 0..<64 {
                let n = Float(rng.next() % 1000) / 1000 * 0.25
                let edge: Float = ((x + i * 3) / 7 + y / 5) % 2 == 0 ? 0.7 : 0.2
                img[0, y, x] = edge + n; img[1, y, x] = Float(x) / 64 * 0.7 + n; img[2, y, x] = 0.6 - n
            } }
            try ImageIO.writePNG(img, to: folder + "/img\(i).png")
        }
    }

    /// Last PSNR-Y column of the row starting with `name` in `srd eval`'s table.
    private func psnr(_ table: String, dataset: String) -> Double? {
        table.split(separator: "\n").first { $0.hasPrefix(dataset) }.flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true)[2]) }
    }

    func testCalibrateThenRecordWritesAnAutoChoiceTheEngineReads() throws {
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory(prefix: "srd-precision")
        try writeImages(to: dir.file("train"), count: 3)
        try writeImages(to: dir.file("bench"), count: 2)
        let file = dir.file("m.safetensors")
        try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 3, overrides: ["n_resblocks": .number(1), "n_feats": .number(16)])
            .write(to: URL(fileURLWithPath: file))
        let c = try runChild(srd, ["calibrate", "--model", file, "--dataset", dir.file("train"), "--images", "3"])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stdout.contains("from 3 images"), c.stdout)
        XCTAssertNotNil(try ModelLoader.load(url: URL(fileURLWithPath: file)).int8Calibration)
        let e = try runChild(srd, ["eval", "--model", file, "--scale", "2", "--dataset", dir.file("bench"),
                                   "--precisions", "f32,int8", "--record"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let model = try ModelLoader.load(url: URL(fileURLWithPath: file))
        let recorded = try XCTUnwrap(model.recordedPrecision, e.stdout)
        XCTAssertTrue(e.stdout.contains("auto: \(recorded.rawValue)"), e.stdout)
        XCTAssertNotNil(model.description.extraMetadata[PrecisionRequest.tableMetadataKey])
        // --record without a table to make is refused before any work.
        let bad = try runChild(srd, ["eval", "--model", file, "--scale", "2", "--dataset", dir.file("bench"), "--record"])
        XCTAssertNotEqual(bad.status, 0)
    }

    func testEvalOnCompressedInputScoresLowerAsCRFRises() throws {
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory(prefix: "srd-eval-codec")
        try writeImages(to: dir.file("bench"), count: 2)
        var scores: [Double] = []
        for codec in [nil, "libx264:crf=20", "libx264:crf=40"] as [String?] {
            let r = try runChild(srd, ["eval", "--method", "bicubic", "--scale", "2", "--dataset", dir.file("bench")]
                                 + (codec.map { ["--degrade-codec", $0] } ?? []))
            XCTAssertEqual(r.status, 0, r.stderr)
            scores.append(try XCTUnwrap(psnr(r.stdout, dataset: "bench"), r.stdout))
        }
        XCTAssertGreaterThan(scores[0], scores[1], "\(scores)")
        XCTAssertGreaterThan(scores[1], scores[2] + 1, "CRF 40 is far worse than CRF 20: \(scores)")
        let bad = try runChild(srd, ["eval", "--method", "bicubic", "--scale", "2", "--dataset", dir.file("bench"), "--degrade-codec", "libx264"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("CODEC:crf="), bad.stderr)
    }
}
