/// Batch normalisation in inference mode: y = (x - mean) / sqrt(var + eps) * weight + bias.
///
/// Models fold it into the preceding convolution at load (`Conv2D.folding(_:)`), so it costs
/// nothing per frame; the layer itself stays for training and for testing the fold.
public struct BatchNorm2D: PointwiseLayer {
    public let weight: [Float]
    public let bias: [Float]
    public let runningMean: [Float]
    public let runningVar: [Float]
    public let eps: Float

    public init(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, eps: Float = 1e-5) {
        let c = weight.count
        precondition(bias.count == c && runningMean.count == c && runningVar.count == c, "BatchNorm2D tensors differ in size")
        self.weight = weight.data
        self.bias = bias.data
        self.runningMean = runningMean.data
        self.runningVar = runningVar.data
        self.eps = eps
    }

    /// Per-channel (scale, shift) with y = scale * x + shift, computed in double precision.
    public var scaleAndShift: (scale: [Float], shift: [Float]) {
        var scale = [Float](), shift = [Float]()
        for c in 0..<weight.count {
            let s = Double(weight[c]) / (Double(runningVar[c]) + Double(eps)).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(bias[c]) - Double(runningMean[c]) * s))
        }
        return (scale, shift)
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c == weight.count, "BatchNorm2D(\(weight.count)) on \(input)")
        return input
    }

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let inv = 1 / (runningVar[channel] + eps).squareRoot()
        let m = runningMean[channel], w = weight[channel], b = bias[channel]
        for i in 0..<count { y[i] = (x[i] - m) * inv * w + b }
    }

    /// Naive reference (double precision).
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3
        var y = x
        for c in 0..<s.c {
            let inv = 1 / (Double(runningVar[c]) + Double(eps)).squareRoot()
            for j in 0..<s.plane {
                let v = (Double(x.data[c * s.plane + j]) - Double(runningMean[c])) * inv
                y.data[c * s.plane + j] = Float(v * Double(weight[c]) + Double(bias[c]))
            }
        }
        return y
    }
}

extension Conv2D {
    /// This convolution with `bn` applied to its output folded into its weights and bias:
    /// w' = w * g / sqrt(v + eps), b' = (b - mean) * g / sqrt(v + eps) + beta.
    public func folding(_ bn: BatchNorm2D) -> Conv2D {
        precondition(bn.weight.count == outChannels, "BatchNorm2D(\(bn.weight.count)) after a conv with \(outChannels) outputs")
        var c = self
        let (scale, shift) = bn.scaleAndShift
        c.scaleOutputs(by: scale, shift: shift)
        return c
    }
}
