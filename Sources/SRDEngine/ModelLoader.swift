import Foundation

/// Makes models from names: classical scalers, safetensors files, or `random:` configurations.
public enum ModelLoader {
    /// Loads a model.
    ///
    /// - Parameters:
    ///   - nameOrPath: `nearest`, `bilinear`, `bicubic`, `lanczos`; a path to a `.safetensors`
    ///     file (architecture and scale from its metadata); or `random:<config>[,key=value...]`
    ///     (see `randomConfigurations`; keys override hyper-parameters, `seed=N` picks the weights).
    ///   - scale: required for classical scalers and random models (random: default 2); for a
    ///     file, nil or the file's scale (anything else is an error).
    public static func load(_ nameOrPath: String, scale: Int?) throws -> SuperResolutionModel {
        if let kernel = ClassicalScaler.names[nameOrPath.lowercased()] {
            guard let scale, scale >= 1 else {
                throw EngineError(.scaleMismatch, "\(nameOrPath) needs a scale (e.g. 2, 3 or 4)")
            }
            return ClassicalScaler(kernel: kernel, scale: scale)
        }
        if nameOrPath.hasPrefix("random:") {
            let spec = String(nameOrPath.dropFirst("random:".count))
            let parts = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let config = parts.first, !config.isEmpty else { throw EngineError(.unknownModel, "'\(nameOrPath)' names no configuration") }
            var overrides: [String: HyperValue] = [:]
            var seed: UInt64 = 0
            for kv in parts.dropFirst() {
                let pair = kv.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw EngineError(.unknownModel, "'\(kv)' in '\(nameOrPath)' is not key=value") }
                if pair[0] == "seed" {
                    guard let s = UInt64(pair[1]) else { throw EngineError(.unknownModel, "seed '\(pair[1])' is not an integer") }
                    seed = s
                } else {
                    overrides[pair[0]] = HyperValue(parsing: pair[1])
                }
            }
            return try randomModel(config, scale: scale ?? 2, seed: seed, overrides: overrides)
        }
        let url = URL(fileURLWithPath: nameOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = (ClassicalScaler.names.keys.sorted() + randomConfigurations.keys.sorted().map { "random:" + $0 })
            throw EngineError(.unknownModel, "'\(nameOrPath)' is not a file, a classical scaler or a random configuration (known: \(known.joined(separator: ", ")))")
        }
        return try load(url: url, scale: scale)
    }

    /// Loads a safetensors file; its stem becomes the model name.
    public static func load(url: URL, scale: Int? = nil) throws -> NetworkModel {
        let file = try SafeTensors.read(url)
        return try load(file: file, name: url.deletingPathExtension().lastPathComponent, scale: scale)
    }

    /// Builds a model from parsed tensors and metadata.
    public static func load(file: SafeTensors.File, name: String, scale: Int? = nil) throws -> NetworkModel {
        let d = try ModelDescription(metadata: file.metadata, name: name)
        if Architectures.isTrainingOnly(d.arch) {
            throw EngineError(.unknownArchitecture, "\(name) is a \(d.arch), a training-time network, not a super-resolution model")
        }
        if let scale, scale != d.scale {
            throw EngineError(.scaleMismatch, "\(name) is a x\(d.scale) model; x\(scale) was asked for")
        }
        return try build(d, tensors: file.tensors)
    }

    /// Builds a model from a description and its tensors (validated first).
    public static func build(_ d: ModelDescription, tensors: [String: Tensor], defaultTileSize: Int? = TiledExecutor.defaultTileSize) throws -> NetworkModel {
        guard let arch = Architectures.named(d.arch) else {
            throw EngineError(.unknownArchitecture, "\(d.name): unknown arch '\(d.arch)' (known: \(Architectures.all.map { $0.name }.joined(separator: ", ")))")
        }
        let specs = try arch.parameters(for: d)
        try validate(tensors, against: specs, model: d.name)
        let params = Parameters(tensors)
        let program = try arch.build(d, params)
        return NetworkModel(description: d, program: program, parameters: params, defaultTileSize: defaultTileSize)
    }

    /// Checks that `tensors` holds exactly the specified names with accepted shapes; the error
    /// names the key and both shapes.
    public static func validate(_ tensors: [String: Tensor], against specs: [ParameterSpec], model: String) throws {
        for s in specs {
            guard let t = tensors[s.name] else {
                throw EngineError(.missingTensor, "\(model): tensor '\(s.name)' (shape \(s.shapes[0])) is missing")
            }
            guard s.shapes.contains(t.shape) else {
                let e = EngineError.shapeMismatch(key: s.name, expected: s.shapes, found: t.shape)
                throw EngineError(.shapeMismatch, "\(model): \(e.message)")
            }
        }
        let expected = Set(specs.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw EngineError(.unexpectedTensor, "\(model): tensor '\(extra)' \(tensors[extra]!.shape) is not used by this architecture")
        }
    }

    // MARK: Random weights

    /// Named configurations for `random:<name>` (architecture, colour, input, hyper-parameters).
    public static let randomConfigurations: [String: (arch: String, color: ColorMode, input: InputKind, hyperparameters: [String: HyperValue])] = [
        "edsr-baseline": ("EDSR", .rgb, .lr, ["n_resblocks": .number(16), "n_feats": .number(64), "res_scale": .number(1)]),
        "edsr": ("EDSR", .rgb, .lr, ["n_resblocks": .number(32), "n_feats": .number(256), "res_scale": .number(0.1)]),
        "srresnet": ("SRResNet", .rgb, .lr, ["num_feat": .number(64), "num_res_blocks": .number(16)]),
        "srgan": ("SRGAN-Generator", .rgb, .lr, ["num_feat": .number(64), "num_res_blocks": .number(5)]),
        "unet": ("SR-U-Net", .rgb, .lr, ["num_feat": .number(32), "depth": .number(2)]),
        "srcnn": ("SRCNN", .y(.bt601), .bicubicUpscaled, ["f1": .number(9), "f2": .number(5), "f3": .number(5), "n1": .number(64), "n2": .number(32)]),
        "fsrcnn": ("FSRCNN", .y(.bt601), .lr, ["d": .number(56), "s": .number(12), "m": .number(4)]),
        "fsrcnn-subpixel": ("FSRCNN-subpixel", .y(.jpeg), .lr, ["d": .number(56), "s": .number(12), "m": .number(4)]),
        "espcn": ("ESPCN", .y(.jpeg), .lr, ["n1": .number(64), "n2": .number(32)]),
        "srvgg": ("SRVGGNetCompact", .rgb, .lr, ["num_feat": .number(64), "num_conv": .number(16), "act_type": .string("prelu")]),
    ]

    /// The description of a named random configuration with `overrides` applied.
    public static func randomDescription(_ config: String, scale: Int, overrides: [String: HyperValue] = [:]) throws -> ModelDescription {
        guard let c = randomConfigurations[config.lowercased()] else {
            throw EngineError(.unknownModel, "unknown random configuration '\(config)' (known: \(randomConfigurations.keys.sorted().joined(separator: ", ")))")
        }
        var hp = c.hyperparameters
        for (k, v) in overrides { hp[k] = v }
        if c.arch == "SRVGGNetCompact" { hp["upscale"] = .number(Double(scale)) }
        return ModelDescription(name: "random-\(config)-x\(scale)", arch: c.arch, scale: scale, color: c.color, input: c.input, hyperparameters: hp)
    }

    /// Seeded random tensors for every parameter of a description.
    public static func randomParameters(for d: ModelDescription, seed: UInt64) throws -> [String: Tensor] {
        guard let arch = Architectures.named(d.arch) else { throw EngineError(.unknownArchitecture, "unknown arch '\(d.arch)'") }
        var rng = SeededRandom(seed: seed)
        var out: [String: Tensor] = [:]
        for s in try arch.parameters(for: d) {
            let shape = s.shapes[0]
            let range: ClosedRange<Float>
            switch s.initializer {
            case .uniform(let fanIn):
                let bound = 1 / Float(max(fanIn, 1)).squareRoot()
                range = -bound...bound
            case .preluSlope: range = 0.15...0.35
            case .bnWeight: range = 0.8...1.2
            case .bnBias, .bnMean: range = -0.1...0.1
            case .bnVar: range = 0.5...1.5
            }
            out[s.name] = Tensor.random(shape: shape, in: range, using: &rng)
        }
        return out
    }

    /// A model with seeded random weights for a named configuration (benchmarks, tiling tests).
    public static func randomModel(_ config: String, scale: Int, seed: UInt64 = 0, overrides: [String: HyperValue] = [:]) throws -> NetworkModel {
        let d = try randomDescription(config, scale: scale, overrides: overrides)
        return try build(d, tensors: randomParameters(for: d, seed: seed))
    }
}
