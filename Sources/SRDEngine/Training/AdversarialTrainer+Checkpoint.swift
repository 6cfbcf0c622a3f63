import Foundation

/// GAN checkpoints, in `CheckpointLayout`: the generator exactly as `Trainer` stores its network,
/// the discriminator under the prefix `d.`, and the adversarial settings in
/// `checkpoint.adversarial`.
extension AdversarialTrainer {
    public func checkpointFile() throws -> SafeTensors.File {
        var file = SafeTensors.File(tensors: [:], metadata: [:])
        CheckpointLayout.store(network, optimizer, into: &file)
        CheckpointLayout.store(discriminator, discriminatorOptimizer, prefix: "d.", into: &file)
        try CheckpointLayout.storeRun(step: step, rng: rng, seconds: trainingSeconds, config: config,
                                      name: network.description.name, notes: notes, into: &file)
        file.metadata["checkpoint.adversarial"] = String(decoding: try JSONEncoder().encode(adversarial), as: UTF8.self)
        return file
    }

    /// Whether a checkpoint file is an adversarial one.
    public static func isAdversarialCheckpoint(_ file: SafeTensors.File) -> Bool {
        file.metadata["checkpoint.adversarial"] != nil
    }

    /// Continues a checkpointed GAN run; `config` may extend `iterations`.
    public static func resume(from file: SafeTensors.File, data: TrainingSet, config: TrainingConfig? = nil) throws -> AdversarialTrainer {
        guard let json = file.metadata["checkpoint.adversarial"] else {
            throw EngineError(.invalidMetadata, "not an adversarial checkpoint (no checkpoint.adversarial)")
        }
        let adversarial = try JSONDecoder().decode(AdversarialConfig.self, from: Data(json.utf8))
        let (g, gm, gv) = try CheckpointLayout.load(file, name: CheckpointLayout.name(file))
        let (d, dm, dv) = try CheckpointLayout.load(file, prefix: "d.", name: "discriminator")
        let t = try AdversarialTrainer(generator: g, discriminator: d, data: data,
                                       config: try config ?? Trainer.checkpointConfig(file), adversarial: adversarial)
        let step = CheckpointLayout.step(file)
        t.optimizer.m = gm
        t.optimizer.v = gv
        t.optimizer.step = step
        t.discriminatorOptimizer.m = dm
        t.discriminatorOptimizer.v = dv
        t.discriminatorOptimizer.step = step
        t.rng.state = CheckpointLayout.rngState(file) ?? t.config.seed
        t.trainingSeconds = CheckpointLayout.seconds(file)
        t.notes = CheckpointLayout.notes(file)
        return t
    }
}
