/// Element-wise sum of two feature maps: out = a + alpha * b (alpha = EDSR's residual scale).
///
/// Two-input operations are not `Layer`s (which take one input); the `Program` calls them directly.
public struct Add: Sendable {
    public let alpha: Float

    public init(alpha: Float = 1) { self.alpha = alpha }

    /// `output` may alias `a` or `b`.
    public func forward(_ a: FeatureMap, _ b: FeatureMap, into output: FeatureMap) {
        precondition(a.shape == b.shape && output.shape == a.shape, "Add: \(a.shape) + \(b.shape) -> \(output.shape)")
        let n = a.shape.count, pa = a.pointer, pb = b.pointer, po = output.pointer
        if alpha == 1 {
            for i in 0..<n { po[i] = pa[i] + pb[i] }
        } else {
            let s = alpha
            for i in 0..<n { po[i] = pa[i] + s * pb[i] }
        }
    }

    /// Naive reference.
    public func referenceForward(_ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor(shape: a.shape, data: zip(a.data, b.data).map { $0 + alpha * $1 })
    }
}
