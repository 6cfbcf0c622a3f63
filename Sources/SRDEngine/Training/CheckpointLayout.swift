import Foundation

/// How both trainers lay a run out in a checkpoint file, so `Trainer` and `AdversarialTrainer`
/// read and write one format:
/// * per network (under a prefix: "" for the trained network, "d." for a discriminator): the
///   parameters `param/<name>`, Adam's moments `adam_m/<name>`, `adam_v/<name>`, and the model
///   description as `model.*` metadata;
/// * the run: `checkpoint.step`, `.rng`, `.seconds`, `.config` (JSON), `.name`, and `note.*`.
/// Float32 values round-trip exactly, so resuming continues the same run bit for bit.
enum CheckpointLayout {
    static func store(_ n: TrainableNetwork, _ adam: Adam, prefix: String = "", into file: inout SafeTensors.File) {
        for (i, s) in n.specs.enumerated() {
            let r = n.offsets[i]..<n.offsets[i + 1]
            file.tensors[prefix + "param/" + s.name] = Tensor(shape: n.shapes[i], data: Array(n.values[r]))
            file.tensors[prefix + "adam_m/" + s.name] = Tensor(shape: n.shapes[i], data: Array(adam.m[r]))
            file.tensors[prefix + "adam_v/" + s.name] = Tensor(shape: n.shapes[i], data: Array(adam.v[r]))
        }
        for (k, v) in n.description.metadata { file.metadata[prefix + "model." + k] = v }
    }

    /// The network stored under `prefix` and its Adam moments (m, v).
    static func load(_ file: SafeTensors.File, prefix: String = "", name: String) throws -> (TrainableNetwork, m: [Float], v: [Float]) {
        let n = try TrainableNetwork(description: try description(file, prefix: prefix, name: name),
                                     tensors: tensors(file, prefix: prefix + "param/"))
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

    static func description(_ file: SafeTensors.File, prefix: String = "", name: String) throws -> ModelDescription {
        var meta: [String: String] = [:]
        let p = prefix + "model."
        for (k, v) in file.metadata where k.hasPrefix(p) { meta[String(k.dropFirst(p.count))] = v }
        return try ModelDescription(metadata: meta, name: name)
    }

    private static func tensors(_ file: SafeTensors.File, prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, t) in file.tensors where k.hasPrefix(prefix) { out[String(k.dropFirst(prefix.count))] = t }
        return out
    }

    /// The run's position, time, configuration and notes.
    static func storeRun(step: Int, rng: TrainingRandom, seconds: Double, config: TrainingConfig, name: String,
                         notes: [String: String], into file: inout SafeTensors.File) throws {
        file.metadata["checkpoint.step"] = String(step)
        file.metadata["checkpoint.rng"] = String(rng.state)
        file.metadata["checkpoint.seconds"] = String(seconds)
        file.metadata["checkpoint.config"] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        file.metadata["checkpoint.name"] = name
        for (k, v) in notes { file.metadata["note." + k] = v }
    }

    static func step(_ file: SafeTensors.File) -> Int { Int(file.metadata["checkpoint.step"] ?? "0") ?? 0 }
    static func rngState(_ file: SafeTensors.File) -> UInt64? { UInt64(file.metadata["checkpoint.rng"] ?? "") }
    static func seconds(_ file: SafeTensors.File) -> Double { Double(file.metadata["checkpoint.seconds"] ?? "0") ?? 0 }
    static func name(_ file: SafeTensors.File) -> String { file.metadata["checkpoint.name"] ?? "checkpoint" }

    static func notes(_ file: SafeTensors.File) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in file.metadata where k.hasPrefix("note.") { out[String(k.dropFirst(5))] = v }
        return out
    }
}
