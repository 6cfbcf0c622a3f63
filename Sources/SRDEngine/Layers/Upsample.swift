/// Integer-factor upsampling, PyTorch `F.interpolate` semantics.
///
/// * `.nearest`: out[y, x] = in[y / r, x / r] (each input sample copied into an r x r block).
/// * `.bilinear` (align_corners = false): src = (dst + 0.5) / r - 0.5, clamped below at 0, the two
///   neighbours interpolated, the upper one clamped to the edge.
public struct Upsample: Layer {
    public enum Mode: String, Sendable { case nearest, bilinear }

    public let factor: Int
    public let mode: Mode

    public init(factor: Int, mode: Mode) {
        precondition(factor >= 1)
        self.factor = factor
        self.mode = mode
    }

    public func outputShape(for input: Shape3) -> Shape3 { Shape3(input.c, input.h * factor, input.w * factor) }

    public var geometry: LayerGeometry { LayerGeometry(reach: 1, upscale: factor) }

    /// Source index pair and weight of the upper neighbour for output index `o` along an axis of length n.
    @inline(__always) func taps(_ o: Int, _ n: Int) -> (Int, Int, Float) {
        var src = (Float(o) + 0.5) / Float(factor) - 0.5
        if src < 0 { src = 0 }
        let i0 = min(Int(src), n - 1)
        let i1 = min(i0 + 1, n - 1)
        return (i0, i1, src - Float(i0))
    }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let s = input.shape, o = outputShape(for: s), r = factor
        precondition(output.shape == o && input.pointer != output.pointer)
        switch mode {
        case .nearest:
            for c in 0..<s.c {
                let src = input.channel(c), dst = output.channel(c)
                for y in 0..<o.h {
                    let srow = src + (y / r) * s.w, drow = dst + y * o.w
                    for x in 0..<s.w {
                        let v = srow[x]
                        for j in 0..<r { drow[x * r + j] = v }
                    }
                }
            }
        case .bilinear:
            let xt = (0..<o.w).map { taps($0, s.w) }
            for c in 0..<s.c {
                let src = input.channel(c), dst = output.channel(c)
                for y in 0..<o.h {
                    let (y0, y1, ly) = taps(y, s.h)
                    let r0 = src + y0 * s.w, r1 = src + y1 * s.w, drow = dst + y * o.w
                    for x in 0..<o.w {
                        let (x0, x1, lx) = xt[x]
                        let top = r0[x0] + (r0[x1] - r0[x0]) * lx
                        let bot = r1[x0] + (r1[x1] - r1[x0]) * lx
                        drow[x] = top + (bot - top) * ly
                    }
                }
            }
        }
    }

    /// Naive reference (double precision, PyTorch's formula with the (1 - l), l weights).
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s)
        var y = Tensor(shape: [o.c, o.h, o.w])
        func src(_ d: Int, _ n: Int) -> (Int, Int, Double) {
            let v = max((Double(d) + 0.5) / Double(factor) - 0.5, 0)
            let i0 = min(Int(v.rounded(.down)), n - 1)
            return (i0, min(i0 + 1, n - 1), v - Double(i0))
        }
        for c in 0..<o.c {
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    let v: Double
                    if mode == .nearest {
                        v = Double(x.data[(c * s.h + oy / factor) * s.w + ox / factor])
                    } else {
                        let (y0, y1, ly) = src(oy, s.h), (x0, x1, lx) = src(ox, s.w)
                        func at(_ yy: Int, _ xx: Int) -> Double { Double(x.data[(c * s.h + yy) * s.w + xx]) }
                        v = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1))
                    }
                    y.data[(c * o.h + oy) * o.w + ox] = Float(v)
                }
            }
        }
        return y
    }
}
