/// y = scale * x + shift, per sample: input/output range changes such as the SRGAN generator's
/// (tanh + 1) / 2, or EDSR's 0...1 to 0...255.
public struct Affine: PointwiseLayer {
    public let scale: Float
    public let shift: Float

    public init(scale: Float, shift: Float = 0) {
        self.scale = scale
        self.shift = shift
    }

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        for i in 0..<count { y[i] = x[i] * scale + shift }
    }

    /// Naive reference.
    public func referenceForward(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { $0 * scale + shift })
    }
}
