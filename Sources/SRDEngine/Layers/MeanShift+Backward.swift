/// A constant offset: the gradient passes through unchanged.
extension MeanShift: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { 1 }
}
