import Foundation
import SRDEngine
import SRDMedia
import SRDQuality
import XCTest

/// The engine with the official weights in ../shared/weights reproduces the reference
/// implementation's PSNR (ref_results.json, "protocol") on Set5 and Set14 to 0.02 dB, per
/// set mean and per image. Together with the golden-tensor tests this proves layouts, padding and
/// colour handling. The weights are test oracles only: never shipped.
final class OfficialWeightsTests: XCTestCase {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared").standardized.path

    func testEveryOfficialModelReproducesItsReferencePSNR() throws {
        #if DEBUG
        throw XCTSkip("runs ~1 min in release; Scripts/test runs it (debug builds are too slow)")
        #else
        let weights = Self.shared + "/weights"
        guard FileManager.default.fileExists(atPath: weights + "/ref_results.json") else {
            throw XCTSkip("../shared/weights is absent: official-weight checks need it")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: weights + "/ref_results.json"))
        let ref = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        Engine.setBLASThreads(ProcessInfo.processInfo.activeProcessorCount)
        let files = try FileManager.default.contentsOfDirectory(atPath: weights).filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 20)
        var checked = 0
        for file in files {
            let stem = String(file.dropLast(".safetensors".count))
            guard let protocolRows = ref[stem]?["protocol"] as? [String: Any] else { continue }
            let model = try ModelLoader.load(weights + "/" + file, scale: nil)
            let runner = model.makeRunner()
            for set in ["Set5", "Set14"] {
                guard let expected = protocolRows[set] as? [String: Any],
                      let images = expected["images"] as? [String: [Double]] else { continue }
                let result = try DatasetEvaluator(load: ImageIO.read, extendedMetrics: false)
                    .evaluate(directory: Self.shared + "/data/bench/" + set, scale: model.scale) { try runner.upscale($0) }
                XCTAssertEqual(result.psnrY, expected["psnr"] as! Double, accuracy: 0.02, "\(stem) \(set) mean")
                for row in result.images {
                    XCTAssertEqual(row.psnrY, images[row.name]![0], accuracy: 0.02, "\(stem) \(set) \(row.name)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 40, "too few model/set pairs were checked")
        #endif
    }
}
