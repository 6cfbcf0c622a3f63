import Foundation

/// Checkpoints: one safetensors file with the parameters (`param/<name>`), Adam's moments
/// (`adam_m/<name>`, `adam_v/<name>`), and in `__metadata__` the model description, the
/// training configuration (JSON), the step, the random generator's state and the training time.
/// Float32 values round-trip exactly, so resuming continues the same run bit for bit.
extension Trainer {
    public func checkpointFile() throws -> SafeTensors.File {
        var tensors: [String: Tensor] = [:]
        let n = network
        for (i, s) in n.specs.enumerated() {
            let r = n.offsets[i]..<n.offsets[i + 1]
            tensors["param/" + s.name] = Tensor(shape: n.shapes[i], data: Array(n.values[r]))
            tensors["adam_m/" + s.name] = Tensor(shape: n.shapes[i], data: Array(optimizer.m[r]))
            tensors["adam_v/" + s.name] = Tensor(shape: n.shapes[i], data: Array(optimizer.v[r]))
        }
        var meta = n.description.metadata.mapKeys { "model." + $0 }
        meta["checkpoint.step"] = String(step)
        meta["checkpoint.rng"] = String(rng.state)
        meta["checkpoint.seconds"] = String(trainingSeconds)
        meta["checkpoint.config"] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        meta["checkpoint.name"] = n.description.name
        for (k, v) in notes { meta["note." + k] = v }
        return SafeTensors.File(tensors: tensors, metadata: meta)
    }

    /// The configuration stored in a checkpoint.
    public static func checkpointConfig(_ file: SafeTensors.File) throws -> TrainingConfig {
        guard let json = file.metadata["checkpoint.config"] else { throw EngineError(.invalidMetadata, "not a training checkpoint (no checkpoint.config)") }
        return try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8))
    }

    /// The model description stored in a checkpoint.
    public static func checkpointDescription(_ file: SafeTensors.File) throws -> ModelDescription {
        var meta: [String: String] = [:]
        for (k, v) in file.metadata where k.hasPrefix("model.") { meta[String(k.dropFirst(6))] = v }
        return try ModelDescription(metadata: meta, name: file.metadata["checkpoint.name"] ?? "checkpoint")
    }

    /// A trainer continuing the checkpointed run on `data` (the same images give the same run).
    /// `config` may extend `iterations`; other fields should match the original run's.
    public static func resume(from file: SafeTensors.File, data: TrainingSet, config: TrainingConfig? = nil) throws -> Trainer {
        let d = try checkpointDescription(file)
        var params: [String: Tensor] = [:]
        for (k, t) in file.tensors where k.hasPrefix("param/") { params[String(k.dropFirst(6))] = t }
        let network = try TrainableNetwork(description: d, tensors: params)
        let trainer = Trainer(network: network, data: data, config: try config ?? checkpointConfig(file))
        var m = [Float](), v = [Float]()
        for s in network.specs {
            guard let tm = file.tensors["adam_m/" + s.name], let tv = file.tensors["adam_v/" + s.name] else {
                throw EngineError(.missingTensor, "checkpoint lacks Adam moments for \(s.name)")
            }
            m += tm.data
            v += tv.data
        }
        trainer.optimizer.m = m
        trainer.optimizer.v = v
        trainer.optimizer.step = Int(file.metadata["checkpoint.step"] ?? "0") ?? 0
        trainer.rng.state = UInt64(file.metadata["checkpoint.rng"] ?? "") ?? trainer.config.seed
        trainer.trainingSeconds = Double(file.metadata["checkpoint.seconds"] ?? "0") ?? 0
        for (k, val) in file.metadata where k.hasPrefix("note.") { trainer.notes[String(k.dropFirst(5))] = val }
        return trainer
    }
}

extension Dictionary where Key == String {
    fileprivate func mapKeys(_ f: (String) -> String) -> [String: Value] {
        var out: [String: Value] = [:]
        for (k, v) in self { out[f(k)] = v }
        return out
    }
}
