import Foundation
import XCTest
@testable import SRDEngine

/// Training on tiny problems: the loss falls, a network overfits one image, runs are
/// reproducible from the seed, and a checkpointed run resumes bit for bit.
final class TrainingTests: XCTestCase {
    /// A deterministic RGB test image with edges and texture (no ../shared needed).
    static func image(width: Int = 64, height: Int = 64, seed: Double = 0, disc: Bool = true) -> PlanarImage {
        var img = PlanarImage(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x), fy = Double(y)
                let stripes = 0.5 + 0.4 * sin(fx * 0.45 + fy * 0.2 + seed)
                let disc = disc && ((fx - 30) * (fx - 30) + (fy - 28) * (fy - 28) < 200) ? 0.3 : 0
                let v = min(1, max(0, stripes * 0.7 + disc))
                img[0, y, x] = Float((v * 255).rounded() / 255)
                img[1, y, x] = Float(((0.8 * v + 0.1 * fy / Double(height)) * 255).rounded() / 255)
                img[2, y, x] = Float(((1 - v) * 200).rounded() / 255)
            }
        }
        return img
    }

    static func fastDescription(scale: Int = 2, channels: Int = 8, blocks: Int = 1) -> ModelDescription {
        ModelDescription(name: "tiny", arch: "SRDFast", scale: scale, color: .y(.bt601), input: .lr,
                         hyperparameters: ["channels": .number(Double(channels)), "blocks": .number(Double(blocks))])
    }

    func makeTrainer(iterations: Int, seed: UInt64 = 3, threads: Int = 1, images: [PlanarImage]? = nil,
                     lr: Double = 2e-3, batch: Int = 4, patch: Int = 12, channels: Int = 8, blocks: Int = 1) throws -> Trainer {
        let d = Self.fastDescription(channels: channels, blocks: blocks)
        let data = TrainingSet(images: images ?? [Self.image(), Self.image(seed: 1.3)], scale: 2, color: d.color)
        let net = try TrainableNetwork(description: d, tensors: InitialParameters.make(for: d, seed: seed))
        let config = TrainingConfig(iterations: iterations, batch: batch, patch: patch, loss: .l1, lr: lr, seed: seed, threads: threads)
        return Trainer(network: net, data: data, config: config)
    }

    func testBicubicInitialisationMatchesMATLABBicubicInTheInterior() throws {
        let d = Self.fastDescription()
        var t = try InitialParameters.make(for: d, seed: 1)
        t["tail.weight"] = Tensor(shape: t["tail.weight"]!.shape)  // body switched off: skip only
        let model = try ModelLoader.build(d, tensors: t, defaultTileSize: nil)
        let lrY = Self.image().luma(.bt601).resized(width: 32, height: 32, scale: 0.5)
        let out = model.program(Tensor(lrY))
        let ref = lrY.resized(width: 64, height: 64, scale: 2, kernel: .bicubic, antialias: false)
        var worst: Float = 0
        for y in 4..<60 { for x in 4..<60 { worst = max(worst, abs(out.data[y * 64 + x] - ref[0, y, x])) } }
        XCTAssertLessThan(worst, 1e-5, "skip kernels reproduce MATLAB bicubic away from the borders")
    }

    func testLossFallsOverAFewSteps() throws {
        let t = try makeTrainer(iterations: 60)
        var losses: [Double] = []
        try t.run { losses.append($0.loss) }
        XCTAssertEqual(t.step, 60)
        let first = losses.prefix(10).reduce(0, +) / 10, last = losses.suffix(10).reduce(0, +) / 10
        XCTAssertLessThan(last, first * 0.9, "mean loss of the last 10 steps below 90% of the first 10")
    }

    func testOverfitsOneImageWellAboveBicubic() throws {
        let img = Self.image(width: 32, height: 32, disc: false)
        let t = try makeTrainer(iterations: 400, images: [img], lr: 3e-3, batch: 4, patch: 16, channels: 16, blocks: 2)
        try t.run()
        let hr = t.data.pairs[0].hr, lr = t.data.pairs[0].lr
        let sr = try t.network.forward(Tensor(lr))
        let bic = lr.resized(width: hr.width, height: hr.height, scale: 2, kernel: .bicubic, antialias: false)
        func psnr(_ a: [Float]) -> Double {
            var se = 0.0
            var n = 0
            for y in 6..<(hr.height - 6) {
                for x in 6..<(hr.width - 6) {
                    let d = Double(a[y * hr.width + x] - hr[0, y, x]) * 255
                    se += d * d
                    n += 1
                }
            }
            return 10 * log10(255 * 255 / (se / Double(n)))
        }
        let pSR = psnr(sr.data), pBic = psnr(bic.data)
        XCTAssertGreaterThan(pSR, pBic + 3, "trained \(pSR) dB vs bicubic \(pBic) dB on its own training image")
    }

    func testSameSeedSameWeights() throws {
        let a = try makeTrainer(iterations: 6, threads: 2), b = try makeTrainer(iterations: 6, threads: 2)
        try a.run()
        try b.run()
        XCTAssertEqual(a.network.values, b.network.values)
        let c = try makeTrainer(iterations: 6, seed: 4, threads: 2)
        try c.run()
        XCTAssertNotEqual(a.network.values, c.network.values)
    }

    func testCheckpointResumesExactly() throws {
        let straight = try makeTrainer(iterations: 10, threads: 2)
        try straight.run()
        let first = try makeTrainer(iterations: 10, threads: 2)
        try first.run(until: 5)
        // Through a real file, written the way `srd train` writes it (via the protocol, as the
        // command holds its trainer), twice: the second write replaces the first atomically.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srd-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("run.ckpt.safetensors")
        let run: TrainingRun = first
        try run.saveCheckpoint(to: url)
        try run.saveCheckpoint(to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["run.ckpt.safetensors"],
                       "one checkpoint file and no temporary left behind")
        let resumed = try Trainer.resume(from: try SafeTensors.parse(Data(contentsOf: url)), data: first.data)
        XCTAssertEqual(resumed.step, 5)
        try resumed.run()
        XCTAssertEqual(resumed.step, 10)
        XCTAssertEqual(resumed.network.values, straight.network.values, "5 + resume + 5 steps == 10 steps, bit for bit")
        XCTAssertEqual(resumed.optimizer.m, straight.optimizer.m)
        XCTAssertEqual(resumed.rng, straight.rng)
    }

    func testExportedModelLoadsAndMatchesTheTrainingGraph() throws {
        let t = try makeTrainer(iterations: 3)
        try t.run()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("srd-train-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try t.network.model(metadata: ["training.iterations": "3"]).write(to: url)
        let loaded = try ModelLoader.load(url: url)
        XCTAssertEqual(loaded.description.arch, "SRDFast")
        XCTAssertEqual(loaded.description.extraMetadata["training.iterations"], "3")
        let x = Tensor(t.data.pairs[0].lr.cropped(x: 0, y: 0, width: 20, height: 16))
        XCTAssertLessThan(loaded.program(x).maxAbsDifference(try t.network.forward(x)), 1e-6)
    }

    func testLearningRateSchedules() {
        let cos = LearningRateSchedule(kind: .cosine, base: 1e-3, minimum: 1e-5, warmup: 10, total: 110)
        XCTAssertEqual(cos.rate(at: 0), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(cos.rate(at: 10), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(cos.rate(at: 60), (1e-3 + 1e-5) / 2, accuracy: 1e-12)
        XCTAssertEqual(cos.rate(at: 110), 1e-5, accuracy: 1e-12)
        let step = LearningRateSchedule(kind: .step, base: 1e-3, total: 100, stepEvery: 30, gamma: 0.5)
        XCTAssertEqual(step.rate(at: 29), 1e-3)
        XCTAssertEqual(step.rate(at: 30), 5e-4)
        XCTAssertEqual(step.rate(at: 95), 1.25e-4)
    }

    func testAdamFirstStepMovesEachParameterByTheLearningRate() {
        var adam = Adam(count: 3, weightDecay: 0)
        var p: [Float] = [1, 1, 1]
        adam.update(&p, gradient: [0.5, -2, 0], lr: 0.1)
        XCTAssertEqual(p[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(p[1], 1.1, accuracy: 1e-6)
        XCTAssertEqual(p[2], 1, accuracy: 1e-6)
        var decayed = Adam(count: 1, weightDecay: 0.1)
        var q: [Float] = [2]
        decayed.update(&q, gradient: [0], lr: 0.1)
        XCTAssertEqual(q[0], 2 - 0.1 * 0.1 * 2, accuracy: 1e-6, "decoupled decay only")
    }

    /// The compression hook sees every degraded LR image with its index as seed, and what it
    /// returns is what training samples.
    func testCompressHookReplacesTheLowResolutionImages() throws {
        var seeds: [UInt64] = []
        let data = try TrainingSet(images: [Self.image(), Self.image(seed: 1.3)], scale: 2, color: .rgb, compress: { lr, seed in
            seeds.append(seed)
            return PlanarImage(width: lr.width, height: lr.height, channels: 3, data: [Float](repeating: 0.25, count: lr.data.count))
        })
        XCTAssertEqual(seeds, [0, 1])
        XCTAssertTrue(data.pairs.allSatisfy { $0.lr.data.allSatisfy { $0 == 0.25 } })
        XCTAssertFalse(data.pairs.allSatisfy { $0.hr.data.allSatisfy { $0 == 0.25 } }, "HR untouched")
        struct Broken: Error {}
        XCTAssertThrowsError(try TrainingSet(images: [Self.image()], scale: 2, color: .rgb, compress: { _, _ in throw Broken() }))
    }

    func testAugmentedPatchPairsStayAligned() throws {
        let data = TrainingSet(images: [Self.image()], scale: 2, color: .rgb)
        var rng = TrainingRandom(seed: 9)
        let p = 8
        var lr = [Float](repeating: 0, count: 3 * p * p), hr = [Float](repeating: 0, count: 3 * 4 * p * p)
        for _ in 0..<16 {
            lr.withUnsafeMutableBufferPointer { l in hr.withUnsafeMutableBufferPointer { h in
                data.samplePatch(size: p, using: &rng, lr: l.baseAddress!, hr: h.baseAddress!)
            } }
            // Each LR sample is close to the mean of its 2x2 HR block (bicubic ~ box for smooth content).
            var err = 0.0
            for c in 0..<3 { for y in 0..<p { for x in 0..<p {
                let m = (hr[(c * 2 * p + 2 * y) * 2 * p + 2 * x] + hr[(c * 2 * p + 2 * y) * 2 * p + 2 * x + 1]
                    + hr[(c * 2 * p + 2 * y + 1) * 2 * p + 2 * x] + hr[(c * 2 * p + 2 * y + 1) * 2 * p + 2 * x + 1]) / 4
                err += Double(abs(m - lr[(c * p + y) * p + x]))
            } } }
            XCTAssertLessThan(err / Double(3 * p * p), 0.06, "LR and HR patches show the same place")
        }
    }
}
