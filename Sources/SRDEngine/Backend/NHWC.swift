/// The channel-interleaved (NHWC, batch 1) layout the oneDNN backend keeps its activations in,
/// and the few non-convolution steps it runs on that layout directly.
///
///     nhwc[(y * W + x) * C + c] = nchw[(c * H + y) * W + x]
enum NHWC {
    /// NCHW -> NHWC (planar to interleaved), `shape` of the NCHW source.
    static func fromPlanar(_ src: UnsafePointer<Float>, _ shape: Shape3, into dst: UnsafeMutablePointer<Float>) {
        let c = shape.c, n = shape.plane
        if c == 1 { dst.update(from: src, count: n); return }
        for ch in 0..<c {
            let s = src + ch * n
            var d = dst + ch
            for i in 0..<n { d.pointee = s[i]; d += c }
        }
    }

    /// NHWC -> NCHW, `shape` of the planar result.
    static func toPlanar(_ src: UnsafePointer<Float>, _ shape: Shape3, into dst: UnsafeMutablePointer<Float>) {
        let c = shape.c, n = shape.plane
        if c == 1 { dst.update(from: src, count: n); return }
        for ch in 0..<c {
            let d = dst + ch * n
            var s = src + ch
            for i in 0..<n { d[i] = s.pointee; s += c }
        }
    }

    /// out = a + alpha * b, elementwise (layout-free).
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, alpha: Float, count: Int, into out: UnsafeMutablePointer<Float>) {
        if alpha == 1 {
            for i in 0..<count { out[i] = a[i] + b[i] }
        } else {
            for i in 0..<count { out[i] = a[i] + alpha * b[i] }
        }
    }

    /// PReLU with one slope per channel (or one shared), in place allowed.
    static func prelu(_ x: UnsafePointer<Float>, slopes: [Float], _ shape: Shape3, into y: UnsafeMutablePointer<Float>) {
        let c = shape.c, n = shape.plane
        slopes.withUnsafeBufferPointer { s in
            if s.count == 1 {
                let a = s[0]
                for i in 0..<(n * c) { let v = x[i]; y[i] = v > 0 ? v : a * v }
                return
            }
            for p in 0..<n {
                let o = p * c
                for ch in 0..<c { let v = x[o + ch]; y[o + ch] = v > 0 ? v : s[ch] * v }
            }
        }
    }

    /// ReLU / LeakyReLU (slope 0 / slope), in place allowed.
    static func relu(_ x: UnsafePointer<Float>, slope: Float, count: Int, into y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { let v = x[i]; y[i] = v > 0 ? v : slope * v }
    }

    /// `PixelShuffle` on NHWC: input (H, W, r^2 C) -> output (rH, rW, C).
    static func pixelShuffle(_ layer: PixelShuffle, _ src: UnsafePointer<Float>, _ input: Shape3, into dst: UnsafeMutablePointer<Float>) {
        let r = layer.factor, h = input.h, w = input.w, ic = input.c, oc = ic / (r * r), ow = w * r
        for y in 0..<h {
            for i in 0..<r {
                let row = dst + ((y * r + i) * ow) * oc
                for x in 0..<w {
                    let s = src + (y * w + x) * ic
                    for j in 0..<r {
                        let d = row + (x * r + j) * oc
                        for c in 0..<oc { d[c] = s[layer.sourceChannel(c, i, j, channels: oc)] }
                    }
                }
            }
        }
    }

    /// Channel concatenation on NHWC: each pixel's channels, input after input.
    static func concat(_ inputs: [(UnsafePointer<Float>, Int)], pixels: Int, into dst: UnsafeMutablePointer<Float>) {
        let total = inputs.reduce(0) { $0 + $1.1 }
        var offset = 0
        for (src, c) in inputs {
            for p in 0..<pixels { (dst + p * total + offset).update(from: src + p * c, count: c) }
            offset += c
        }
    }
}
