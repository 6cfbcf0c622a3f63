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
    /// Everything needed to continue the run exactly, as one safetensors file.
    func checkpointFile() throws -> SafeTensors.File
}

extension TrainingRun {
    /// Writes the checkpoint atomically (temporary file, then rename), so an interrupted write
    /// never destroys the previous checkpoint.
    public func saveCheckpoint(to url: URL) throws {
        let f = try checkpointFile()
        let tmp = url.appendingPathExtension("partial")
        try SafeTensors.write(tensors: f.tensors, metadata: f.metadata, to: tmp)
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: tmp, to: url)
    }
}

extension Trainer: TrainingRun {}
