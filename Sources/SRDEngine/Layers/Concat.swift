/// Concatenation along channels (U-Net skip connections): channel-major maps of equal height and
/// width, so each input is one contiguous block of the output.
public struct Concat: Sendable {
    public init() {}

    public func outputShape(for inputs: [Shape3]) -> Shape3 {
        let h = inputs[0].h, w = inputs[0].w
        precondition(inputs.allSatisfy { $0.h == h && $0.w == w }, "Concat of maps of different sizes: \(inputs)")
        return Shape3(inputs.reduce(0) { $0 + $1.c }, h, w)
    }

    public func forward(_ inputs: [FeatureMap], into output: FeatureMap) {
        precondition(output.shape == outputShape(for: inputs.map(\.shape)))
        var dst = output.pointer
        for x in inputs {
            precondition(x.pointer != output.pointer)
            dst.update(from: x.pointer, count: x.shape.count)
            dst += x.shape.count
        }
    }

    /// Naive reference.
    public func referenceForward(_ inputs: [Tensor]) -> Tensor {
        let s = outputShape(for: inputs.map(\.shape3))
        return Tensor(shape: [s.c, s.h, s.w], data: inputs.flatMap(\.data))
    }
}
