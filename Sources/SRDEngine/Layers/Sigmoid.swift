import Foundation

/// y = 1 / (1 + exp(-x)).
public struct Sigmoid: PointwiseLayer {
    public init() {}

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
    }

    /// Naive reference (in double precision).
    public func referenceForward(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { Float(1 / (1 + Foundation.exp(-Double($0)))) })
    }
}
