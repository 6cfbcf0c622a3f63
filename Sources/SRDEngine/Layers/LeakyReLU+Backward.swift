/// dy/dx = 1 for x >= 0, else the slope (matching the forward's branch at 0).
extension LeakyReLU: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { x >= 0 ? 1 : slope }
}
