/// Max pooling over k x k windows with a stride, no padding, floor mode (PyTorch `MaxPool2d(k, s)`).
public struct MaxPool2D: Layer {
    public let kernel: Int
    public let stride: Int

    public init(kernel: Int = 2, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        let h = (input.h - kernel) / stride + 1, w = (input.w - kernel) / stride + 1
        precondition(input.h >= kernel && input.w >= kernel, "MaxPool2D(\(kernel)) on \(input)")
        return Shape3(input.c, h, w)
    }

    public var geometry: LayerGeometry { LayerGeometry(reach: kernel - 1, downscale: stride) }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let o = outputShape(for: input.shape)
        precondition(output.shape == o && input.pointer != output.pointer)
        let w = input.shape.w
        for c in 0..<o.c {
            let src = input.channel(c), dst = output.channel(c)
            for y in 0..<o.h {
                for x in 0..<o.w {
                    var m = -Float.infinity
                    for a in 0..<kernel {
                        let row = src + (y * stride + a) * w + x * stride
                        for b in 0..<kernel { m = max(m, row[b]) }
                    }
                    dst[y * o.w + x] = m
                }
            }
        }
    }

    /// Naive reference.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s)
        var y = Tensor(shape: [o.c, o.h, o.w])
        for c in 0..<o.c {
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    var vals = [Float]()
                    for a in 0..<kernel {
                        for b in 0..<kernel { vals.append(x.data[(c * s.h + oy * stride + a) * s.w + ox * stride + b]) }
                    }
                    y.data[(c * o.h + oy) * o.w + ox] = vals.max()!
                }
            }
        }
        return y
    }
}
