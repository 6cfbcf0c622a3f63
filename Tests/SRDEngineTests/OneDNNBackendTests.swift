import Foundation
import XCTest
@testable import SRDEngine

/// The oneDNN backend against the OpenBLAS reference on every architecture: same output to f32
/// accuracy (summation order differs), whole frames and tiles, fused and unfused steps.
final class OneDNNBackendTests: XCTestCase {
    override func setUpWithError() throws {
        if let why = OneDNN.unavailableReason { throw XCTSkip("oneDNN cannot run here: \(why)") }
    }

    private func compare(_ model: NetworkModel, width: Int, height: Int, tile: Int?, precision: ComputePrecision = .f32,
                         tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let rgb = Tensor.random(shape: [3, height, width], in: 0...1, seed: 21).planarImage
        let reference = try model.makeRunner(tileSize: tile, execution: .reference).upscale(rgb)
        let runner = model.makeRunner(tileSize: tile, execution: ExecutionSettings(backend: .onednn, precision: precision, threads: 2))
        let fast = try runner.upscale(rgb)
        XCTAssertEqual([fast.channels, fast.height, fast.width], [reference.channels, reference.height, reference.width], file: file, line: line)
        let scale = max(1, reference.data.map { abs($0) }.max() ?? 1)
        var worst: Float = 0
        for i in 0..<reference.data.count { worst = max(worst, abs(fast.data[i] - reference.data[i])) }
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(model.name) tile \(tile.map(String.init) ?? "none")", file: file, line: line)
        let report = (runner as! NetworkRunner).executor.backendReport
        XCTAssertEqual(report.fallbacks, [], "every tile shape got a oneDNN plan", file: file, line: line)
        return report.implementations
    }

    func testEveryArchitectureMatchesTheReference() throws {
        let small: [(String, Int, [String: HyperValue])] = [
            ("edsr-baseline", 2, ["n_resblocks": .number(2), "n_feats": .number(16), "res_scale": .number(0.1)]),
            ("edsr-baseline", 3, ["n_resblocks": .number(1), "n_feats": .number(8)]),
            ("srresnet", 4, ["num_feat": .number(16), "num_res_blocks": .number(2)]),
            ("srgan", 4, ["num_feat": .number(16), "num_res_blocks": .number(1)]),
            ("unet", 2, ["num_feat": .number(8), "depth": .number(2)]),
            ("srcnn", 3, ["n1": .number(16), "n2": .number(8)]),
            ("fsrcnn", 2, ["d": .number(16), "s": .number(8), "m": .number(2)]),
            ("fsrcnn-subpixel", 2, ["d": .number(16), "s": .number(8), "m": .number(2)]),
            ("fsrcnn-subpixel", 3, ["d": .number(16), "s": .number(8), "m": .number(1), "shuffle_order": .string("tf")]),
            ("espcn", 2, ["n1": .number(16), "n2": .number(8)]),
            ("srvgg", 4, ["num_feat": .number(16), "num_conv": .number(4), "act_type": .string("prelu")]),
            ("srvgg", 2, ["num_feat": .number(8), "num_conv": .number(2), "act_type": .string("leakyrelu")]),
        ]
        for (config, scale, overrides) in small {
            let m = try ModelLoader.randomModel(config, scale: scale, seed: 5, overrides: overrides)
            var implementations = Set(try compare(m, width: 37, height: 29, tile: nil))
            implementations.formUnion(try compare(m, width: 37, height: 29, tile: 16))
            XCTAssertFalse(implementations.contains { $0.hasPrefix("ref") }, "\(config) x\(scale): a reference (slow) oneDNN kernel: \(implementations)")
        }
    }

    /// The shipped default model (SRDFast), as the pipeline runs it.
    func testShippedFastModelMatchesTheReference() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Pipelines/models/fast-x2.safetensors")
        let m = try ModelLoader.load(url: path)
        _ = try compare(m, width: 96, height: 64, tile: 48)
    }

    /// bf16 arithmetic stays close to f32 (a PSNR-level check is the model cards' job).
    func testBF16IsCloseToF32() throws {
        let m = try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 7, overrides: ["n_resblocks": .number(2), "n_feats": .number(16)])
        _ = try compare(m, width: 40, height: 24, tile: nil, precision: .bf16, tolerance: OneDNN.hasBF16 ? 2e-2 : 1e-4)
    }

    /// The pointwise and rearranging steps the plan runs on NHWC, against their NCHW layers.
    func testNHWCStepsMatchTheirLayers() {
        let shape = Shape3(8, 3, 5)
        let x = Tensor.random(shape: [8, 3, 5], in: -1...1, seed: 3)
        var nhwc = [Float](repeating: 0, count: shape.count), back = nhwc
        x.data.withUnsafeBufferPointer { src in NHWC.fromPlanar(src.baseAddress!, shape, into: &nhwc) }
        nhwc.withUnsafeBufferPointer { src in NHWC.toPlanar(src.baseAddress!, shape, into: &back) }
        XCTAssertEqual(back, x.data)
        XCTAssertEqual(nhwc[(1 * 5 + 2) * 8 + 3], x.data[(3 * 3 + 1) * 5 + 2])
        for order in [PixelShuffle.ChannelOrder.pytorch, .tensorflow] {
            let layer = PixelShuffle(2, order: order)
            let expected = layer(x)
            let o = Shape3(2, 6, 10)
            var shuffled = [Float](repeating: 0, count: o.count), planar = shuffled
            nhwc.withUnsafeBufferPointer { src in NHWC.pixelShuffle(layer, src.baseAddress!, shape, into: &shuffled) }
            shuffled.withUnsafeBufferPointer { src in NHWC.toPlanar(src.baseAddress!, o, into: &planar) }
            XCTAssertEqual(planar, expected.data, "\(order)")
        }
        let prelu = PReLU(slopes: Tensor.random(shape: [8], in: 0...0.5, seed: 4))
        var activated = [Float](repeating: 0, count: shape.count), planar = activated
        nhwc.withUnsafeBufferPointer { src in NHWC.prelu(src.baseAddress!, slopes: prelu.slopes, shape, into: &activated) }
        activated.withUnsafeBufferPointer { src in NHWC.toPlanar(src.baseAddress!, shape, into: &planar) }
        XCTAssertEqual(planar, prelu.referenceForward(x).data)
        for mode in [PaddingMode.replicate, .zeros] {
            let pad = Pad2D(mode, top: 1, bottom: 2, left: 3, right: 1)
            let o = pad.outputShape(for: shape)
            var padded = [Float](repeating: 0, count: o.count), back = padded
            nhwc.withUnsafeBufferPointer { src in NHWC.pad(pad, src.baseAddress!, shape, into: &padded) }
            padded.withUnsafeBufferPointer { src in NHWC.toPlanar(src.baseAddress!, o, into: &back) }
            XCTAssertEqual(back, pad.referenceForward(x).data, "\(mode)")
        }
    }
}
