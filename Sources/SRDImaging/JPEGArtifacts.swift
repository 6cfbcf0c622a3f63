import Foundation

/// What a baseline JPEG encode and decode does to an image, without writing a file.
///
/// Training for real-world footage needs inputs with compression artefacts (blocking, ringing,
/// smeared chroma). Only JPEG's lossy steps change pixels; its entropy coding is lossless. So
/// this runs exactly those steps as libjpeg does with its defaults (what Pillow, ffmpeg's mjpeg
/// and most cameras produce): 8-bit JFIF YCbCr, 4:2:0 chroma by 2x2 averaging, 8x8 blocks with
/// edge replication, the DCT, the standard (Annex K) quantisation tables scaled by `quality`
/// the way libjpeg's `jpeg_set_quality` scales them, and on decode the inverse DCT, libjpeg's
/// "fancy" (triangle) chroma upsampling and rounding back to 8-bit RGB.
/// `JPEGArtifactsTests` checks the result against Pillow/libjpeg-turbo on a real image.
public enum JPEGArtifacts {
    /// The Annex K luminance table, in natural (row-major) order.
    static let luminanceTable: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    /// The Annex K chrominance table.
    static let chrominanceTable: [Int] = [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// libjpeg's `jpeg_quality_scaling` + `jpeg_add_quant_table` (baseline: entries 1...255).
    static func table(_ base: [Int], quality: Int) -> [Float] {
        let q = min(max(quality, 1), 100)
        let scale = q < 50 ? 5000 / q : 200 - 2 * q
        return base.map { Float(min(max((($0 * scale) + 50) / 100, 1), 255)) }
    }

    /// The image after a JPEG round trip at `quality` (1...100, libjpeg's scale).
    /// - Parameter rgb: 3 planes in 0...1 (rounded to 8 bits first, as a JPEG encoder sees them).
    /// - Returns: 3 planes in 0...1, on the 8-bit grid.
    public static func roundTrip(_ rgb: PlanarImage, quality: Int) -> PlanarImage {
        precondition(rgb.channels == 3, "JPEG artefacts are made on RGB images")
        let w = rgb.width, h = rgb.height, n = w * h
        var y = [Float](repeating: 0, count: n), cb = y, cr = y
        for i in 0..<n {
            let r = (rgb.data[i] * 255).rounded().clamped(0, 255)
            let g = (rgb.data[n + i] * 255).rounded().clamped(0, 255)
            let b = (rgb.data[2 * n + i] * 255).rounded().clamped(0, 255)
            y[i] = (0.299 * r + 0.587 * g + 0.114 * b).rounded()
            cb[i] = (-0.168736 * r - 0.331264 * g + 0.5 * b + 128).rounded().clamped(0, 255)
            cr[i] = (0.5 * r - 0.418688 * g - 0.081312 * b + 128).rounded().clamped(0, 255)
        }
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        let lumaQ = table(luminanceTable, quality: quality), chromaQ = table(chrominanceTable, quality: quality)
        let yOut = codePlane(y, w, h, lumaQ)
        let cbOut = upsample(codePlane(downsample(cb, w, h), cw, ch, chromaQ), cw, ch, w, h)
        let crOut = upsample(codePlane(downsample(cr, w, h), cw, ch, chromaQ), cw, ch, w, h)
        var out = rgb
        for i in 0..<n {
            let yy = yOut[i], u = cbOut[i] - 128, v = crOut[i] - 128
            out.data[i] = (yy + 1.402 * v).rounded().clamped(0, 255) / 255
            out.data[n + i] = (yy - 0.344136 * u - 0.714136 * v).rounded().clamped(0, 255) / 255
            out.data[2 * n + i] = (yy + 1.772 * u).rounded().clamped(0, 255) / 255
        }
        return out
    }

    /// 4:2:0: each chroma sample is the mean of a 2x2 block (edges replicated), libjpeg's
    /// h2v2 downsampling (its alternating +1/+2 rounding bias averages out to this).
    static func downsample(_ p: [Float], _ w: Int, _ h: Int) -> [Float] {
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        var out = [Float](repeating: 0, count: cw * ch)
        for y in 0..<ch {
            let y0 = 2 * y, y1 = min(2 * y + 1, h - 1)
            for x in 0..<cw {
                let x0 = 2 * x, x1 = min(2 * x + 1, w - 1)
                out[y * cw + x] = ((p[y0 * w + x0] + p[y0 * w + x1] + p[y1 * w + x0] + p[y1 * w + x1]) / 4).rounded()
            }
        }
        return out
    }

    /// libjpeg's "fancy" h2v2 upsampling: each output sample is 3/4 nearer + 1/4 farther
    /// chroma sample in each direction (a triangle filter), edges replicated.
    static func upsample(_ p: [Float], _ cw: Int, _ ch: Int, _ w: Int, _ h: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let cy = y / 2, ny = y % 2 == 0 ? max(cy - 1, 0) : min(cy + 1, ch - 1)
            for x in 0..<w {
                let cx = x / 2, nx = x % 2 == 0 ? max(cx - 1, 0) : min(cx + 1, cw - 1)
                let near = 3 * p[cy * cw + cx] + p[ny * cw + cx]
                let far = 3 * p[cy * cw + nx] + p[ny * cw + nx]
                out[y * w + x] = ((3 * near + far) / 16).rounded()
            }
        }
        return out
    }

    /// DCT-II basis: c[u][x] = s(u) cos((2x + 1) u pi / 16).
    static let basis: [Float] = (0..<64).map { k in
        let u = k / 8, x = k % 8
        let s = u == 0 ? (1 / 8).squareRoot() : (2.0 / 8).squareRoot()
        return Float(s * cos(Double(2 * x + 1) * Double(u) * .pi / 16))
    }

    /// Encodes and decodes one plane (0...255) in 8x8 blocks with the quantisation table `q`.
    static func codePlane(_ p: [Float], _ w: Int, _ h: Int, _ q: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        var block = [Float](repeating: 0, count: 64), tmp = block, coef = block
        for by in stride(from: 0, to: h, by: 8) {
            for bx in stride(from: 0, to: w, by: 8) {
                for i in 0..<8 {
                    let yy = min(by + i, h - 1)
                    for j in 0..<8 { block[i * 8 + j] = p[yy * w + min(bx + j, w - 1)] - 128 }
                }
                transform(block, into: &coef, tmp: &tmp, inverse: false)
                for k in 0..<64 { coef[k] = (coef[k] / q[k]).rounded() * q[k] }
                transform(coef, into: &block, tmp: &tmp, inverse: true)
                for i in 0..<8 where by + i < h {
                    for j in 0..<8 where bx + j < w {
                        out[(by + i) * w + bx + j] = (block[i * 8 + j] + 128).rounded().clamped(0, 255)
                    }
                }
            }
        }
        return out
    }

    /// Separable 8x8 orthonormal DCT (or its inverse): rows, then columns.
    private static func transform(_ src: [Float], into dst: inout [Float], tmp: inout [Float], inverse: Bool) {
        for r in 0..<8 {
            for u in 0..<8 {
                var s: Float = 0
                for x in 0..<8 { s += src[r * 8 + x] * (inverse ? basis[x * 8 + u] : basis[u * 8 + x]) }
                tmp[r * 8 + u] = s
            }
        }
        for c in 0..<8 {
            for u in 0..<8 {
                var s: Float = 0
                for y in 0..<8 { s += tmp[y * 8 + c] * (inverse ? basis[y * 8 + u] : basis[u * 8 + y]) }
                dst[u * 8 + c] = s
            }
        }
    }
}

extension Float {
    @inline(__always) fileprivate func clamped(_ lo: Float, _ hi: Float) -> Float { Swift.min(Swift.max(self, lo), hi) }
}
