import Foundation
import SRDEngine
import SRDImaging
import SRDMedia
@testable import SRDPipeline
import SRDTesting
import XCTest

/// `--region`: the network on part of the frame, the classical scaler elsewhere, a feathered seam.
final class RegionTests: XCTestCase {
    /// A frame with fine texture in the left half and a flat right half.
    private func frame(width: Int = 72, height: Int = 40) -> PlanarImage {
        var img = PlanarImage(width: width, height: height, channels: 3)
        var rng = SplitMix64(seed: 11)
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            img[c, y, x] = x < width / 2 ? Float(rng.next() % 256) / 255 : 0.4 + 0.1 * Float(c)
        } } }
        return img
    }

    /// Inside the region, away from the feather: exactly whole-frame super-resolution (to float
    /// summation order). Outside it: exactly the classical scaler. Checked on an RGB network, a
    /// Y network on bicubic-upscaled input, and a pooling U-Net (alignment > 1).
    func testMaskedRunEqualsWholeFrameInsideAndClassicalOutside() throws {
        let lowRes = frame()
        let rect = PixelRect(x: 13, y: 7, width: 31, height: 22)
        let map = RegionMap(rects: [rect], width: lowRes.width, height: lowRes.height)
        for config in ["srvgg", "srcnn", "unet"] {
            let model = try ModelLoader.randomModel(config, scale: 2, seed: 5, overrides: config == "srvgg" ? ["num_conv": .number(3), "num_feat": .number(8)] : [:])
            let runner = model.makeRunner(tileSize: 24)
            let upscaler = RegionUpscaler(scale: 2, margin: model.cropMargin, alignment: model.cropAlignment, feather: 6, classical: .lanczos3)
            let result = try upscaler.upscale(lowRes, map: map, runner: runner).image
            let whole = try runner.upscale(lowRes)
            let classical = lowRes.resized(width: lowRes.width * 2, height: lowRes.height * 2, scale: 2, kernel: .lanczos3)
            let weights = map.weights(scale: 2, feather: 6)
            var inside = 0, outside = 0, seam = 0
            for c in 0..<3 { for y in 0..<result.height { for x in 0..<result.width {
                let k = weights[y * result.width + x]
                if k == 1 {
                    XCTAssertEqual(result[c, y, x], whole[c, y, x], accuracy: 1e-4, "\(config) inside at \(x),\(y)")
                    inside += 1
                } else if k == 0 {
                    XCTAssertEqual(result[c, y, x], classical[c, y, x], "\(config) outside at \(x),\(y)")
                    outside += 1
                } else { seam += 1 }
            } } }
            XCTAssertGreaterThan(inside, 3 * 300, config)
            XCTAssertGreaterThan(outside, 3 * 3000, config)
            XCTAssertGreaterThan(seam, 0, config)
            XCTAssertNotEqual(whole, classical, "\(config): the network must differ from lanczos for this to test anything")
        }
    }

    func testFeatherRampsInsideTheRegion() {
        let map = RegionMap(rects: [PixelRect(x: 4, y: 4, width: 12, height: 12)], width: 20, height: 20)
        let w = map.weights(scale: 2, feather: 4)
        let ow = 40
        XCTAssertEqual(w[0], 0)                       // outside
        XCTAssertEqual(w[8 * ow + 7], 0)              // just left of the region (output x 7)
        XCTAssertEqual(w[16 * ow + 8], 0.125)         // first column inside: (1 - 0.5) / 4
        XCTAssertEqual(w[16 * ow + 11], 0.875)
        XCTAssertEqual(w[16 * ow + 12], 1)            // 4 or more pixels in
        XCTAssertEqual(w[20 * ow + 20], 1)            // centre
        let full = RegionMap(rects: [PixelRect(x: 0, y: 0, width: 20, height: 20)], width: 20, height: 20)
        XCTAssertTrue(full.weights(scale: 2, feather: 4).allSatisfy { $0 == 1 }, "the frame's edge is no seam")
    }

    func testCropsCoverEveryRegionPixelAndSkipGaps() {
        var mask = [UInt8](repeating: 0, count: 300 * 100)
        for y in 10..<20 { for x in 5..<30 { mask[y * 300 + x] = 1 } }      // left blob
        for y in 70..<90 { for x in 200..<260 { mask[y * 300 + x] = 1 } }   // far right blob
        let map = RegionMap(width: 300, height: 100, mask: mask)
        let crops = map.crops(band: 64, gap: 64)
        for y in 0..<100 { for x in 0..<300 where mask[y * 300 + x] != 0 {
            XCTAssertTrue(crops.contains { x >= $0.x && x < $0.x + $0.width && y >= $0.y && y < $0.y + $0.height }, "\(x),\(y)")
        } }
        XCTAssertEqual(crops.count, 2, "two separate blobs, two crops: \(crops)")
        XCTAssertLessThan(crops.map { $0.width * $0.height }.reduce(0, +), 300 * 100 / 4)
        XCTAssertEqual(map.fraction, Double(25 * 10 + 60 * 20) / 30000, accuracy: 1e-12)
    }

    func testAutoPicksTheDetailedCells() {
        let lowRes = frame(width: 128, height: 64)
        let map = RegionMap(autoFrom: lowRes, cell: 32, threshold: RegionSettings.defaultThreshold)
        XCTAssertEqual(map.fraction, 0.5, accuracy: 1e-12, "the textured half only")
        XCTAssertEqual(map.mask[10 * 128 + 10], 1)
        XCTAssertEqual(map.mask[10 * 128 + 100], 0)
        let flat = PlanarImage(width: 64, height: 64, channels: 3, data: [Float](repeating: 0.5, count: 3 * 64 * 64))
        XCTAssertTrue(RegionMap(autoFrom: flat, cell: 32, threshold: 0.5).isEmpty)
    }

    /// A job with `--region auto` records the network's share and the time saved, and a region
    /// outside the frame is refused before any work.
    /// `auto` whose crops add up to a whole-frame run keeps the network everywhere (never slower
    /// than no regions, never worse); an explicit region of the same size keeps lanczos outside.
    func testAutoThatWouldRunTheWholeFrameUsesTheNetworkEverywhere() throws {
        let lowRes = frame()
        let model = try ModelLoader.randomModel("srvgg", scale: 2, seed: 5, overrides: ["num_conv": .number(3), "num_feat": .number(8)])
        let runner = model.makeRunner(tileSize: 24)
        // Everything but a 8x8 corner: the extended crops cover the frame.
        let map = RegionMap(rects: [PixelRect(x: 8, y: 0, width: 64, height: 40), PixelRect(x: 0, y: 8, width: 8, height: 32)],
                            width: lowRes.width, height: lowRes.height)
        XCTAssertFalse(map.isFull)
        let whole = try runner.upscale(lowRes)
        var auto = RegionUpscaler(scale: 2, margin: model.cropMargin, alignment: model.cropAlignment, feather: 6, classical: .lanczos3)
        auto.networkWhenWhole = true
        let a = try auto.upscale(lowRes, map: map, runner: runner)
        XCTAssertEqual(a.image, whole)
        XCTAssertEqual(a.networkPixels, lowRes.width * lowRes.height)
        XCTAssertTrue(a.networkEverywhere)
        auto.networkWhenWhole = false
        let explicit = try auto.upscale(lowRes, map: map, runner: runner).image
        let classical = lowRes.resized(width: lowRes.width * 2, height: lowRes.height * 2, scale: 2, kernel: .lanczos3)
        XCTAssertEqual(explicit[0, 0, 0], classical[0, 0, 0], "an explicit region keeps the classical scaler outside it")
        XCTAssertNotEqual(explicit[0, 0, 0], whole[0, 0, 0])
    }

    func testJobReportsNetworkFraction() throws {
        let dir = try TemporaryDirectory()
        let clip = try makeClip(in: dir, name: "in.mkv") { $0.width = 96; $0.height = 64; $0.frames = 3; $0.preset = "ultrafast" }
        let model = try ModelLoader.randomModel("srvgg", scale: 2, seed: 2, overrides: ["num_conv": .number(3), "num_feat": .number(8)])
        let file = dir.file("m.safetensors")
        try model.write(to: URL(fileURLWithPath: file))
        var options = UpscaleOptions(input: clip, output: dir.file("out.mkv"), model: file, scale: 2, workers: 2, tile: 32)
        options.encode.preset = "ultrafast"
        options.regions = RegionSettings(request: .rects([PixelRect(x: 0, y: 0, width: 48, height: 64)]))
        let summary = try UpscaleJob(options: options, catalog: PresetCatalog(folders: [])).run()
        XCTAssertEqual(summary.frames, 3)
        XCTAssertEqual(try XCTUnwrap(summary.means["network_fraction"]), 0.5, accuracy: 1e-9)
        XCTAssertNotNil(summary.means["region_saved_ms"])

        options.output = dir.file("out2.mkv")
        options.regions = RegionSettings(request: .rects([PixelRect(x: 500, y: 0, width: 10, height: 10)]))
        XCTAssertThrowsError(try UpscaleJob(options: options, catalog: PresetCatalog(folders: [])).run()) { error in
            XCTAssertTrue("\(error)".contains("outside the 96x64 frame"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out2.mkv")))
    }

    /// `--region-mask` with a picture: white is the network, for every frame.
    func testMaskPictureSelectsItsWhitePart() throws {
        let dir = try TemporaryDirectory()
        let clip = try makeClip(in: dir, name: "in.mkv") { $0.width = 64; $0.height = 48; $0.frames = 2; $0.preset = "ultrafast" }
        var mask = PlanarImage(width: 32, height: 24, channels: 3)   // half size: resized to the frame
        for c in 0..<3 { for y in 0..<24 { for x in 0..<8 { mask[c, y, x] = 1 } } }   // left quarter white
        try ImageIO.writePNG(mask, to: dir.file("mask.png"))
        let model = try ModelLoader.randomModel("srvgg", scale: 2, seed: 2, overrides: ["num_conv": .number(2), "num_feat": .number(8)])
        let file = dir.file("m.safetensors")
        try model.write(to: URL(fileURLWithPath: file))
        var options = UpscaleOptions(input: clip, output: dir.file("out.mkv"), model: file, scale: 2, workers: 1, tile: 0)
        options.encode.preset = "ultrafast"
        options.regions = RegionSettings(request: .mask(dir.file("mask.png")))
        let summary = try UpscaleJob(options: options, catalog: PresetCatalog(folders: [])).run()
        XCTAssertEqual(summary.frames, 2)
        XCTAssertEqual(try XCTUnwrap(summary.means["network_fraction"]), 0.25, accuracy: 1e-9)
    }

    func testRegionFlagsResolve() throws {
        var o = UpscaleOverrides()
        o.regions = ["1,2,30,40", "50,0,10,10"]
        o.regionFeather = 8
        let options = try UpscaleOptions.resolve(input: "in.mkv", output: "out.mkv", pipeline: nil, overrides: o, catalog: PresetCatalog(folders: []))
        XCTAssertEqual(options.regions?.request, .rects([PixelRect(x: 1, y: 2, width: 30, height: 40), PixelRect(x: 50, y: 0, width: 10, height: 10)]))
        XCTAssertEqual(options.regions?.feather, 8)
        o.regions = ["1,2,0,40"]
        XCTAssertThrowsError(try UpscaleOptions.resolve(input: "in.mkv", output: "out.mkv", pipeline: nil, overrides: o, catalog: PresetCatalog(folders: [])))
        o.regions = ["auto"]
        XCTAssertEqual(try UpscaleOptions.resolve(input: "in.mkv", output: "out.mkv", pipeline: nil, overrides: o, catalog: PresetCatalog(folders: [])).regions?.request, .auto)
        let preset = try PipelinePreset.parse("model: bicubic\nregion: auto\nregion_threshold: 3.5\n", name: "p")
        XCTAssertEqual(preset.region, "auto")
        XCTAssertEqual(preset.regionThreshold, 3.5)
    }
}
