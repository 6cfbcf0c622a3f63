import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDTesting
import XCTest

/// `srd upscale --model <file>` works with every architecture: each named configuration is
/// written as a self-describing safetensors file (seeded random weights) and run on a small clip.
final class ArchitectureUpscaleTests: XCTestCase {
    func testEveryArchitectureRunsFromAWeightFile() throws {
        let dir = try TemporaryDirectory()
        let clip = try makeClip(in: dir, name: "in.mkv") { $0.width = 40; $0.height = 24; $0.frames = 2; $0.preset = "ultrafast" }
        let configs = ModelLoader.randomConfigurations.keys.sorted()
        XCTAssertGreaterThanOrEqual(configs.count, 7)
        for config in configs {
            let model = try ModelLoader.randomModel(config, scale: 2, seed: 3)
            let file = dir.file("\(config).safetensors")
            try model.write(to: URL(fileURLWithPath: file))
            var options = UpscaleOptions(input: clip, output: dir.file("\(config).mkv"), model: file, scale: 2, workers: 2, tile: 16)
            options.encode.preset = "ultrafast"
            let summary = try UpscaleJob(options: options, catalog: PresetCatalog(folders: [])).run()
            XCTAssertEqual(summary.frames, 2, config)
            XCTAssertEqual(summary.outputSize, [80, 48], config)
            XCTAssertEqual(try MediaProbe.videoFrameCount(of: dir.file("\(config).mkv")), 2, config)
        }
    }
}
