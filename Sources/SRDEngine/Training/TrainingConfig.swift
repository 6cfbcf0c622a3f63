/// Hyper-parameters of a training run (everything a checkpoint needs to continue it).
public struct TrainingConfig: Sendable, Equatable, Codable {
    /// Total optimiser steps.
    public var iterations: Int
    /// Patches per step.
    public var batch: Int
    /// LR patch side (the HR patch is scale x larger); a multiple of the network's alignment.
    public var patch: Int
    public var loss: String
    public var schedule: LearningRateSchedule
    public var weightDecay: Double
    public var seed: UInt64
    /// Sample-parallel worker threads (each runs its own samples with single-threaded BLAS).
    public var threads: Int

    public init(iterations: Int, batch: Int = 16, patch: Int = 48, loss: PixelLoss = .l1, lr: Double = 1e-3,
                schedule: LearningRateSchedule.Kind = .cosine, warmup: Int = 0, weightDecay: Double = 0,
                seed: UInt64 = 1, threads: Int = 1) {
        self.iterations = iterations
        self.batch = batch
        self.patch = patch
        self.loss = loss.rawValue
        self.schedule = LearningRateSchedule(kind: schedule, base: lr, warmup: warmup, total: iterations)
        self.weightDecay = weightDecay
        self.seed = seed
        self.threads = threads
    }

    public var pixelLoss: PixelLoss { PixelLoss(rawValue: loss) ?? .l1 }
}
