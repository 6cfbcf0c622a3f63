import Foundation

/// A model under training: its description, one flat vector of all parameters (in the
/// architecture's `parameters(for:)` order), and how each program step's layer maps onto it.
///
/// Training reuses the inference architectures unchanged: every step the `Program` is rebuilt
/// from the current tensors (a copy of the weights, negligible next to the convolutions), and
/// the layers with weights are matched to the parameter specs in execution order, checked by
/// size. So a trained file is loadable by `ModelLoader.load` by construction.
public struct TrainableNetwork {
    public let description: ModelDescription
    public let specs: [ParameterSpec]
    /// Start of each spec's values in `values`, and the total count at the end.
    public let offsets: [Int]
    /// All parameters, concatenated in spec order.
    public var values: [Float]
    /// Shape of each tensor (the spec's first accepted shape, or the shape loaded).
    public let shapes: [[Int]]

    public var parameterCount: Int { values.count }

    /// A network with parameters from `tensors` (e.g. a loaded file or `ModelLoader.randomParameters`).
    public init(description: ModelDescription, tensors: [String: Tensor]) throws {
        guard let arch = Architectures.named(description.arch) else {
            throw EngineError(.unknownArchitecture, "unknown arch '\(description.arch)'")
        }
        let specs = try arch.parameters(for: description)
        try ModelLoader.validate(tensors, against: specs, model: description.name)
        self.description = description
        self.specs = specs
        var offsets: [Int] = [], values: [Float] = [], shapes: [[Int]] = []
        for s in specs {
            offsets.append(values.count)
            values += tensors[s.name]!.data
            shapes.append(tensors[s.name]!.shape)
        }
        offsets.append(values.count)
        self.offsets = offsets
        self.values = values
        self.shapes = shapes
    }

    /// The current parameters as named tensors.
    public var tensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, s) in specs.enumerated() {
            out[s.name] = Tensor(shape: shapes[i], data: Array(values[offsets[i]..<offsets[i + 1]]))
        }
        return out
    }

    /// A model with the current parameters (for validation and export); `defaultTileSize` nil runs whole images.
    public func model(metadata: [String: String] = [:], defaultTileSize: Int? = TiledExecutor.defaultTileSize) throws -> NetworkModel {
        var d = description
        for (k, v) in metadata { d.extraMetadata[k] = v }
        return try ModelLoader.build(d, tensors: tensors, defaultTileSize: defaultTileSize)
    }

    /// The program for the current parameters and, per step, the spec indices its layer's
    /// `parameterSizes` correspond to (empty for parameter-free steps).
    func program() throws -> (Program, [[Int]]) {
        let model = try ModelLoader.build(description, tensors: tensors, defaultTileSize: nil)
        let program = model.program
        var bindings: [[Int]] = []
        var next = 0
        for step in program.steps {
            guard case .layer(let layer, _, _) = step else {
                bindings.append([])
                continue
            }
            guard let d = layer as? any DifferentiableLayer else {
                throw EngineError(.invalidMetadata, "\(description.arch): layer \(type(of: layer)) has no backward pass")
            }
            var ids: [Int] = []
            for size in d.parameterSizes {
                guard next < specs.count, offsets[next + 1] - offsets[next] == size else {
                    throw EngineError(.invalidMetadata, "\(description.arch): cannot match \(type(of: layer)) parameters (\(size) values) to spec #\(next)")
                }
                ids.append(next)
                next += 1
            }
            bindings.append(ids)
        }
        guard next == specs.count else {
            throw EngineError(.invalidMetadata, "\(description.arch): \(specs.count - next) parameter tensors are not used by any layer")
        }
        return (program, bindings)
    }
}
