/// y = x for x >= 0, slope * x otherwise (ESRGAN-family nets use slope 0.1 or 0.2).
public struct LeakyReLU: PointwiseLayer {
    public let slope: Float

    public init(slope: Float = 0.01) { self.slope = slope }

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let s = slope
        for i in 0..<count { let v = x[i]; y[i] = v >= 0 ? v : v * s }
    }

    /// Naive reference.
    public func referenceForward(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { $0 >= 0 ? $0 : $0 * slope })
    }
}
