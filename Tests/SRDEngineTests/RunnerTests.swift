import Foundation
import XCTest
@testable import SRDEngine

final class RunnerTests: XCTestCase {
    /// A Y model's runner: convert with the model's formula, run on Y, bicubic chroma, convert back.
    func testYPipelineComposition() throws {
        let m = try ModelLoader.randomModel("fsrcnn-subpixel", scale: 2, seed: 3, overrides: ["d": .number(8), "s": .number(4), "m": .number(1)])
        let rgb = Tensor.random(shape: [3, 12, 15], in: 0...1, seed: 4).planarImage
        let out = try m.makeRunner().upscale(rgb)
        let ycc = rgb.ycbcr(.jpeg)
        let y = m.program(Tensor(ycc.plane(0))).planarImage
        let cb = ycc.plane(1).resized(width: 30, height: 24, kernel: .bicubic)
        let cr = ycc.plane(2).resized(width: 30, height: 24, kernel: .bicubic)
        let expected = PlanarImage.stacking([y, cb, cr]).rgb(fromYCbCr: .jpeg)
        assertClose(Tensor(out), Tensor(expected), 1e-5, "Y pipeline")
    }

    /// SRCNN runs on the MATLAB-bicubic-upscaled studio-range Y.
    func testSRCNNRunsOnBicubicUpscaledY() throws {
        let m = try ModelLoader.randomModel("srcnn", scale: 3, seed: 5, overrides: ["n1": .number(8), "n2": .number(4)])
        let rgb = Tensor.random(shape: [3, 10, 8], in: 0...1, seed: 6).planarImage
        let out = try m.makeRunner().upscale(rgb)
        let ycc = rgb.ycbcr(.bt601)
        let yUp = ycc.plane(0).resized(width: 24, height: 30, kernel: .bicubic)
        let y = m.program(Tensor(yUp)).planarImage
        XCTAssertEqual(Tensor(out.ycbcr(.bt601).plane(0)).maxAbsDifference(Tensor(y)) < 1e-5, true)
    }

    func testOfficialModelUpscalesAFrame() throws {
        let shared = try requireShared()
        let m = try ModelLoader.load(shared.appendingPathComponent("weights/fsrcnn_x2.safetensors").path, scale: nil)
        let rgb = Tensor.random(shape: [3, 20, 24], in: 0.2...0.8, seed: 7).planarImage
        let up = try m.makeRunner().upscale(rgb)
        XCTAssertEqual([up.channels, up.height, up.width], [3, 40, 48])
        // A trained model stays near bicubic on average (it sharpens, it does not invent a new image).
        let bic = rgb.resized(width: 48, height: 40, kernel: .bicubic)
        let mean = zip(up.data, bic.data).map { abs($0 - $1) }.reduce(0, +) / Float(up.data.count)
        XCTAssertLessThan(mean, 0.1)
    }

    /// Runners of one model on several threads at once give the single-threaded result.
    func testConcurrentRunnersAgreeWithSequential() throws {
        let m = try ModelLoader.randomModel("srvgg", scale: 2, seed: 9, overrides: ["num_conv": .number(3), "num_feat": .number(8)])
        let frames = (0..<4).map { Tensor.random(shape: [3, 30, 26], in: 0...1, seed: UInt64(20 + $0)).planarImage }
        let expected = try frames.map { try m.makeRunner(tileSize: nil).upscale($0) }
        final class Box: @unchecked Sendable { var results = [PlanarImage?](repeating: nil, count: 4) }
        let box = Box()
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let r = try? m.makeRunner(tileSize: 12).upscale(frames[i])
            lock.lock()
            box.results[i] = r
            lock.unlock()
        }
        for i in 0..<4 {
            guard let r = box.results[i] else { return XCTFail("frame \(i) failed") }
            assertClose(Tensor(r), Tensor(expected[i]), 1e-4, "frame \(i)")
        }
    }

    /// Hyper-parameters of every JSON type survive a write/read (booleans stay booleans, 1 stays a number).
    func testMetadataRoundTrip() throws {
        let m = try ModelLoader.randomModel("srresnet", scale: 4, seed: 2,
                                            overrides: ["num_res_blocks": .number(1), "num_feat": .number(4), "batch_norm": .bool(false)])
        XCTAssertFalse(m.parameters.tensors.keys.contains { $0.contains("bn") })
        let url = try temporaryDirectory(self).appendingPathComponent("m.safetensors")
        try m.write(to: url)
        let back = try ModelLoader.load(url: url)
        XCTAssertEqual(back.description.hyperparameters, m.description.hyperparameters)
        XCTAssertEqual(back.description.hyperparameters["num_res_blocks"], .number(1))
        XCTAssertEqual(back.description.hyperparameters["batch_norm"], .bool(false))
        XCTAssertEqual(back.description.color, .rgb)
        let x = Tensor.random(shape: [3, 6, 5], in: 0...1, seed: 3)
        XCTAssertEqual(back.program(x), m.program(x))
    }

    func testClassicalScalerEqualsResize() throws {
        let rgb = Tensor.random(shape: [3, 7, 9], in: 0...1, seed: 8).planarImage
        for name in ["nearest", "bilinear", "bicubic", "lanczos"] {
            let m = try ModelLoader.load(name, scale: 3)
            XCTAssertEqual(m.flopsPerOutputPixel, 0)
            let kernel = ClassicalScaler.names[name]!
            XCTAssertEqual(try m.makeRunner().upscale(rgb), rgb.resized(width: 27, height: 21, scale: 3, kernel: kernel), name)
        }
    }

    func testRejectsNonRGBInput() throws {
        let m = try ModelLoader.randomModel("espcn", scale: 2, overrides: ["n1": .number(4), "n2": .number(4)])
        XCTAssertThrowsError(try m.makeRunner().upscale(PlanarImage(width: 4, height: 4, channels: 1))) { e in
            XCTAssertEqual((e as? EngineError)?.code, .invalidInput)
        }
    }

    /// FLOPs per output pixel, counted by hand from the layer lists.
    func testFlopsPerOutputPixel() throws {
        let srcnn = try ModelLoader.randomModel("srcnn", scale: 3)
        XCTAssertEqual(srcnn.flopsPerOutputPixel, 2 * Double(81 * 64 + 25 * 64 * 32 + 25 * 32))
        let espcn = try ModelLoader.randomModel("espcn", scale: 2)
        XCTAssertEqual(espcn.flopsPerOutputPixel, 2 * Double(25 * 64 + 9 * 64 * 32 + 9 * 32 * 4) / 4)
        let edsr = try ModelLoader.randomModel("edsr-baseline", scale: 2)
        let lr = 27 * 64 + 16 * 2 * 9 * 64 * 64 + 9 * 64 * 64 + 9 * 64 * 256
        XCTAssertEqual(edsr.flopsPerOutputPixel, 2 * (Double(lr) / 4 + Double(9 * 64 * 3)))
    }

    func testBenchmarkReportsRates() throws {
        // The BLAS thread count is process-wide and other tests change it: set it here.
        Engine.setBLASThreads(1)
        let m = try ModelLoader.randomModel("espcn", scale: 2, overrides: ["n1": .number(8), "n2": .number(8)])
        let r = try Engine.benchmark(m, width: 32, height: 24, iterations: 2)
        XCTAssertEqual(r.iterations, 2)
        XCTAssertEqual(r.width, 32)
        XCTAssertEqual(r.height, 24)
        XCTAssertEqual(r.model, m.name)
        XCTAssertEqual(r.blasThreads, 1)
        // The rate is the model's counted work on the output pixels over the measured time, so a
        // wrong pixel count, scale or FLOP figure shows here (the time itself is not asserted).
        XCTAssertGreaterThan(r.msPerFrame, 0)
        let expected = m.flopsPerOutputPixel * Double(32 * 24 * 4) / (r.msPerFrame / 1000) / 1e9
        XCTAssertEqual(r.gflopsPerSecond, expected, accuracy: expected * 1e-9)
        XCTAssertEqual(m.flopsPerOutputPixel, 2 * Double(25 * 8 + 9 * 8 * 8 + 9 * 8 * 4) / 4)
    }
}
