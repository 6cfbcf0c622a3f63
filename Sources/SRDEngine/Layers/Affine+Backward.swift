/// dy/dx = scale.
extension Affine: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { scale }
}
