import Dispatch
import Foundation

/// Progress of a run, reported after each step.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var iterations: Int
    /// Mean loss of this step's batch.
    public var loss: Double
    public var learningRate: Double
    /// Seconds spent training in this process (excluding validation).
    public var seconds: Double
    /// Extra per-step figures to print (a GAN's separate losses), empty for plain training.
    public var detail: String = ""
}

/// Supervised training of a `TrainableNetwork` on a `TrainingSet`: random patches, a pixel loss,
/// Adam with a learning-rate schedule; checkpoints that resume bit for bit.
///
/// Determinism: patches are drawn on the calling thread from one `TrainingRandom`; sample i of a
/// batch runs on worker i % threads, each worker sums its samples' gradients in order, and the
/// workers' sums are added in worker order. The same seed and thread count give the same weights.
public final class Trainer {
    public private(set) var network: TrainableNetwork
    public let data: TrainingSet
    public let config: TrainingConfig
    public internal(set) var optimizer: Adam
    public internal(set) var rng: TrainingRandom
    /// Steps completed.
    public var step: Int { optimizer.step }
    /// Training seconds accumulated over all sessions of this run (restored from checkpoints).
    public var trainingSeconds: Double = 0
    /// Free-form facts kept with checkpoints (e.g. the last validation PSNR).
    public var notes: [String: String] = [:]

    private let workers: [GraphExecutor]
    private var workerGradients: [[Float]]
    private let decays: [Bool]
    private let lrPatch: UnsafeMutablePointer<Float>
    private let hrPatch: UnsafeMutablePointer<Float>
    private let outGrad: [UnsafeMutablePointer<Float>]

    public init(network: TrainableNetwork, data: TrainingSet, config: TrainingConfig) {
        precondition(!data.isEmpty, "no training images")
        precondition(data.scale == network.description.scale, "data is x\(data.scale), the network x\(network.description.scale)")
        self.network = network
        self.data = data
        self.config = config
        optimizer = Adam(count: network.parameterCount, weightDecay: Float(config.weightDecay))
        rng = TrainingRandom(seed: config.seed)
        let t = max(1, config.threads)
        workers = (0..<t).map { _ in GraphExecutor() }
        workerGradients = [[Float]](repeating: [Float](repeating: 0, count: network.parameterCount), count: t)
        // Decay only convolution weights (rank-4 tensors), not biases or slopes.
        var d = [Bool](repeating: false, count: network.parameterCount)
        for (i, shape) in network.shapes.enumerated() where shape.count == 4 {
            for j in network.offsets[i]..<network.offsets[i + 1] { d[j] = true }
        }
        decays = d
        let c = data.channels, p = config.patch, s = data.scale
        lrPatch = .allocate(capacity: config.batch * c * p * p)
        hrPatch = .allocate(capacity: config.batch * c * p * p * s * s)
        outGrad = (0..<t).map { _ in .allocate(capacity: c * p * p * s * s) }
    }

    deinit {
        lrPatch.deallocate()
        hrPatch.deallocate()
        for g in outGrad { g.deallocate() }
    }

    /// Runs one optimiser step; returns the batch's mean loss.
    @discardableResult
    public func trainStep() throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let (program, bindings) = try network.program()
        let c = data.channels, p = config.patch, s = data.scale, b = config.batch
        let lrCount = c * p * p, hrCount = lrCount * s * s
        for i in 0..<b {
            data.samplePatch(size: p, using: &rng, lr: lrPatch + i * lrCount, hr: hrPatch + i * hrCount)
        }
        let threads = workers.count, offsets = network.offsets, loss = config.pixelLoss
        let total = b * hrCount
        var losses = [Double](repeating: 0, count: threads)
        let lrP = lrPatch, hrP = hrPatch
        losses.withUnsafeMutableBufferPointer { lossBuf in
            let lossPtr = lossBuf.baseAddress!
            workerGradients.withUnsafeMutableBufferPointer { grads in
                let gradPtr = grads.baseAddress!
                DispatchQueue.concurrentPerform(iterations: threads) { w in
                    let worker = workers[w]
                    gradPtr[w].withUnsafeMutableBufferPointer { g in
                        g.update(repeating: 0)
                        var i = w
                        while i < b {
                            let out = worker.forward(program, input: lrP + i * lrCount, shape: Shape3(c, p, p))
                            precondition(out.shape.count == hrCount, "network output \(out.shape) for a \(p)x\(p) patch")
                            lossPtr[w] += loss.evaluate(output: out.pointer, target: hrP + i * hrCount, count: hrCount,
                                                        totalCount: total, gradient: outGrad[w])
                            worker.backward(program, bindings: bindings, offsets: offsets,
                                            outputGradient: outGrad[w], parameterGradient: g.baseAddress!)
                            i += threads
                        }
                    }
                }
            }
        }
        var gradient = workerGradients[0]
        for w in 1..<threads {
            let g = workerGradients[w]
            for j in 0..<gradient.count { gradient[j] += g[j] }
        }
        let lr = config.schedule.rate(at: optimizer.step)
        optimizer.update(&network.values, gradient: gradient, lr: Float(lr), decays: decays)
        trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return losses.reduce(0, +) / Double(total)
    }

    /// Trains until `config.iterations` (or `until`), calling `progress` after every step.
    public func run(until: Int? = nil, progress: (TrainingProgress) throws -> Void = { _ in }) throws {
        let end = min(until ?? config.iterations, config.iterations)
        while step < end {
            let lr = config.schedule.rate(at: step)
            let l = try trainStep()
            try progress(TrainingProgress(step: step, iterations: config.iterations, loss: l, learningRate: lr, seconds: trainingSeconds))
        }
    }
}
