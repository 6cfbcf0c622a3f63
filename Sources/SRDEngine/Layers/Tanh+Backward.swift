/// dy/dx = 1 - y^2, from the stored output (no second tanh).
extension Tanh: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { 1 - y * y }
}
