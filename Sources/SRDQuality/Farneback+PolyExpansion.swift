import Foundation

/// Farneback's polynomial expansion: every pixel's neighbourhood is fitted with
/// f(x, y) ~ r1 + r2 x + r3 y + r4 x^2 + r5 y^2 + r6 xy by Gaussian-weighted least squares
/// (applicability sigma `polySigma`, (2n+1)^2 neighbourhood, edges replicated). The fit is
/// separable, so it is two 1-D passes with the kernels g, x g and x^2 g, and the inverse of the
/// 6x6 normal matrix reduces to four numbers. The constant term is not needed and not stored.
struct PolyExpansion {
    let n: Int
    let g: [Float], xg: [Float], xxg: [Float]   // index k + n for k in -n...n
    let ig11: Double, ig03: Double, ig33: Double, ig55: Double

    init(n: Int, sigma: Double) {
        precondition(n >= 1)
        self.n = n
        let s = sigma < Double(Float.ulpOfOne) ? Double(n) * 0.3 : sigma
        var gd = (-n...n).map { x in exp(-Double(x * x) / (2 * s * s)) }
        let sum = gd.reduce(0, +)
        gd = gd.map { $0 / sum }
        let g = gd.map { Float($0) }
        self.g = g
        self.xg = (-n...n).map { Float($0) * g[$0 + n] }
        self.xxg = (-n...n).map { Float($0 * $0) * g[$0 + n] }

        // Normal matrix of the basis (1, x, y, x^2, y^2, xy) under the weights g(x) g(y).
        var g00 = 0.0, g11 = 0.0, g33 = 0.0, g55 = 0.0
        for y in -n...n {
            for x in -n...n {
                let w = Double(g[y + n] * g[x + n])
                let xx = Double(x * x), yy = Double(y * y)
                g00 += w
                g11 += w * xx
                g33 += w * xx * xx
                g55 += w * xx * yy
            }
        }
        // Blocks: (x), (y) and (xy) are diagonal; (1, x^2, y^2) is [[g00, g11, g11], [g11, g33, g55], [g11, g55, g33]].
        let a = g00, b = g11, c = g33, d = g55
        let det = a * (c * c - d * d) - b * (b * c - b * d) + b * (b * d - c * b)
        self.ig11 = 1 / g11
        self.ig55 = 1 / g55
        self.ig03 = (b * d - b * c) / det           // cofactor (0,1) of the 3x3 block
        self.ig33 = (a * c - b * b) / det           // cofactor (1,1)
    }

    /// Coefficients (y, x, yy, xx, xy) per pixel, interleaved: (height, width, 5).
    func expand(_ img: FloatImage) -> [Float] {
        let w = img.width, h = img.height
        var dst = [Float](repeating: 0, count: w * h * 5)
        img.data.withUnsafeBufferPointer { src in
            dst.withUnsafeMutableBufferPointer { out in
                Parallel.rows(h, costPerRow: w * (2 * n + 1) * 9) { range in
                    // vertical sums for one row: (sum g, sum x g (odd in y), sum x^2 g) per pixel,
                    // padded by n pixels each side
                    var row = [Float](repeating: 0, count: (w + 2 * n) * 3)
                    row.withUnsafeMutableBufferPointer { rowBuf in
                        let r = rowBuf.baseAddress! + n * 3
                        for y in range { expandRow(y, src, w, h, r, out) }
                    }
                }
            }
        }
        return dst
    }

    private func expandRow(_ y: Int, _ src: UnsafeBufferPointer<Float>, _ w: Int, _ h: Int,
                           _ r: UnsafeMutablePointer<Float>, _ out: UnsafeMutableBufferPointer<Float>) {
        let s0 = y * w
        let g0f = g[n]
        for x in 0..<w {
            r[x * 3] = src[s0 + x] * g0f
            r[x * 3 + 1] = 0
            r[x * 3 + 2] = 0
        }
        for k in 1...n {
            let up = max(y - k, 0) * w, down = min(y + k, h - 1) * w
            let gk = g[n + k], xgk = xg[n + k], xxgk = xxg[n + k]
            for x in 0..<w {
                let a = src[up + x], b = src[down + x]
                let p = a + b
                r[x * 3] += gk * p
                r[x * 3 + 1] += xgk * (b - a)
                r[x * 3 + 2] += xxgk * p
            }
        }
        // replicate the edge columns into the padding
        for x in 1...n {
            for c in 0..<3 {
                r[-x * 3 + c] = r[c]
                r[(w - 1 + x) * 3 + c] = r[(w - 1) * 3 + c]
            }
        }
        let o = y * w * 5
        let g0 = Double(g0f)
        for x in 0..<w {
            var b1 = Double(r[x * 3]) * g0, b2 = 0.0, b3 = Double(r[x * 3 + 1]) * g0
            var b4 = 0.0, b5 = Double(r[x * 3 + 2]) * g0, b6 = 0.0
            for k in 1...n {
                let rp = (x + k) * 3, rm = (x - k) * 3
                let gk = Double(g[n + k]), xgk = Double(xg[n + k]), xxgk = Double(xxg[n + k])
                let t = Double(r[rp] + r[rm])
                b1 += t * gk
                b4 += t * xxgk
                b2 += Double(r[rp] - r[rm]) * xgk
                b3 += Double(r[rp + 1] + r[rm + 1]) * gk
                b6 += Double(r[rp + 1] - r[rm + 1]) * xgk
                b5 += Double(r[rp + 2] + r[rm + 2]) * gk
            }
            out[o + x * 5] = Float(b3 * ig11)                   // y
            out[o + x * 5 + 1] = Float(b2 * ig11)               // x
            out[o + x * 5 + 2] = Float(b1 * ig03 + b5 * ig33)   // yy
            out[o + x * 5 + 3] = Float(b1 * ig03 + b4 * ig33)   // xx
            out[o + x * 5 + 4] = Float(b6 * ig55)               // xy
        }
    }
}
