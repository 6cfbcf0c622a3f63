/// EDSR's RGB mean shift: y[c] = x[c] + sign * range * mean[c] (subtract before the body, add after).
///
/// EDSR stores this as a fixed 1x1 convolution (`sub_mean`, `add_mean`); with a standard deviation
/// of 1 that convolution is exactly this per-channel offset, so weight files carry no tensors for
/// it, only the mean and range in `hyperparameters`.
public struct MeanShift: PointwiseLayer {
    /// Per-channel mean of the training set in 0...1 (EDSR/DIV2K: 0.4488, 0.4371, 0.4040).
    public let mean: [Float]
    /// Input range the network was trained on (EDSR: 255).
    public let range: Float
    /// -1 subtracts the mean, +1 adds it back.
    public let sign: Float

    public static let div2kMean: [Float] = [0.4488, 0.4371, 0.4040]

    public init(mean: [Float] = MeanShift.div2kMean, range: Float, sign: Float) {
        self.mean = mean
        self.range = range
        self.sign = sign
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c == mean.count, "MeanShift with \(mean.count) means on \(input)")
        return input
    }

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let offset = sign * range * mean[channel]
        for i in 0..<count { y[i] = x[i] + offset }
    }

    /// Naive reference.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3
        var y = x
        for c in 0..<s.c { for j in 0..<s.plane { y.data[c * s.plane + j] += sign * range * mean[c] } }
        return y
    }
}
