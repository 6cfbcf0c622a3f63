import Foundation

/// A flow being refined: separate dx, dy planes.
struct FlowPlanes {
    var width: Int
    var height: Int
    var dx: [Float]
    var dy: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        dx = [Float](repeating: 0, count: width * height)
        dy = dx
    }

    init(width: Int, height: Int, dx: [Float], dy: [Float]) {
        self.width = width
        self.height = height
        self.dx = dx
        self.dy = dy
    }

    /// The coarser level's flow resampled (bilinear, OpenCV INTER_LINEAR) to this level and
    /// multiplied by the size ratio.
    func resized(width ow: Int, height oh: Int, factor: Float) -> FlowPlanes {
        let x = FloatImage(width: width, height: height, data: dx).resizedLinear(width: ow, height: oh)
        let y = FloatImage(width: width, height: height, data: dy).resizedLinear(width: ow, height: oh)
        return FlowPlanes(width: ow, height: oh, dx: x.data.map { $0 * factor }, dy: y.data.map { $0 * factor })
    }
}

/// Farneback's displacement estimation at one pyramid level.
///
/// For each pixel, the expansions of frame 0 at x and of frame 1 at x + d (d: current flow,
/// bilinear) give a 2x2 system A d = b; the normal equations (A^T A, A^T b) are averaged over a
/// box window and solved, `iterations` times, rebuilding the equations from the new flow between
/// iterations. Pixels within 5 of the edge get less weight (OpenCV's border factors).
enum FarnebackSolver {
    static let borderWeights: [Float] = [0.14, 0.14, 0.4472, 0.4472, 0.4472]

    static func refine(_ flow: inout FlowPlanes, r0: [Float], r1: [Float], windowSize: Int, iterations: Int) {
        var m = [Float](repeating: 0, count: flow.width * flow.height * 5)
        updateMatrices(flow, r0, r1, &m)
        for i in 0..<iterations {
            boxSolve(&flow, m, windowSize)
            if i < iterations - 1 { updateMatrices(flow, r0, r1, &m) }
        }
    }

    /// Per pixel: (G11, G12, G22, h1, h2) of the normal equations, in (y, x) component order.
    static func updateMatrices(_ flow: FlowPlanes, _ r0: [Float], _ r1: [Float], _ m: inout [Float]) {
        let w = flow.width, h = flow.height
        r0.withUnsafeBufferPointer { R0 in
            r1.withUnsafeBufferPointer { R1 in
                flow.dx.withUnsafeBufferPointer { FX in
                    flow.dy.withUnsafeBufferPointer { FY in
                        m.withUnsafeMutableBufferPointer { M in
                            Parallel.rows(h, costPerRow: w * 60) { range in
                                for y in range { updateRow(y, w, h, FX, FY, R0, R1, M) }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func updateRow(_ y: Int, _ w: Int, _ h: Int,
                                  _ FX: UnsafeBufferPointer<Float>, _ FY: UnsafeBufferPointer<Float>,
                                  _ R0: UnsafeBufferPointer<Float>, _ R1: UnsafeBufferPointer<Float>,
                                  _ M: UnsafeMutableBufferPointer<Float>) {
        let border = borderWeights.count
        for x in 0..<w {
            let i = y * w + x
            let dx = FX[i], dy = FY[i]
            var fx = Float(x) + dx, fy = Float(y) + dy
            let fxFloor = fx.rounded(.down), fyFloor = fy.rounded(.down)
            fx -= fxFloor
            fy -= fyFloor
            let p = i * 5
            var r2: Float, r3: Float, r4: Float, r5: Float, r6: Float
            // (also rejects NaN and huge flows before converting to Int)
            if fxFloor >= 0 && fyFloor >= 0 && fxFloor < Float(w - 1) && fyFloor < Float(h - 1) {
                let x1 = Int(fxFloor), y1 = Int(fyFloor)
                let a00 = (1 - fx) * (1 - fy), a01 = fx * (1 - fy), a10 = (1 - fx) * fy, a11 = fx * fy
                let q = (y1 * w + x1) * 5, qd = q + w * 5
                r2 = a00 * R1[q] + a01 * R1[q + 5] + a10 * R1[qd] + a11 * R1[qd + 5]
                r3 = a00 * R1[q + 1] + a01 * R1[q + 6] + a10 * R1[qd + 1] + a11 * R1[qd + 6]
                r4 = a00 * R1[q + 2] + a01 * R1[q + 7] + a10 * R1[qd + 2] + a11 * R1[qd + 7]
                r5 = a00 * R1[q + 3] + a01 * R1[q + 8] + a10 * R1[qd + 3] + a11 * R1[qd + 8]
                r6 = a00 * R1[q + 4] + a01 * R1[q + 9] + a10 * R1[qd + 4] + a11 * R1[qd + 9]
                r4 = (R0[p + 2] + r4) * 0.5
                r5 = (R0[p + 3] + r5) * 0.5
                r6 = (R0[p + 4] + r6) * 0.25
            } else {
                r2 = 0; r3 = 0
                r4 = R0[p + 2]
                r5 = R0[p + 3]
                r6 = R0[p + 4] * 0.5
            }
            r2 = (R0[p] - r2) * 0.5
            r3 = (R0[p + 1] - r3) * 0.5
            r2 += r4 * dy + r6 * dx
            r3 += r6 * dy + r5 * dx
            if x < border || y < border || x >= w - border || y >= h - border {
                var sc: Float = 1
                if x < border { sc *= borderWeights[x] }
                if x >= w - border { sc *= borderWeights[w - x - 1] }
                if y < border { sc *= borderWeights[y] }
                if y >= h - border { sc *= borderWeights[h - y - 1] }
                r2 *= sc; r3 *= sc; r4 *= sc; r5 *= sc; r6 *= sc
            }
            M[p] = r4 * r4 + r6 * r6
            M[p + 1] = (r4 + r5) * r6
            M[p + 2] = r5 * r5 + r6 * r6
            M[p + 3] = r4 * r2 + r6 * r3
            M[p + 4] = r6 * r2 + r5 * r3
        }
    }

    /// Box-averages the equations over `windowSize`^2 (edges replicated, float64 sums) and
    /// solves each pixel's 2x2 system (with OpenCV's 1e-3 regulariser on the determinant).
    /// Rows are processed in bands, each starting its own running vertical sum.
    static func boxSolve(_ flow: inout FlowPlanes, _ m: [Float], _ windowSize: Int) {
        let w = flow.width, h = flow.height, r = windowSize / 2
        let scale = 1 / Double(windowSize * windowSize)
        m.withUnsafeBufferPointer { M in
            flow.dx.withUnsafeMutableBufferPointer { FX in
                flow.dy.withUnsafeMutableBufferPointer { FY in
                    Parallel.rows(h, costPerRow: w * 40) { range in
                        // vertical running sums of one row of 5-vectors, padded by r + 1 per side
                        var vsum = [Double](repeating: 0, count: (w + 2 * (r + 1)) * 5)
                        vsum.withUnsafeMutableBufferPointer { vbuf in
                            let v = vbuf.baseAddress! + (r + 1) * 5
                            // the window of the band's first row (rows clamped to the image)
                            let y0 = range.lowerBound
                            for k in -r...r {
                                let s = min(max(y0 + k, 0), h - 1) * w * 5
                                for x in 0..<(w * 5) { v[x] += Double(M[s + x]) }
                            }
                            for y in range {
                                if y > y0 {
                                    let add = min(y + r, h - 1) * w * 5, drop = max(y - r - 1, 0) * w * 5
                                    for x in 0..<(w * 5) { v[x] += Double(M[add + x]) - Double(M[drop + x]) }
                                }
                                for x in 1...(r + 1) {
                                    for c in 0..<5 {
                                        v[-x * 5 + c] = v[c]
                                        v[(w - 1 + x) * 5 + c] = v[(w - 1) * 5 + c]
                                    }
                                }
                                // the window of column -1, so that the first step (add x + r, drop x - r - 1) gives column 0's
                                var s0 = v[0] * Double(r + 2), s1 = v[1] * Double(r + 2), s2 = v[2] * Double(r + 2)
                                var s3 = v[3] * Double(r + 2), s4 = v[4] * Double(r + 2)
                                for x in stride(from: 1, to: r, by: 1) {
                                    s0 += v[x * 5]; s1 += v[x * 5 + 1]; s2 += v[x * 5 + 2]; s3 += v[x * 5 + 3]; s4 += v[x * 5 + 4]
                                }
                                for x in 0..<w {
                                    let a = (x + r) * 5, b = (x - r - 1) * 5
                                    s0 += v[a] - v[b]; s1 += v[a + 1] - v[b + 1]; s2 += v[a + 2] - v[b + 2]
                                    s3 += v[a + 3] - v[b + 3]; s4 += v[a + 4] - v[b + 4]
                                    let g11 = s0 * scale, g12 = s1 * scale, g22 = s2 * scale
                                    let h1 = s3 * scale, h2 = s4 * scale
                                    let idet = 1 / (g11 * g22 - g12 * g12 + 1e-3)
                                    FX[y * w + x] = Float((g11 * h2 - g12 * h1) * idet)
                                    FY[y * w + x] = Float((g22 * h1 - g12 * h2) * idet)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
