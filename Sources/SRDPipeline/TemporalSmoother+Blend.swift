import Foundation
import SRDQuality

/// The in-order half of the temporal stage: the warp and blend of the previous output, the
/// low-resolution agreement test, and the back-projection step.
extension TemporalSmoother {
    /// S = O + strength * m * agreement * (warp(prev) - O), warping with Keys cubic taps.
    ///
    /// Two agreement tests decide, per pixel, whether the warped previous frame is the same
    /// content as the current one (blend: the difference is flicker) or misaligned (keep O):
    /// * at low resolution (`lowResCheck` > 0): the warped frame, brought down to the input's
    ///   size, against the current *input*. Invented detail (where flicker lives) vanishes on the
    ///   way down, a misaligned edge does not, and the input is the truth the network saw.
    /// * at full resolution (`detailScale`): against the current output, per pixel.
    func blend(_ output: PlanarImage, previous prev: PlanarImage, motion: MotionAnalysis, lowRes: PlanarImage) -> PlanarImage {
        let aw = motion.width
        let w = output.width, h = output.height, n = w * h
        // Where each output column / row falls on the analysis grid (bilinear taps, shared by the
        // reliability and both flow planes), computed once per axis instead of per pixel.
        let ax = AxisTaps(output: w, input: aw), ay = AxisTaps(output: h, input: motion.height)
        let sx = Float(aw) / Float(w), sy = Float(motion.height) / Float(h)
        var warped = output
        var weight = [Float](repeating: 0, count: n)
        prev.data.withUnsafeBufferPointer { prevOut in
        warped.data.withUnsafeMutableBufferPointer { dst in
        weight.withUnsafeMutableBufferPointer { wt in
        motion.reliability.withUnsafeBufferPointer { rel in
        motion.flow.dx.withUnsafeBufferPointer { fdx in
        motion.flow.dy.withUnsafeBufferPointer { fdy in
          // Rows are independent; the in-order stage is the one serial step of the pipeline, so
          // it uses the cores the workers leave idle while they wait for it.
          Parallel.rows(h, costPerRow: w * 120) { rows in
            for y in rows {
                let r0 = ay.i0[y] * aw, r1 = ay.i1[y] * aw, fy = ay.f[y]
                for x in 0..<w {
                    let c0 = ax.i0[x], c1 = ax.i1[x], fx = ax.f[x]
                    let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                    @inline(__always) func sample(_ p: UnsafeBufferPointer<Float>) -> Float {
                        w00 * p[r0 + c0] + w01 * p[r0 + c1] + w10 * p[r1 + c0] + w11 * p[r1 + c1]
                    }
                    let m = sample(rel)
                    if m < 1e-3 { continue }
                    let i = y * w + x
                    wt[i] = m
                    let px = min(max(Float(x) + sample(fdx) / sx, 0), Float(w - 1))
                    let py = min(max(Float(y) + sample(fdy) / sy, 0), Float(h - 1))
                    let x0 = Int(px), y0 = Int(py)
                    let wx = ResizeKernel.cubicTaps(px - Float(x0)), wy = ResizeKernel.cubicTaps(py - Float(y0))
                    let ys = (max(y0 - 1, 0) * w, y0 * w, min(y0 + 1, h - 1) * w, min(y0 + 2, h - 1) * w)
                    if x0 >= 1 && x0 + 2 < w {
                        // Interior: a row's four taps are adjacent, one vector load each (the
                        // taps of the scalar path below, about a quarter less time).
                        let vx = SIMD4<Float>(wx.0, wx.1, wx.2, wx.3)
                        let base = UnsafeRawPointer(prevOut.baseAddress! + (x0 - 1))
                        let stride = MemoryLayout<Float>.stride
                        for c in 0..<3 {
                            let o = c * n
                            @inline(__always) func row(_ r: Int) -> SIMD4<Float> {
                                base.loadUnaligned(fromByteOffset: (o + r) * stride, as: SIMD4<Float>.self)
                            }
                            let v = wy.0 * row(ys.0) + wy.1 * row(ys.1) + wy.2 * row(ys.2) + wy.3 * row(ys.3)
                            dst[o + i] = (v * vx).sum()
                        }
                        continue
                    }
                    let xs = (max(x0 - 1, 0), x0, min(x0 + 1, w - 1), min(x0 + 2, w - 1))
                    for c in 0..<3 {
                        let o = c * n
                        @inline(__always) func row(_ r: Int) -> Float {
                            wx.0 * prevOut[o + r + xs.0] + wx.1 * prevOut[o + r + xs.1]
                                + wx.2 * prevOut[o + r + xs.2] + wx.3 * prevOut[o + r + xs.3]
                        }
                        dst[o + i] = wy.0 * row(ys.0) + wy.1 * row(ys.1) + wy.2 * row(ys.2) + wy.3 * row(ys.3)
                    }
                }
            }
          }
        }}}}}}
        let lowResAgreement = settings.lowResCheck > 0 ? lowResolutionAgreement(warped, lowRes: lowRes) : nil
        var result = output
        let alpha = Float(strength)
        let invDetail2 = Float(1 / (settings.detailScale * settings.detailScale))
        let lw = lowRes.width
        let lx = AxisTaps(output: w, input: lw), ly = AxisTaps(output: h, input: lowRes.height)
        output.data.withUnsafeBufferPointer { cur in
        warped.data.withUnsafeBufferPointer { wp in
        result.data.withUnsafeMutableBufferPointer { dst in
        weight.withUnsafeBufferPointer { wt in
          Parallel.rows(h, costPerRow: w * 30) { rows in
            for y in rows {
                let r0 = ly.i0[y] * lw, r1 = ly.i1[y] * lw, fy = ly.f[y]
                for x in 0..<w {
                    let i = y * w + x
                    guard wt[i] > 0 else { continue }
                    let d = 255 * (0.299 * (wp[i] - cur[i]) + 0.587 * (wp[n + i] - cur[n + i]) + 0.114 * (wp[2 * n + i] - cur[2 * n + i]))
                    var k = alpha * wt[i] * expf(-(d * d) * invDetail2)
                    if let a = lowResAgreement {
                        let c0 = lx.i0[x], c1 = lx.i1[x], fx = lx.f[x]
                        k *= (1 - fy) * ((1 - fx) * a[r0 + c0] + fx * a[r0 + c1]) + fy * ((1 - fx) * a[r1 + c0] + fx * a[r1 + c1])
                    }
                    for c in 0..<3 { dst[c * n + i] = cur[c * n + i] + k * (wp[c * n + i] - cur[c * n + i]) }
                }
            }
          }
        }}}}
        return result
    }

    /// Per input pixel, in 0...1: how well the warped previous frame, brought down to the input's
    /// size (the protocol's bicubic, on luma), matches the input: exp(-(e / sigma)^2) of the 3x3
    /// mean absolute error e, with sigma = `lowResCheck` x scale levels.
    func lowResolutionAgreement(_ warped: PlanarImage, lowRes: PlanarImage) -> [Float] {
        let w = warped.width, lw = lowRes.width, lh = lowRes.height
        let sigma = settings.lowResCheck * Double(w) / Double(lw)
        let down = warped.luma(.bt601).resized(width: lw, height: lh, scale: Double(lw) / Double(w))
        let target = lowRes.luma(.bt601)
        var e = [Float](repeating: 0, count: lw * lh)
        for i in 0..<e.count { e[i] = abs(down.data[i] - target.data[i]) * 255 }
        // 3x3 box mean (clipped at the borders), separably: rows, then columns.
        var rows = e
        for y in 0..<lh {
            let o = y * lw
            for x in 0..<lw {
                let a = max(x - 1, 0), b = min(x + 1, lw - 1)
                var sum: Float = 0
                for xx in a...b { sum += e[o + xx] }
                rows[o + x] = sum / Float(b - a + 1)
            }
        }
        let inv2 = Float(1 / (sigma * sigma))
        var out = e
        for y in 0..<lh {
            let a = max(y - 1, 0), b = min(y + 1, lh - 1)
            for x in 0..<lw {
                var sum: Float = 0
                for yy in a...b { sum += rows[yy * lw + x] }
                let m = sum / Float(b - a + 1)
                out[y * lw + x] = expf(-m * m * inv2)
            }
        }
        return out
    }

    /// result += beta * up(lowRes - down(result)), with the protocol's bicubic both ways.
    /// Channels are independent, so they run concurrently (see `blend`).
    func backProject(_ result: inout PlanarImage, onto lowRes: PlanarImage) {
        let scale = Double(result.width) / Double(lowRes.width)
        let w = result.width, h = result.height, n = result.planeSize, beta = backProjection
        result.data.withUnsafeMutableBufferPointer { dst in
            // Each task reads and then writes only its own channel's plane.
            Parallel.rows(result.channels, costPerRow: 1 << 20) { channels in
                for c in channels {
                    let plane = PlanarImage(width: w, height: h, channels: 1, data: Array(dst[(c * n)..<((c + 1) * n)]))
                    let down = plane.resized(width: lowRes.width, height: lowRes.height, scale: 1 / scale)
                    var residual = lowRes.plane(c)
                    for i in 0..<residual.data.count { residual.data[i] -= down.data[i] }
                    let up = residual.resized(width: w, height: h, scale: scale)
                    for i in 0..<n { dst[c * n + i] += beta * up.data[i] }
                }
            }
        }
    }
}

/// Bilinear taps along one axis from an output grid onto an input grid of another size
/// (pixel centres aligned, clamped at the edges): output index -> (i0, i1, fraction).
struct AxisTaps {
    var i0: [Int], i1: [Int], f: [Float]

    init(output: Int, input: Int) {
        let s = Double(input) / Double(output)
        i0 = []; i1 = []; f = []
        i0.reserveCapacity(output); i1.reserveCapacity(output); f.reserveCapacity(output)
        for o in 0..<output {
            let p = min(max((Double(o) + 0.5) * s - 0.5, 0), Double(input - 1))
            let a = Int(p)
            i0.append(a)
            i1.append(min(a + 1, input - 1))
            f.append(Float(p - Double(a)))
        }
    }
}
