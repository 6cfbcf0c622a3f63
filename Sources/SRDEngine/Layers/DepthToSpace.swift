/// Sub-pixel rearrangement in TensorFlow's channel order (`tf.nn.depth_to_space`, NHWC, DCR):
///
///     out[c, r*h + i, r*w + j] = in[(i*r + j)*C + c, h, w]
///
/// Differs from `PixelShuffle` whenever C > 1; converters that keep a TF model's channel order
/// use this layer instead of permuting weights.
public struct DepthToSpace: Layer {
    public let factor: Int

    public init(_ factor: Int) {
        precondition(factor >= 1)
        self.factor = factor
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c % (factor * factor) == 0, "DepthToSpace(\(factor)) needs channels divisible by \(factor * factor), got \(input)")
        return Shape3(input.c / (factor * factor), input.h * factor, input.w * factor)
    }

    public var geometry: LayerGeometry { LayerGeometry(reach: 0, upscale: factor) }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let o = outputShape(for: input.shape)
        precondition(output.shape == o && input.pointer != output.pointer)
        let r = factor, h = input.shape.h, w = input.shape.w
        for c in 0..<o.c {
            for i in 0..<r {
                for j in 0..<r {
                    let src = input.channel((i * r + j) * o.c + c)
                    let dst = output.channel(c)
                    for y in 0..<h {
                        let s = src + y * w
                        let d = dst + (r * y + i) * o.w + j
                        for x in 0..<w { d[r * x] = s[x] }
                    }
                }
            }
        }
    }

    /// Naive reference from the defining formula.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s), r = factor
        var y = Tensor(shape: [o.c, o.h, o.w])
        for c in 0..<o.c {
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    let ic = ((oy % r) * r + (ox % r)) * o.c + c
                    y.data[(c * o.h + oy) * o.w + ox] = x.data[(ic * s.h + oy / r) * s.w + ox / r]
                }
            }
        }
        return y
    }
}
