import Dispatch
import Foundation

/// Settings of adversarial training beyond `TrainingConfig` (kept in checkpoints).
public struct AdversarialConfig: Sendable, Equatable, Codable {
    /// Weight of the pixel L1 content loss.
    public var contentWeight: Double
    /// Weight of the generator's adversarial loss.
    public var adversarialWeight: Double
    /// Discriminator learning rate (its schedule follows the generator's shape).
    public var discriminatorLR: Double
    /// Discriminator width (`num_feat` of `PatchDiscriminator`).
    public var discriminatorFeatures: Int

    public init(contentWeight: Double = 1, adversarialWeight: Double = 5e-3, discriminatorLR: Double = 1e-4,
                discriminatorFeatures: Int = 32) {
        self.contentWeight = contentWeight
        self.adversarialWeight = adversarialWeight
        self.discriminatorLR = discriminatorLR
        self.discriminatorFeatures = discriminatorFeatures
    }
}

/// SR-GAN training (Ledig et al. 2017, the "seeds" recipe minus VGG): the generator minimises
/// `contentWeight * L1(G(lr), hr) + adversarialWeight * BCE(D(G(lr)), real)` while the
/// discriminator minimises `BCE(D(hr), real) + BCE(D(G(lr)), fake)`, both with Adam, updated
/// together from the same batch (simultaneous gradient steps).
///
/// The content loss is pixel L1 rather than the paper's VGG-feature distance: no pretrained
/// feature network may be used here, and a randomly initialised one measures nothing in
/// particular. L1 keeps colours and structure where they are, and the adversarial term alone
/// supplies texture (ESRGAN keeps the same L1 term beside its perceptual one).
///
/// Determinism and parallelism as in `Trainer`: samples run on `threads` workers, each summing
/// its samples' gradients, and the workers' sums are added in worker order.
public final class AdversarialTrainer: TrainingRun {
    public private(set) var network: TrainableNetwork
    public private(set) var discriminator: TrainableNetwork
    public let data: TrainingSet
    public let config: TrainingConfig
    public let adversarial: AdversarialConfig
    public internal(set) var optimizer: Adam
    public internal(set) var discriminatorOptimizer: Adam
    public internal(set) var rng: TrainingRandom
    public var step: Int { optimizer.step }
    public var trainingSeconds: Double = 0
    public var notes: [String: String] = [:]
    /// Figures of the last step, for progress lines.
    public private(set) var last = Losses()

    /// One step's batch means.
    public struct Losses: Sendable {
        public var content = 0.0, adversarial = 0.0, discriminator = 0.0
        /// Mean D(x) probabilities for real and generated patches.
        public var realProbability = 0.0, fakeProbability = 0.0
    }

    private struct Worker {
        let g = GraphExecutor(), d = GraphExecutor()
        var gGrad: [Float], dGrad: [Float], dScratch: [Float]
        let fake, contentGrad, advGrad, logitGrad: UnsafeMutablePointer<Float>
    }
    private var workers: [Worker]
    private let lrPatch, hrPatch: UnsafeMutablePointer<Float>
    private let logitCount: Int

    /// A generator (e.g. the L1-trained SRResNet) against `discriminator` (see
    /// `makeDiscriminator`).
    public init(generator: TrainableNetwork, discriminator: TrainableNetwork, data: TrainingSet, config: TrainingConfig,
                adversarial: AdversarialConfig) throws {
        precondition(!data.isEmpty, "no training images")
        precondition(data.scale == generator.description.scale, "data is x\(data.scale), the generator x\(generator.description.scale)")
        network = generator
        self.discriminator = discriminator
        self.data = data
        self.config = config
        self.adversarial = adversarial
        optimizer = Adam(count: generator.parameterCount)
        discriminatorOptimizer = Adam(count: discriminator.parameterCount)
        rng = TrainingRandom(seed: config.seed)
        let c = data.channels, p = config.patch, s = data.scale, hrCount = c * p * p * s * s
        let (dProgram, _) = try discriminator.program()
        let hrShape = Shape3(c, p * s, p * s)
        guard hrShape.h % dProgram.alignment == 0 else {
            throw EngineError(.invalidMetadata, "HR patch \(p * s) is not a multiple of the discriminator's \(dProgram.alignment)")
        }
        logitCount = dProgram.shapes(for: hrShape)[dProgram.outputValue].count
        lrPatch = .allocate(capacity: config.batch * c * p * p)
        hrPatch = .allocate(capacity: config.batch * hrCount)
        let lc = logitCount
        workers = (0..<max(1, config.threads)).map { _ in
            Worker(gGrad: [Float](repeating: 0, count: generator.parameterCount),
                   dGrad: [Float](repeating: 0, count: discriminator.parameterCount),
                   dScratch: [Float](repeating: 0, count: discriminator.parameterCount),
                   fake: .allocate(capacity: hrCount), contentGrad: .allocate(capacity: hrCount),
                   advGrad: .allocate(capacity: hrCount), logitGrad: .allocate(capacity: lc))
        }
    }

    deinit {
        lrPatch.deallocate()
        hrPatch.deallocate()
        for w in workers { for p in [w.fake, w.contentGrad, w.advGrad, w.logitGrad] { p.deallocate() } }
    }

    /// A freshly initialised `PatchDiscriminator` for a generator's output colour.
    public static func makeDiscriminator(for generator: ModelDescription, features: Int, seed: UInt64) throws -> TrainableNetwork {
        let d = ModelDescription(name: "discriminator", arch: PatchDiscriminator.name, scale: 1, color: generator.color,
                                 input: .lr, hyperparameters: ["num_feat": .number(Double(features))])
        return try TrainableNetwork(description: d, tensors: try InitialParameters.make(for: d, seed: seed &+ 0x5eed))
    }

    /// Runs one step of both networks; returns the generator's total loss.
    @discardableResult
    public func trainStep() throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let (gProgram, gBindings) = try network.program()
        let (dProgram, dBindings) = try discriminator.program()
        let c = data.channels, p = config.patch, s = data.scale, b = config.batch
        let lrCount = c * p * p, hrCount = lrCount * s * s, lc = logitCount
        for i in 0..<b {
            data.samplePatch(size: p, using: &rng, lr: lrPatch + i * lrCount, hr: hrPatch + i * hrCount)
        }
        let threads = workers.count, gOffsets = network.offsets, dOffsets = discriminator.offsets
        let pixelTotal = b * hrCount, logitTotal = b * lc
        let wContent = Float(adversarial.contentWeight), wAdv = Float(adversarial.adversarialWeight)
        let lrP = lrPatch, hrP = hrPatch, hrShape = Shape3(c, p * s, p * s)
        var sums = [Losses](repeating: Losses(), count: threads)
        sums.withUnsafeMutableBufferPointer { sumBuf in
            let sumPtr = sumBuf.baseAddress!
            workers.withUnsafeMutableBufferPointer { ws in
                let wp = ws.baseAddress!
                DispatchQueue.concurrentPerform(iterations: threads) { wi in
                    let w = wp + wi
                    w.pointee.gGrad.withUnsafeMutableBufferPointer { gGrad in
                    w.pointee.dGrad.withUnsafeMutableBufferPointer { dGrad in
                    w.pointee.dScratch.withUnsafeMutableBufferPointer { dScratch in
                        gGrad.update(repeating: 0)
                        dGrad.update(repeating: 0)
                        let g = w.pointee.g, d = w.pointee.d
                        let fake = w.pointee.fake, contentGrad = w.pointee.contentGrad
                        let advGrad = w.pointee.advGrad, logitGrad = w.pointee.logitGrad
                        var i = wi
                        while i < b {
                            let hr = hrP + i * hrCount
                            let out = g.forward(gProgram, input: lrP + i * lrCount, shape: Shape3(c, p, p))
                            precondition(out.shape.count == hrCount, "generator output \(out.shape) for a \(p)x\(p) patch")
                            fake.update(from: out.pointer, count: hrCount)
                            sumPtr[wi].content += PixelLoss.l1.evaluate(output: fake, target: hr, count: hrCount,
                                                                         totalCount: pixelTotal, gradient: contentGrad)
                            // Discriminator on the real patch: label 1.
                            // BCE of every logit against `target`; its gradient goes to logitGrad.
                            func score(_ logits: FeatureMap, target: Float) -> (loss: Double, probability: Double) {
                                var loss = 0.0, probability = 0.0
                                for k in 0..<lc {
                                    let r = Self.bce(logits.pointer[k], target: target)
                                    loss += r.loss
                                    probability += r.probability
                                    logitGrad[k] = r.gradient / Float(logitTotal)
                                }
                                return (loss, probability)
                            }
                            var logits = d.forward(dProgram, input: hr, shape: hrShape)
                            let real = score(logits, target: 1)
                            sumPtr[wi].discriminator += real.loss
                            sumPtr[wi].realProbability += real.probability
                            d.backward(dProgram, bindings: dBindings, offsets: dOffsets, outputGradient: logitGrad,
                                       parameterGradient: dGrad.baseAddress!)
                            // On the generated patch: label 0 for D, and label 1 for G's loss,
                            // whose gradient flows back through D into the image only.
                            logits = d.forward(dProgram, input: fake, shape: hrShape)
                            let generated = score(logits, target: 0)
                            sumPtr[wi].discriminator += generated.loss
                            sumPtr[wi].fakeProbability += generated.probability
                            d.backward(dProgram, bindings: dBindings, offsets: dOffsets, outputGradient: logitGrad,
                                       parameterGradient: dGrad.baseAddress!)
                            sumPtr[wi].adversarial += score(logits, target: 1).loss
                            d.backward(dProgram, bindings: dBindings, offsets: dOffsets, outputGradient: logitGrad,
                                       parameterGradient: dScratch.baseAddress!, inputGradient: advGrad)
                            for k in 0..<hrCount { contentGrad[k] = wContent * contentGrad[k] + wAdv * advGrad[k] }
                            g.backward(gProgram, bindings: gBindings, offsets: gOffsets, outputGradient: contentGrad,
                                       parameterGradient: gGrad.baseAddress!)
                            i += threads
                        }
                    }
                    }
                    }
                }
            }
        }
        var gGradient = workers[0].gGrad, dGradient = workers[0].dGrad
        for w in workers.dropFirst() {
            for j in 0..<gGradient.count { gGradient[j] += w.gGrad[j] }
            for j in 0..<dGradient.count { dGradient[j] += w.dGrad[j] }
        }
        let lr = config.schedule.rate(at: optimizer.step)
        var dSchedule = config.schedule
        dSchedule.base = adversarial.discriminatorLR
        dSchedule.minimum = config.schedule.minimum * adversarial.discriminatorLR / max(config.schedule.base, 1e-30)
        let dLR = dSchedule.rate(at: optimizer.step)
        optimizer.update(&network.values, gradient: gGradient, lr: Float(lr))
        discriminatorOptimizer.update(&discriminator.values, gradient: dGradient, lr: Float(dLR))
        var total = Losses()
        for w in sums {
            total.content += w.content
            total.adversarial += w.adversarial
            total.discriminator += w.discriminator
            total.realProbability += w.realProbability
            total.fakeProbability += w.fakeProbability
        }
        total.content /= Double(pixelTotal)
        total.adversarial /= Double(logitTotal)
        total.discriminator /= Double(logitTotal)
        total.realProbability /= Double(logitTotal)
        total.fakeProbability /= Double(logitTotal)
        last = total
        trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return adversarial.contentWeight * total.content + adversarial.adversarialWeight * total.adversarial
    }

    /// Binary cross-entropy on a logit, its derivative and the probability, computed stably.
    static func bce(_ x: Float, target: Float) -> (loss: Double, gradient: Float, probability: Double) {
        let e = exp(-abs(x))
        let sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e)
        let loss = max(x, 0) - x * target + log1p(e)
        return (Double(loss), sigmoid - target, Double(sigmoid))
    }

    public func run(until: Int? = nil, progress: (TrainingProgress) throws -> Void = { _ in }) throws {
        let end = min(until ?? config.iterations, config.iterations)
        while step < end {
            let lr = config.schedule.rate(at: step)
            let l = try trainStep()
            let detail = String(format: "content %.5f adv %.3f D %.3f D(real) %.2f D(fake) %.2f", last.content,
                                last.adversarial, last.discriminator, last.realProbability, last.fakeProbability)
            try progress(TrainingProgress(step: step, iterations: config.iterations, loss: l, learningRate: lr,
                                          seconds: trainingSeconds, detail: detail))
        }
    }
}
