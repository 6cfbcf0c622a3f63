import XCTest
@testable import SRDEngine

/// Tiled inference must equal whole-frame inference (within float summation order).
final class TilingTests: XCTestCase {
    /// Frames about twice the extended tile per side, so the planner must cut at least a 2 x 2 grid.
    func compare(_ model: NetworkModel, channels: Int, tile: Int, seed: UInt64 = 7, line: UInt = #line) {
        let ext = tile + 2 * model.program.receptiveRadius
        let width = 2 * ext + 7, height = 2 * ext - 5
        let x = Tensor.random(shape: [channels, height, width], in: 0...1, seed: seed).planarImage
        let whole = TiledExecutor(program: model.program, tileSize: nil).run(x)
        let tiled = TiledExecutor(program: model.program, tileSize: tile)
        XCTAssertGreaterThanOrEqual(tiled.tiles(width: width, height: height).count, 4, "\(model.name): \(tiled.tiles(width: width, height: height).count) tiles", line: line)
        let t = tiled.run(x)
        assertClose(Tensor(t), Tensor(whole), 1e-4, "\(model.name) tiled \(tile) vs whole", line: line)
        // The whole-frame path equals the plain program run too.
        assertClose(Tensor(whole), model.program(Tensor(x)), 1e-6, "\(model.name) executor vs program", line: line)
    }

    func testEDSRSmall() throws {
        let m = try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 1,
                                            overrides: ["n_resblocks": .number(3), "n_feats": .number(16), "rgb_range": .number(1)])
        XCTAssertEqual(m.program.receptiveRadius, 1 + 6 + 1 + 1 + 1 + 1)
        compare(m, channels: 3, tile: 16)
    }

    func testEDSRx3WithResidualScale() throws {
        let m = try ModelLoader.randomModel("edsr", scale: 3, seed: 2, overrides: ["n_resblocks": .number(2), "n_feats": .number(8)])
        compare(m, channels: 3, tile: 12)
    }

    func testUNetBilinear() throws {
        let m = try ModelLoader.randomModel("unet", scale: 2, seed: 3, overrides: ["num_feat": .number(8)])
        XCTAssertEqual(m.program.alignment, 4)
        compare(m, channels: 3, tile: 16)
    }

    func testUNetTransposedDepth3() throws {
        let m = try ModelLoader.randomModel("unet", scale: 4, seed: 4,
                                            overrides: ["num_feat": .number(4), "depth": .number(3), "upsample": .string("transposed"), "act": .string("relu")])
        XCTAssertEqual(m.program.alignment, 8)
        compare(m, channels: 3, tile: 24)
    }

    func testFSRCNNReplicatePaddingAndDeconvolution() throws {
        for s in [2, 3, 4] {
            let m = try ModelLoader.randomModel("fsrcnn", scale: s, seed: UInt64(s), overrides: ["d": .number(12), "s": .number(5), "m": .number(2)])
            compare(m, channels: 1, tile: 10)
        }
    }

    func testSRVGGAndSRResNet() throws {
        compare(try ModelLoader.randomModel("srvgg", scale: 4, seed: 5, overrides: ["num_conv": .number(4), "num_feat": .number(8)]),
                channels: 3, tile: 12)
        compare(try ModelLoader.randomModel("srresnet", scale: 2, seed: 6, overrides: ["num_res_blocks": .number(2), "num_feat": .number(8)]),
                channels: 3, tile: 16)
    }

    /// Y models through the runner: tiled equals whole-frame, SRCNN included (tiles at HR).
    func testRunnerTilingForYModels() throws {
        let rgb = Tensor.random(shape: [3, 23, 29], in: 0...1, seed: 9).planarImage
        for (name, hp) in [("srcnn", ["n1": HyperValue.number(8), "n2": .number(4)]), ("espcn", ["n1": .number(8), "n2": .number(4)])] {
            let m = try ModelLoader.randomModel(name, scale: 3, seed: 10, overrides: hp)
            let whole = try m.makeRunner(tileSize: nil).upscale(rgb)
            let tiled = try m.makeRunner(tileSize: 8).upscale(rgb)
            assertClose(Tensor(tiled), Tensor(whole), 1e-4, "\(name) runner tiled vs whole")
        }
    }

    /// The planner partitions the frame and prefers grids with little margin overlap.
    func testTilePlanPartitionsTheFrame() throws {
        let m = try ModelLoader.randomModel("edsr-baseline", scale: 2)
        XCTAssertEqual(m.program.receptiveRadius, 37)
        let ex = TiledExecutor(program: m.program, tileSize: 256)
        let tiles = ex.tiles(width: 480, height: 270)
        XCTAssertEqual(tiles.count, 2)
        XCTAssertTrue(tiles.allSatisfy { $0.height == 270 && $0.width == 240 })
        for (w, h) in [(1920, 1080), (333, 97), (257, 256)] {
            var covered = [Int](repeating: 0, count: w * h)
            for t in ex.tiles(width: w, height: h) {
                XCTAssertLessThanOrEqual((min(t.width + 74, w)) * min(t.height + 74, h), 330 * 330)
                for y in t.y..<(t.y + t.height) { for x in t.x..<(t.x + t.width) { covered[y * w + x] += 1 } }
            }
            XCTAssertTrue(covered.allSatisfy { $0 == 1 }, "\(w)x\(h) not partitioned")
        }
        XCTAssertEqual(TiledExecutor(program: m.program, tileSize: nil).tiles(width: 480, height: 270).count, 1)
    }

    /// Once warm, a runner allocates nothing per frame.
    func testWorkspaceIsReusedAcrossFrames() throws {
        let m = try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 1, overrides: ["n_resblocks": .number(2), "n_feats": .number(8)])
        let runner = m.makeRunner(tileSize: 16) as! NetworkRunner
        let frame = Tensor.random(shape: [3, 40, 37], in: 0...1, seed: 2).planarImage
        _ = try runner.upscale(frame)
        let allocations = runner.executor.workspace.allocationCount
        let bytes = runner.executor.workspace.allocatedBytes
        _ = try runner.upscale(frame)
        _ = try runner.upscale(frame)
        XCTAssertEqual(runner.executor.workspace.allocationCount, allocations)
        XCTAssertEqual(runner.executor.workspace.allocatedBytes, bytes)
        // Liveness planning: a residual net needs a handful of buffers, not one per layer.
        XCTAssertLessThanOrEqual(m.program.bufferCount, 4)
    }
}
