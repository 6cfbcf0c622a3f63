import XCTest
import Foundation
import SRDQuality
import SRDMedia

/// Done-when check of the evaluation protocol: the bicubic baseline scored by `DatasetEvaluator`
/// on Set5 and Set14 equals the reference evaluator (`../shared/tools/sr_eval_ref.py bicubic`)
/// per dataset and for pinned images. The protocol allows 0.005 dB / 0.0005 SSIM; we pin to half a
/// unit of the 4th decimal (measured difference: about 1e-5 dB, from Float storage of samples).
///
/// Expected values: `python3 ../shared/tools/sr_eval_ref.py bicubic --hr ../shared/data/bench/SetN
/// --scale S --json out.json` (means and per-image rows, 6 decimals).
final class BicubicBenchmarkTests: XCTestCase {
    static let psnrTolerance = 0.0005
    static let ssimTolerance = 0.00005

    struct Expected {
        var set: String
        var scale: Int
        var psnr: Double
        var ssim: Double
        /// (image, PSNR, SSIM) pinned per image.
        var images: [(String, Double, Double)]
    }

    static let expected: [Expected] = [
        Expected(set: "Set5", scale: 2, psnr: 33.681837, ssim: 0.930520,
                 images: [("baby", 37.092213, 0.952707), ("butterfly", 27.438603, 0.915968)]),
        Expected(set: "Set5", scale: 3, psnr: 30.404666, ssim: 0.868974,
                 images: [("baby", 33.926683, 0.904857), ("bird", 32.587324, 0.926418)]),
        Expected(set: "Set5", scale: 4, psnr: 28.431410, ssim: 0.811269,
                 images: [("baby", 31.786741, 0.857680), ("butterfly", 22.099766, 0.737444)]),
        Expected(set: "Set14", scale: 2, psnr: 30.330076, ssim: 0.870033,
                 images: [("baboon", 24.861099, 0.698177), ("bridge", 27.894484, 0.804005)]),
        Expected(set: "Set14", scale: 3, psnr: 27.634093, ssim: 0.775979,
                 images: [("barbara", 26.251760, 0.753915), ("bridge", 25.724225, 0.668021)]),
        Expected(set: "Set14", scale: 4, psnr: 26.091759, ssim: 0.704962,
                 images: [("baboon", 22.438063, 0.452825), ("bridge", 24.467355, 0.566679)]),
    ]

    /// ../shared/data/bench, computed from this file's path (repo root = 3 levels up).
    static var benchDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/bench")
    }

    func testBicubicMatchesReferenceEvaluatorOnSet5AndSet14() throws {
        let bench = Self.benchDirectory
        guard FileManager.default.fileExists(atPath: bench.appendingPathComponent("Set5").path) else {
            throw XCTSkip("../shared/data/bench is absent; the bicubic benchmark check needs Set5 and Set14")
        }
        // Y metrics only: SSIM-RGB and UQI are not part of the reference's output (and would
        // quadruple the run time in debug builds)
        let evaluator = DatasetEvaluator(load: ImageIO.read, extendedMetrics: false)
        var lines = [String]()
        for e in Self.expected {
            let result = try evaluator.evaluate(directory: bench.appendingPathComponent(e.set).path, scale: e.scale) { lr in
                EvalProtocol.bicubicUpscale(lr, scale: e.scale)
            }
            lines.append(String(format: "%@ x%d  PSNR %.4f (ref %.4f, diff %+.5f)  SSIM %.4f (ref %.4f, diff %+.6f)",
                                e.set, e.scale, result.psnrY, e.psnr, result.psnrY - e.psnr,
                                result.ssimY, e.ssim, result.ssimY - e.ssim))
            XCTAssertEqual(result.name, e.set)
            XCTAssertEqual(result.images.count, e.set == "Set5" ? 5 : 14)
            XCTAssertNil(result.images[0].uqiY)
            XCTAssertNotNil(result.psnrRGB)
            XCTAssertEqual(result.psnrY, e.psnr, accuracy: Self.psnrTolerance, "\(e.set) x\(e.scale) PSNR")
            XCTAssertEqual(result.ssimY, e.ssim, accuracy: Self.ssimTolerance, "\(e.set) x\(e.scale) SSIM")
            for (name, psnr, ssim) in e.images {
                guard let row = result.images.first(where: { $0.name == name }) else {
                    XCTFail("\(e.set) has no \(name)"); continue
                }
                XCTAssertEqual(row.psnrY, psnr, accuracy: Self.psnrTolerance, "\(e.set)/\(name) x\(e.scale) PSNR")
                XCTAssertEqual(row.ssimY, ssim, accuracy: Self.ssimTolerance, "\(e.set)/\(name) x\(e.scale) SSIM")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
