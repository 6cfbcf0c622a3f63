/// y = max(x, 0).
public struct ReLU: PointwiseLayer {
    public init() {}

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        for i in 0..<count { y[i] = max(x[i], 0) }
    }

    /// Naive reference.
    public func referenceForward(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { $0 > 0 ? $0 : 0 })
    }
}
