/// dy/dx = y (1 - y), from the stored output.
extension Sigmoid: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { y * (1 - y) }
}
