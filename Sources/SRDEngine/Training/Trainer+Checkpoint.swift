import Foundation

/// Checkpoints of a supervised run, in `CheckpointLayout`: the network with Adam's moments and
/// the run's position, configuration and notes.
extension Trainer {
    public func checkpointFile() throws -> SafeTensors.File {
        var file = SafeTensors.File(tensors: [:], metadata: [:])
        CheckpointLayout.store(network, optimizer, into: &file)
        try CheckpointLayout.storeRun(step: step, rng: rng, seconds: trainingSeconds, config: config,
                                      name: network.description.name, notes: notes, into: &file)
        return file
    }

    /// The configuration stored in a checkpoint.
    public static func checkpointConfig(_ file: SafeTensors.File) throws -> TrainingConfig {
        guard let json = file.metadata["checkpoint.config"] else { throw EngineError(.invalidMetadata, "not a training checkpoint (no checkpoint.config)") }
        return try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8))
    }

    /// A trainer continuing the checkpointed run on `data` (the same images give the same run).
    /// `config` may extend `iterations`; other fields should match the original run's.
    public static func resume(from file: SafeTensors.File, data: TrainingSet, config: TrainingConfig? = nil) throws -> Trainer {
        let (network, m, v) = try CheckpointLayout.load(file, name: CheckpointLayout.name(file))
        let trainer = Trainer(network: network, data: data, config: try config ?? checkpointConfig(file))
        trainer.optimizer.m = m
        trainer.optimizer.v = v
        trainer.optimizer.step = CheckpointLayout.step(file)
        trainer.rng.state = CheckpointLayout.rngState(file) ?? trainer.config.seed
        trainer.trainingSeconds = CheckpointLayout.seconds(file)
        trainer.notes = CheckpointLayout.notes(file)
        return trainer
    }
}
