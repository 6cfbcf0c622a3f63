import Foundation

/// What `srd train` drives: a supervised `Trainer` or an `AdversarialTrainer`. Both step an
/// optimiser over random patches, keep their time and notes, and checkpoint so they resume
/// exactly.
public protocol TrainingRun: AnyObject {
    /// The network being trained (the generator of a GAN): what validation runs and export writes.
    var network: TrainableNetwork { get }
    var config: TrainingConfig { get }
    /// Steps completed.
    var step: Int { get }
    var trainingSeconds: Double { get }
    var notes: [String: String] { get set }
    func run(until: Int?, progress: (TrainingProgress) throws -> Void) throws
    func saveCheckpoint(to url: URL) throws
}

extension Trainer: TrainingRun {}
