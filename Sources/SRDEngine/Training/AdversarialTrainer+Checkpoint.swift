import Foundation

/// GAN checkpoints: the generator exactly as `Trainer` stores it (`param/`, `adam_m/`, `adam_v/`,
/// `model.*` metadata), the discriminator under `d.param/`, `d.adam_m/`, `d.adam_v/` with its
/// description in `d.model.*`, and the adversarial settings in `checkpoint.adversarial`.
extension AdversarialTrainer {
    public func checkpointFile() throws -> SafeTensors.File {
        var tensors: [String: Tensor] = [:]
        var meta: [String: String] = [:]
        Self.store(network, optimizer, prefix: "", into: &tensors, &meta)
        Self.store(discriminator, discriminatorOptimizer, prefix: "d.", into: &tensors, &meta)
        meta["checkpoint.step"] = String(step)
        meta["checkpoint.rng"] = String(rng.state)
        meta["checkpoint.seconds"] = String(trainingSeconds)
        meta["checkpoint.config"] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        meta["checkpoint.adversarial"] = String(decoding: try JSONEncoder().encode(adversarial), as: UTF8.self)
        meta["checkpoint.name"] = network.description.name
        for (k, v) in notes { meta["note." + k] = v }
        return SafeTensors.File(tensors: tensors, metadata: meta)
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
        let (g, gm, gv) = try load(file, prefix: "", name: file.metadata["checkpoint.name"] ?? "checkpoint")
        let (d, dm, dv) = try load(file, prefix: "d.", name: "discriminator")
        let t = try AdversarialTrainer(generator: g, discriminator: d, data: data,
                                       config: try config ?? Trainer.checkpointConfig(file), adversarial: adversarial)
        let step = Int(file.metadata["checkpoint.step"] ?? "0") ?? 0
        t.optimizer.m = gm
        t.optimizer.v = gv
        t.optimizer.step = step
        t.discriminatorOptimizer.m = dm
        t.discriminatorOptimizer.v = dv
        t.discriminatorOptimizer.step = step
        t.rng.state = UInt64(file.metadata["checkpoint.rng"] ?? "") ?? t.config.seed
        t.trainingSeconds = Double(file.metadata["checkpoint.seconds"] ?? "0") ?? 0
        for (k, val) in file.metadata where k.hasPrefix("note.") { t.notes[String(k.dropFirst(5))] = val }
        return t
    }

    private static func store(_ n: TrainableNetwork, _ adam: Adam, prefix: String, into tensors: inout [String: Tensor],
                              _ meta: inout [String: String]) {
        for (i, s) in n.specs.enumerated() {
            let r = n.offsets[i]..<n.offsets[i + 1]
            tensors[prefix + "param/" + s.name] = Tensor(shape: n.shapes[i], data: Array(n.values[r]))
            tensors[prefix + "adam_m/" + s.name] = Tensor(shape: n.shapes[i], data: Array(adam.m[r]))
            tensors[prefix + "adam_v/" + s.name] = Tensor(shape: n.shapes[i], data: Array(adam.v[r]))
        }
        for (k, v) in n.description.metadata { meta[prefix + "model." + k] = v }
    }

    private static func load(_ file: SafeTensors.File, prefix: String, name: String) throws -> (TrainableNetwork, [Float], [Float]) {
        var meta: [String: String] = [:]
        for (k, v) in file.metadata where k.hasPrefix(prefix + "model.") { meta[String(k.dropFirst(prefix.count + 6))] = v }
        let d = try ModelDescription(metadata: meta, name: name)
        var params: [String: Tensor] = [:]
        let pp = prefix + "param/"
        for (k, t) in file.tensors where k.hasPrefix(pp) { params[String(k.dropFirst(pp.count))] = t }
        let n = try TrainableNetwork(description: d, tensors: params)
        var m = [Float](), v = [Float]()
        for s in n.specs {
            guard let tm = file.tensors[prefix + "adam_m/" + s.name], let tv = file.tensors[prefix + "adam_v/" + s.name] else {
                throw EngineError(.missingTensor, "checkpoint lacks Adam moments for \(prefix)\(s.name)")
            }
            m += tm.data
            v += tv.data
        }
        return (n, m, v)
    }
}
