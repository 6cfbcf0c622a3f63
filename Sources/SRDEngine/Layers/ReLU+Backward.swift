/// dy/dx = 1 for x > 0, else 0 (PyTorch's choice at 0).
extension ReLU: PointwiseDerivative {
    @inline(__always) func derivative(x: Float, y: Float, channel: Int) -> Float { x > 0 ? 1 : 0 }
}
