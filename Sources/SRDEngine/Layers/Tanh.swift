import Foundation

/// y = tanh(x) (ESPCN's exported output, the SRGAN generator's output before rescaling).
public struct Tanh: PointwiseLayer {
    public init() {}

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        for i in 0..<count { y[i] = tanhf(x[i]) }
    }

    /// Naive reference (in double precision).
    public func referenceForward(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { Float(Foundation.tanh(Double($0))) })
    }
}
