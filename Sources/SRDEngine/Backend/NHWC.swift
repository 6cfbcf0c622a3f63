import Dispatch
import SRDKernelsDNNL

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

    /// Splits `count` items into `threads` contiguous ranges run concurrently (the plan's share
    /// of the cores); small counts run on the caller.
    static func parallel(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let parts = count < 1 << 14 ? 1 : max(1, threads)
        if parts == 1 { body(0, count); return }
        DispatchQueue.concurrentPerform(iterations: parts) { i in body(count * i / parts, count * (i + 1) / parts) }
    }

    /// out = a + alpha * b, elementwise (layout-free), in place allowed.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, alpha: Float, count: Int,
                    into out: UnsafeMutablePointer<Float>, threads: Int = 1) {
        parallel(count, threads: threads) { srd_add(a, b, alpha, out, $0, $1) }
    }

    /// PReLU with one slope per channel (or one shared), in place allowed.
    static func prelu(_ x: UnsafePointer<Float>, slopes: [Float], _ shape: Shape3, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        slopes.withUnsafeBufferPointer { s in
            parallel(shape.plane, threads: threads) {
                srd_nhwc_prelu(x, y, s.baseAddress, Int32(s.count), Int32(shape.c), $0, $1)
            }
        }
    }

    /// PReLU then u8 quantization (`scale`, `zero`) into `y`, for an int8 convolution's source.
    static func preluU8(_ x: UnsafePointer<Float>, slopes: [Float], _ shape: Shape3, scale: Float, zero: Int32,
                        into y: UnsafeMutablePointer<UInt8>, threads: Int = 1) {
        slopes.withUnsafeBufferPointer { s in
            parallel(shape.plane, threads: threads) {
                srd_nhwc_prelu_u8(x, y, s.baseAddress, Int32(s.count), Int32(shape.c), 1 / scale, Float(zero), $0, $1)
            }
        }
    }

    /// ReLU / LeakyReLU (slope 0 / slope), in place allowed.
    static func relu(_ x: UnsafePointer<Float>, slope: Float, count: Int, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        parallel(count, threads: threads) { srd_relu(x, y, slope, $0, $1) }
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

    /// `Pad2D` on NHWC: (H, W, C) -> (H + top + bottom, W + left + right, C), border by `mode`.
    static func pad(_ layer: Pad2D, _ src: UnsafePointer<Float>, _ input: Shape3, into dst: UnsafeMutablePointer<Float>) {
        let c = input.c, h = input.h, w = input.w, wp = w + layer.left + layer.right, hp = h + layer.top + layer.bottom
        for yp in 0..<hp {
            let row = dst + yp * wp * c
            let y = yp - layer.top
            if layer.mode == .zeros && (y < 0 || y >= h) { row.update(repeating: 0, count: wp * c); continue }
            let sr = src + min(max(y, 0), h - 1) * w * c
            for x in 0..<layer.left {
                if layer.mode == .zeros { (row + x * c).update(repeating: 0, count: c) } else { (row + x * c).update(from: sr, count: c) }
            }
            (row + layer.left * c).update(from: sr, count: w * c)
            for x in 0..<layer.right {
                let d = row + (layer.left + w + x) * c
                if layer.mode == .zeros { d.update(repeating: 0, count: c) } else { d.update(from: sr + (w - 1) * c, count: c) }
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
