/// One layer of a network: a pure function of one feature map, with its weights inside.
///
/// Layers are values (weights are copy-on-write arrays), shared read-only by all runners of a
/// model. `forward` writes into a preallocated output view and may use the workspace's scratch
/// areas; it never allocates once the workspace is warm.
///
/// Layers that train have, beside each `forward` (in `<Layer>+Backward.swift`), a
/// `backward(input:, output:, outputGradient:, into inputGradient:, parameterGradients:, workspace:)`;
/// the `Program` keeps every activation alive when run for training, so
/// backward passes get the forward inputs they need. Every fast kernel keeps a naive
/// `referenceForward` beside it, which the tests compare against.
public protocol Layer: Sendable {
    /// The output shape for an input of `input` (a precondition fails on an input the layer cannot take).
    func outputShape(for input: Shape3) -> Shape3
    /// Computes `output` from `input`. `output` has `outputShape(for: input.shape)`.
    /// For element-wise layers `output` may be `input` (in place).
    func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace)
    /// True when output sample i depends only on input sample i (the layer may run in place).
    var isElementwise: Bool { get }
    /// Spatial reach and size ratio, for tiling margins and alignment.
    var geometry: LayerGeometry { get }
    /// Multiply-accumulates for one forward pass on `input` (0 for layers that do not multiply weights).
    func multiplyAccumulates(for input: Shape3) -> Double
}

/// How a layer relates output positions to input positions, for tiled inference.
public struct LayerGeometry: Sendable, Equatable {
    /// How far (in input pixels) an output sample can look from its input position.
    public var reach: Int
    /// Output size / input size, as numerator / denominator (2/1 for a x2 shuffle, 1/2 for a pool).
    public var upscale: Int
    public var downscale: Int

    public init(reach: Int, upscale: Int = 1, downscale: Int = 1) {
        self.reach = reach
        self.upscale = upscale
        self.downscale = downscale
    }

    /// Element-wise layers: no reach, same size.
    public static let pointwise = LayerGeometry(reach: 0)
}

extension Layer {
    public var isElementwise: Bool { false }
    public var geometry: LayerGeometry { .pointwise }
    public func multiplyAccumulates(for input: Shape3) -> Double { 0 }

    /// Runs the layer on a tensor `[C, H, W]` or `[1, C, H, W]` with a fresh workspace (tests, tools).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let ws = Workspace()
        let inShape = x.shape3
        let outShape = outputShape(for: inShape)
        let inPtr = ws.buffer(0, count: inShape.count)
        x.data.withUnsafeBufferPointer { inPtr.update(from: $0.baseAddress!, count: inShape.count) }
        let outPtr = ws.buffer(1, count: outShape.count)
        forward(FeatureMap(inPtr, inShape), into: FeatureMap(outPtr, outShape), workspace: ws)
        return FeatureMap(outPtr, outShape).toTensor()
    }
}

/// Element-wise activation applied sample by sample (ReLU, tanh, ...).
public protocol PointwiseLayer: Layer {
    /// Applies the function to `count` samples of channel `c`, in place allowed.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int)
}

extension PointwiseLayer {
    public var isElementwise: Bool { true }
    public func outputShape(for input: Shape3) -> Shape3 { input }
    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        precondition(input.shape == output.shape, "\(Self.self): output \(output.shape) for input \(input.shape)")
        let n = input.shape.plane
        for c in 0..<input.shape.c {
            apply(input.channel(c), output.channel(c), count: n, channel: c)
        }
    }
}
