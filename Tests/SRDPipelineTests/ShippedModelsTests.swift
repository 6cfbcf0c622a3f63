import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDQuality
import XCTest

/// Every preset we ship resolves to a model of its scale, and every model we ship still scores on
/// Set5 what its card (docs/MODELS.md, docs/models/NAME.md) says: the numbers in the docs cannot
/// drift from the files.
final class ShippedModelsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static let catalog = PresetCatalog(folders: [root + "/Pipelines"])

    /// Set5 PSNR-Y of each shipped model as printed by `srd eval` in its model card.
    static let cardSet5: [String: (scale: Int, psnr: Double)] = [
        "fast-x2": (2, 37.1996), "fast-x4": (4, 30.9688), "unet-x2": (2, 37.0479), "edsr-x2": (2, 37.4406),
        "edsr-x4": (4, 31.1394), "srresnet-x4": (4, 30.3584), "srgan-x4": (4, 29.3648), "real-x2": (2, 36.5698),
        "real-x4": (4, 30.6515),
    ]

    func testEveryPresetResolvesToAModelOfItsScale() throws {
        let names = Self.catalog.names()
        XCTAssertTrue(names.contains("fast-x2") && names.contains("srgan-x4") && names.contains("fast-x4-smooth"), "\(names)")
        for name in names {
            let preset = try Self.catalog.load(name)
            let model = try ModelResolver.load(preset.model, scale: preset.scale, catalog: Self.catalog)
            XCTAssertEqual(model.scale, preset.scale ?? model.scale, name)
            let out = try model.makeRunner().upscale(PlanarImage(width: 20, height: 12, channels: 3))
            XCTAssertEqual(out.width, 20 * model.scale, name)
        }
        XCTAssertEqual(Set(ModelResolver.shippedModels(catalog: Self.catalog)), Set(Self.cardSet5.keys),
                       "a shipped model without a card entry (or the reverse)")
    }

    func testShippedModelsScoreWhatTheirCardsSay() throws {
        #if DEBUG
        throw XCTSkip("runs ~1 min in release; Scripts/test runs it")
        #else
        let set5 = Self.root + "/../shared/data/bench/Set5"
        guard FileManager.default.fileExists(atPath: set5) else {
            throw XCTSkip("../shared/data/bench/Set5 is absent: model-card scores need it")
        }
        Engine.setBLASThreads(ProcessInfo.processInfo.activeProcessorCount)
        for (name, card) in Self.cardSet5.sorted(by: { $0.key < $1.key }) {
            let model = try ModelResolver.load(name, scale: card.scale, catalog: Self.catalog)
            // Whole images, as `srd eval` runs them by default (--tile 0).
            let runner = (model as? NetworkModel)?.makeRunner(tileSize: nil) ?? model.makeRunner()
            let result = try DatasetEvaluator(load: ImageIO.read, extendedMetrics: false)
                .evaluate(directory: set5, scale: card.scale) { try runner.upscale($0) }
            XCTAssertEqual(result.psnrY, card.psnr, accuracy: 2e-4, "\(name) Set5 vs its model card")
        }
        #endif
    }

    /// Each shipped model records the precision table `Scripts/precision-cards` measured and an
    /// auto choice that is the fastest mode within the 0.02 dB bar; with Set5 at hand, every mode
    /// this CPU runs natively scores the Set5 PSNR its table states (int8 and bf16 included).
    func testShippedModelsPrecisionTablesHoldOnSet5() throws {
        struct Row: Decodable { var precision: String; var psnr: [String: Double]; var lossDB: Double; var msPerFrame: Double }
        let set5 = Self.root + "/../shared/data/bench/Set5"
        let haveSet5 = FileManager.default.fileExists(atPath: set5)
        for (name, card) in Self.cardSet5.sorted(by: { $0.key < $1.key }) {
            let model = try XCTUnwrap(try ModelResolver.load(name, scale: card.scale, catalog: Self.catalog) as? NetworkModel)
            let text = try XCTUnwrap(model.description.extraMetadata[PrecisionRequest.tableMetadataKey], "\(name): no precision table")
            let rows = try JSONDecoder().decode([Row].self, from: Data(text.utf8))
            XCTAssertEqual(rows.map(\.precision), ["f32", "bf16", "int8"], name)
            XCTAssertEqual(rows[0].psnr["Set5"]!, card.psnr, accuracy: 2e-4, "\(name): the table's f32 row is the card's score")
            let fastest = rows.filter { $0.lossDB <= PrecisionRequest.autoTolerance }.min { $0.msPerFrame < $1.msPerFrame }!
            XCTAssertEqual(model.recordedPrecision?.rawValue, fastest.precision, "\(name): auto is the fastest mode within the bar")
            guard haveSet5 else { continue }
            for row in rows.dropFirst() {
                let precision = try XCTUnwrap(ComputePrecision(rawValue: row.precision))
                guard precision.runsNatively, OneDNN.available else { continue }
                let runner = model.makeRunner(tileSize: nil, execution: ExecutionSettings(backend: .onednn, precision: precision, threads: 2))
                let result = try DatasetEvaluator(load: ImageIO.read, extendedMetrics: false)
                    .evaluate(directory: set5, scale: card.scale) { try runner.upscale($0) }
                XCTAssertEqual(result.psnrY, row.psnr["Set5"]!, accuracy: 2e-3, "\(name) \(row.precision) on Set5 vs its table")
                XCTAssertLessThan(card.psnr - result.psnrY, 0.05, "\(name) \(row.precision) is within 0.05 dB of f32")
            }
        }
        if !haveSet5 { throw XCTSkip("../shared/data/bench/Set5 is absent: the tables' bf16/int8 scores were not rerun") }
    }
}
