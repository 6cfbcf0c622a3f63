/// How a random weight is drawn (PyTorch's default initialisers, roughly), for benchmarks and tests.
public enum ParameterInit: Sendable, Equatable {
    /// Uniform in +-1/sqrt(fanIn) (convolution weights and biases).
    case uniform(fanIn: Int)
    /// PReLU slopes around 0.25.
    case preluSlope
    /// Batch-norm weight, bias, running mean, running variance.
    case bnWeight, bnBias, bnMean, bnVar
}

/// One tensor an architecture expects: its PyTorch name and the shapes it accepts.
public struct ParameterSpec: Sendable, Equatable {
    public let name: String
    /// Accepted shapes; the first is the one random weights use.
    public let shapes: [[Int]]
    public let initializer: ParameterInit

    public init(_ name: String, _ shapes: [[Int]], _ initializer: ParameterInit) {
        self.name = name
        self.shapes = shapes
        self.initializer = initializer
    }
}

/// A network family: the tensors it needs for a description, and how to build its program.
public protocol Architecture {
    /// The `arch` metadata value.
    static var name: String { get }
    /// Every tensor the description needs, in execution order.
    static func parameters(for d: ModelDescription) throws -> [ParameterSpec]
    /// Builds the program from validated tensors (`parameters` checked them all).
    static func build(_ d: ModelDescription, _ p: Parameters) throws -> Program
}

/// Validated tensors by name, with helpers that make layers from PyTorch-named groups.
public struct Parameters: Sendable {
    public let tensors: [String: Tensor]

    public init(_ tensors: [String: Tensor]) { self.tensors = tensors }

    public subscript(_ name: String) -> Tensor {
        guard let t = tensors[name] else { preconditionFailure("tensor '\(name)' was not validated") }
        return t
    }

    /// `<prefix>.weight` [O, I, kh, kw] and `<prefix>.bias` [O] as a 'same' convolution.
    public func conv(_ prefix: String, padding: PaddingMode = .zeros) -> Conv2D {
        Conv2D(weight: self[prefix + ".weight"], bias: tensors[prefix + ".bias"], paddingMode: padding)
    }

    /// `<prefix>.weight` as PReLU slopes.
    public func prelu(_ prefix: String) -> PReLU { PReLU(slopes: self[prefix + ".weight"]) }

    /// `<prefix>.{weight, bias, running_mean, running_var}` as a batch norm.
    public func batchNorm(_ prefix: String, eps: Float = 1e-5) -> BatchNorm2D {
        BatchNorm2D(weight: self[prefix + ".weight"], bias: self[prefix + ".bias"],
                    runningMean: self[prefix + ".running_mean"], runningVar: self[prefix + ".running_var"], eps: eps)
    }
}

/// Spec helpers shared by the architectures.
enum Spec {
    /// Conv weight [o, i, k, k] and bias [o].
    static func conv(_ name: String, _ o: Int, _ i: Int, _ k: Int, bias: Bool = true) -> [ParameterSpec] {
        var s = [ParameterSpec(name + ".weight", [[o, i, k, k]], .uniform(fanIn: i * k * k))]
        if bias { s.append(ParameterSpec(name + ".bias", [[o]], .uniform(fanIn: i * k * k))) }
        return s
    }

    /// PReLU weight: per channel [c] or shared [1]; `shared` picks the shape random weights use.
    static func prelu(_ name: String, _ c: Int, shared: Bool) -> [ParameterSpec] {
        let shapes = c == 1 ? [[1]] : (shared ? [[1], [c]] : [[c], [1]])
        return [ParameterSpec(name + ".weight", shapes, .preluSlope)]
    }

    static func batchNorm(_ name: String, _ c: Int) -> [ParameterSpec] {
        [ParameterSpec(name + ".weight", [[c]], .bnWeight), ParameterSpec(name + ".bias", [[c]], .bnBias),
         ParameterSpec(name + ".running_mean", [[c]], .bnMean), ParameterSpec(name + ".running_var", [[c]], .bnVar)]
    }

    /// The sub-pixel upsampler stages for a scale: [2, 2] for x4, [3] for x3, [2] for x2.
    static func subPixelStages(_ d: ModelDescription) throws -> [Int] {
        var s = d.scale, stages: [Int] = []
        if s == 3 { return [3] }
        while s > 1 && s % 2 == 0 {
            stages.append(2)
            s /= 2
        }
        guard s == 1 else { throw d.invalid("sub-pixel upsampling supports scales 2^n and 3, not \(d.scale)") }
        return stages
    }
}

/// Every architecture the engine runs, by `arch` metadata value.
public enum Architectures {
    public static let all: [any Architecture.Type] = [
        SRCNN.self, FSRCNN.self, FSRCNNSubpixel.self, ESPCN.self, SRVGGNetCompact.self,
        SRGANGenerator.self, EDSR.self, SRResNet.self, SRUNet.self, SRDFast.self,
    ]

    /// Networks that only exist for training (a GAN's discriminator): trainable, never loaded
    /// as a super-resolution model.
    public static let trainingOnly: [any Architecture.Type] = [PatchDiscriminator.self]

    public static func named(_ arch: String) -> (any Architecture.Type)? {
        (all + trainingOnly).first { $0.name.lowercased() == arch.lowercased() }
    }

    public static func isTrainingOnly(_ arch: String) -> Bool {
        trainingOnly.contains { $0.name.lowercased() == arch.lowercased() }
    }
}
