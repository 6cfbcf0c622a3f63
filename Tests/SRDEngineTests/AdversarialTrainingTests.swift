import Foundation
import XCTest
@testable import SRDEngine

/// The SR-GAN machinery on tiny problems: gradients through the discriminator into its input,
/// a discriminator that learns to tell real from generated patches, exact resume, and the
/// discriminator never loading as an upscaler.
final class AdversarialTrainingTests: XCTestCase {
    static func generator() -> ModelDescription {
        ModelDescription(name: "g", arch: "SRResNet", scale: 2, color: .rgb, input: .lr,
                         hyperparameters: ["num_feat": .number(4), "num_res_blocks": .number(1), "batch_norm": .bool(false)])
    }

    func makeTrainer(iterations: Int, adversarialWeight: Double = 5e-2, threads: Int = 2, lr: Double = 1e-3) throws -> AdversarialTrainer {
        let d = Self.generator()
        let data = TrainingSet(images: [TrainingTests.image(), TrainingTests.image(seed: 1.3)], scale: 2, color: d.color)
        let g = try TrainableNetwork(description: d, tensors: InitialParameters.make(for: d, seed: 4))
        let disc = try AdversarialTrainer.makeDiscriminator(for: d, features: 4, seed: 4)
        let config = TrainingConfig(iterations: iterations, batch: 4, patch: 8, loss: .l1, lr: lr, schedule: .constant, seed: 4, threads: threads)
        return try AdversarialTrainer(generator: g, discriminator: disc, data: data, config: config,
                                      adversarial: AdversarialConfig(adversarialWeight: adversarialWeight, discriminatorLR: 2e-3,
                                                                     discriminatorFeatures: 4))
    }

    /// d(sum(w * D(x)))/dx from the executor's input gradient against central differences: the
    /// path by which the generator learns from the discriminator (strided convolutions included).
    func testDiscriminatorInputGradientMatchesFiniteDifferences() throws {
        // PyTorch-default (small) weights: with He-scaled ones too many pre-activations sit near
        // a LeakyReLU kink for a clean difference quotient.
        let he = try AdversarialTrainer.makeDiscriminator(for: Self.generator(), features: 2, seed: 11)
        let disc = try TrainableNetwork(description: he.description, tensors: ModelLoader.randomParameters(for: he.description, seed: 11))
        let (program, bindings) = try disc.program()
        let x = Tensor.random(shape: [3, 16, 16], in: 0...1, seed: 12)
        let outCount = program.shapes(for: Shape3(3, 16, 16))[program.outputValue].count
        XCTAssertEqual(outCount, 4, "16x16 -> 2x2 logits")
        let w = Tensor.random(shape: [outCount], in: -1...1, seed: 13)
        let exec = GraphExecutor()
        func value(_ input: [Float]) -> Double {
            input.withUnsafeBufferPointer { p in
                let out = exec.forward(program, input: p.baseAddress!, shape: Shape3(3, 16, 16))
                return (0..<outCount).reduce(0.0) { $0 + Double(w.data[$1]) * Double(out.pointer[$1]) }
            }
        }
        var analytic = [Float](repeating: 0, count: x.count)
        var scratch = [Float](repeating: 0, count: disc.parameterCount)
        _ = value(x.data)
        w.data.withUnsafeBufferPointer { wp in
            scratch.withUnsafeMutableBufferPointer { s in
                analytic.withUnsafeMutableBufferPointer { a in
                    exec.backward(program, bindings: bindings, offsets: disc.offsets, outputGradient: wp.baseAddress!,
                                  parameterGradient: s.baseAddress!, inputGradient: a.baseAddress!)
                }
            }
        }
        XCTAssertGreaterThan(analytic.map(abs).max()!, 1e-4, "the gradient reaches the input")
        let eps: Float = 1e-2
        var worst = 0.0
        for i in stride(from: 0, to: x.count, by: 5) {
            var p = x.data, m = x.data
            p[i] += eps
            m[i] -= eps
            let n = (value(p) - value(m)) / Double(2 * eps)
            worst = max(worst, abs(n - Double(analytic[i])) / max(1e-2, abs(n)))
        }
        XCTAssertLessThan(worst, 2e-2, "input gradient vs finite differences")
    }

    func testBinaryCrossEntropyWithLogits() {
        let (l0, g0, p0) = AdversarialTrainer.bce(0, target: 1)
        XCTAssertEqual(l0, log(2), accuracy: 1e-6)
        XCTAssertEqual(g0, -0.5, accuracy: 1e-6)
        XCTAssertEqual(p0, 0.5, accuracy: 1e-6)
        let (l1, g1, _) = AdversarialTrainer.bce(30, target: 0)
        XCTAssertEqual(l1, 30, accuracy: 1e-4, "no overflow for confident logits")
        XCTAssertEqual(g1, 1, accuracy: 1e-6)
        let (l2, g2, p2) = AdversarialTrainer.bce(-2, target: 0)
        XCTAssertEqual(l2, log(1 + exp(-2.0)), accuracy: 1e-6)
        XCTAssertEqual(Double(g2), 1 / (1 + exp(2.0)), accuracy: 1e-6)
        XCTAssertEqual(p2, 1 / (1 + exp(2.0)), accuracy: 1e-6)
    }

    /// Against a frozen, untrained generator, the discriminator learns to tell its output from
    /// real patches: its loss falls well below the chance level 2 ln 2.
    func testDiscriminatorLearnsToSeparateRealFromGenerated() throws {
        let t = try makeTrainer(iterations: 60, adversarialWeight: 0, lr: 0)
        let g0 = t.network.values
        try t.run(until: 1)
        XCTAssertEqual(t.last.discriminator, 2 * log(2), accuracy: 0.3, "starts near chance")
        try t.run()
        XCTAssertEqual(t.network.values, g0, "generator frozen at lr 0")
        XCTAssertLessThan(t.last.discriminator, 1.0, "D loss after 60 steps")
        XCTAssertGreaterThan(t.last.realProbability, t.last.fakeProbability + 0.2)
    }

    func testCheckpointResumesExactly() throws {
        let straight = try makeTrainer(iterations: 6)
        try straight.run()
        let first = try makeTrainer(iterations: 6)
        try first.run(until: 3)
        let f = try first.checkpointFile()
        let bytes = try SafeTensors.serialize(tensors: f.tensors, metadata: f.metadata)
        let file = try SafeTensors.parse(bytes)
        XCTAssertTrue(AdversarialTrainer.isAdversarialCheckpoint(file))
        let resumed = try AdversarialTrainer.resume(from: file, data: first.data)
        XCTAssertEqual(resumed.step, 3)
        try resumed.run()
        XCTAssertEqual(resumed.network.values, straight.network.values, "generator: 3 + resume + 3 == 6 steps")
        XCTAssertEqual(resumed.discriminator.values, straight.discriminator.values, "discriminator too")
        XCTAssertEqual(resumed.adversarial, straight.adversarial)
    }

    func testDiscriminatorIsNotAnUpscaler() throws {
        let disc = try AdversarialTrainer.makeDiscriminator(for: Self.generator(), features: 2, seed: 1)
        let model = try disc.model(defaultTileSize: nil)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("srd-disc-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.write(to: url)
        XCTAssertThrowsError(try ModelLoader.load(url: url)) { error in
            XCTAssertTrue("\(error)".contains("training-time network"), "\(error)")
        }
    }
}

/// `residual=bilinear` (EDSR, SRResNet): the network starts as (nearly) bilinear upscaling, so
/// training learns only the missing detail.
final class BilinearSkipInitialisationTests: XCTestCase {
    func testStartsNearBilinearUpscaling() throws {
        let x = Tensor.random(shape: [3, 8, 10], in: 0...1, seed: 21)
        let bilinear = Upsample(factor: 2, mode: .bilinear)(x)
        for (arch, hp) in [("EDSR", ["n_resblocks": HyperValue.number(2), "n_feats": .number(8), "rgb_range": .number(1)]),
                           ("SRResNet", ["num_feat": .number(8), "num_res_blocks": .number(2), "batch_norm": .bool(false)])] {
            func meanError(_ residual: String) throws -> Double {
                var h = hp
                h["residual"] = .string(residual)
                let d = ModelDescription(name: "t", arch: arch, scale: 2, color: .rgb, input: .lr, hyperparameters: h)
                let y = try TrainableNetwork(description: d, tensors: InitialParameters.make(for: d, seed: 3)).forward(x)
                XCTAssertEqual(y.shape, bilinear.shape)
                return zip(y.data, bilinear.data).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(y.count)
            }
            XCTAssertLessThan(try meanError("bilinear"), 0.03, "\(arch) with the skip starts near bilinear")
            XCTAssertGreaterThan(try meanError("none"), 0.1, "\(arch) without it does not")
        }
    }
}
