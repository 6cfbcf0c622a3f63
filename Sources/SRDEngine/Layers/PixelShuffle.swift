/// Sub-pixel rearrangement: r^2 C channels of h x w become C channels of rh x rw.
///
/// Two channel orders exist in the wild, and converters keep a model's own order instead of
/// permuting its weights:
///
///     .pytorch    (`nn.PixelShuffle`, CRD):         out[c, r*h + i, r*w + j] = in[c*r*r + i*r + j, h, w]
///     .tensorflow (`tf.nn.depth_to_space`, DCR):    out[c, r*h + i, r*w + j] = in[(i*r + j)*C + c, h, w]
///
/// The two agree when C = 1.
public struct PixelShuffle: Layer {
    public enum ChannelOrder: Sendable, Equatable { case pytorch, tensorflow }

    public let factor: Int
    public let order: ChannelOrder

    public init(_ factor: Int, order: ChannelOrder = .pytorch) {
        precondition(factor >= 1)
        self.factor = factor
        self.order = order
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c % (factor * factor) == 0, "PixelShuffle(\(factor)) needs channels divisible by \(factor * factor), got \(input)")
        return Shape3(input.c / (factor * factor), input.h * factor, input.w * factor)
    }

    public var geometry: LayerGeometry { LayerGeometry(reach: 0, upscale: factor) }

    /// The input channel that feeds output channel `c` at sub-pixel (i, j), of `channels` outputs.
    @inline(__always) func sourceChannel(_ c: Int, _ i: Int, _ j: Int, channels: Int) -> Int {
        let r = factor
        switch order {
        case .pytorch: return c * r * r + i * r + j
        case .tensorflow: return (i * r + j) * channels + c
        }
    }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let o = outputShape(for: input.shape)
        precondition(output.shape == o && input.pointer != output.pointer)
        let r = factor, h = input.shape.h, w = input.shape.w
        for c in 0..<o.c {
            for i in 0..<r {
                for j in 0..<r {
                    let src = input.channel(sourceChannel(c, i, j, channels: o.c))
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

    /// Naive reference, one output sample at a time from the defining formulas above.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s), r = factor
        var y = Tensor(shape: [o.c, o.h, o.w])
        for c in 0..<o.c {
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    let k = (oy % r) * r + (ox % r)
                    let ic = order == .pytorch ? c * r * r + k : k * o.c + c
                    y.data[(c * o.h + oy) * o.w + ox] = x.data[(ic * s.h + oy / r) * s.w + ox / r]
                }
            }
        }
        return y
    }
}
