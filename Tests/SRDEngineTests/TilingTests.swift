import XCTest
@testable import SRDEngine

/// Tiled inference must equal whole-frame inference (within float summation order).
final class TilingTests: XCTestCase {
    func compare(_ model: NetworkModel, channels: Int, width: Int, height: Int, tile: Int, seed: UInt64 = 7, line: UInt = #line) {
        let x = Tensor.random(shape: [channels, height, width], in: 0...1, seed: seed).planarImage
        let whole = TiledExecutor(program: model.program, tileSize: nil).run(x)
        let tiled = TiledExecutor(program: model.program, tileSize: tile)
        XCTAssertGreaterThan(tiled.tiles(width: width, height: height).count, 4, line: line)
        let t = tiled.run(x)
        assertClose(Tensor(t), Tensor(whole), 1e-4, "\(model.name) tiled \(tile) vs whole", line: line)
        // The whole-frame path equals the plain program run too.
        assertClose(Tensor(whole), model.program(Tensor(x)), 1e-6, "\(model.name) executor vs program", line: line)
    }

    func testEDSRSmall() throws {
        let m = try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 1,
                                            overrides: ["n_resblocks": .number(3), "n_feats": .number(16), "rgb_range": .number(1)])
        XCTAssertEqual(m.program.receptiveRadius, 1 + 6 + 1 + 1 + 1 + 1)
        compare(m, channels: 3, width: 45, height: 38, tile: 16)
    }

    func testEDSRx3WithResidualScale() throws {
        let m = try ModelLoader.randomModel("edsr", scale: 3, seed: 2, overrides: ["n_resblocks": .number(2), "n_feats": .number(8)])
        compare(m, channels: 3, width: 31, height: 29, tile: 12)
    }

    func testUNetBilinear() throws {
        let m = try ModelLoader.randomModel("unet", scale: 2, seed: 3, overrides: ["num_feat": .number(8)])
        XCTAssertEqual(m.program.alignment, 4)
        compare(m, channels: 3, width: 53, height: 41, tile: 16)
    }

    func testUNetTransposedDepth3() throws {
        let m = try ModelLoader.randomModel("unet", scale: 4, seed: 4,
                                            overrides: ["num_feat": .number(4), "depth": .number(3), "upsample": .string("transposed"), "act": .string("relu")])
        XCTAssertEqual(m.program.alignment, 8)
        compare(m, channels: 3, width: 61, height: 50, tile: 24)
    }

    func testFSRCNNReplicatePaddingAndDeconvolution() throws {
        for s in [2, 3, 4] {
            let m = try ModelLoader.randomModel("fsrcnn", scale: s, seed: UInt64(s), overrides: ["d": .number(12), "s": .number(5), "m": .number(2)])
            compare(m, channels: 1, width: 37, height: 30, tile: 10)
        }
    }

    func testSRVGGAndSRResNet() throws {
        compare(try ModelLoader.randomModel("srvgg", scale: 4, seed: 5, overrides: ["num_conv": .number(4), "num_feat": .number(8)]),
                channels: 3, width: 33, height: 27, tile: 12)
        compare(try ModelLoader.randomModel("srresnet", scale: 2, seed: 6, overrides: ["num_res_blocks": .number(2), "num_feat": .number(8)]),
                channels: 3, width: 40, height: 33, tile: 16)
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
