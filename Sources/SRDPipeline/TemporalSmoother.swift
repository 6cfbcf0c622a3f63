import Foundation
import SRDQuality

/// The temporal stage: removes the frame-to-frame shimmer of super-resolved detail.
///
/// Per frame t, in order:
/// 1. Motion from t to t-1 is estimated on the low-resolution inputs (Farneback, resampled to
///    `analysisSide` px on the long side) together with its reliability m in [0, 1], falling off
///    with the input's own motion-compensated residual |A_t - warp(A_{t-1})| so new content keeps
///    the current frame (optionally also 0 where forward and backward flow disagree). This needs
///    only the inputs, so workers do it in parallel (`MotionAnalysis`, from each frame's
///    `AnalysisFrame`, prepared once and reused by the next frame), and the super-resolution of
///    t+1 never waits for the smoothing of t.
/// 2. In order (`smooth`), the previous *smoothed* output is warped onto t at full resolution
///    (Keys cubic, so the recursion does not accumulate blur) and blended where reliable and
///    where it is the same content:
///        S_t = O_t + strength * m * a * (warp(S_{t-1}) - O_t)
///    The agreement a comes mainly from the low-resolution check: the warped frame brought down
///    to the input's size must match the current input (3x3 mean error, `lowResCheck`). Flicker
///    lives in invented detail, which vanishes on the way down; a misaligned edge does not.
/// 3. One back-projection step (weight `backProjection`) puts back what the blend moved away
///    from the current input at the input's own resolution, so misaligned motion cannot drift
///    and only the invented detail is averaged over time.
/// A scene cut (a large mean residual or few reliable pixels) resets the recursion.
///
/// Defaults were chosen on Vid4 with `srd temporal-lab` (docs/BENCHMARKS.md has the sweep and
/// the commands).
public struct TemporalSmoother {
    /// Blend weight for fully reliable pixels, 0...1 (0 = off).
    public var strength: Double
    /// The tuning constants (see `Settings`); the defaults are what `--temporal` uses.
    public var settings: Settings
    public var backProjection: Float { settings.backProjection }

    /// Constants of the stage. Defaults chosen on Vid4 (docs/BENCHMARKS.md has the sweep and the
    /// commands); `srd temporal-lab` re-runs such a sweep without re-running the network.
    public struct Settings: Sendable, Equatable {
        /// Weight of the back-projection step, 0...1.
        public var backProjection: Float = 0.4
        /// Mean residual (8-bit levels) above which frame t is treated as a new scene.
        public var sceneCutResidual = 18.0
        /// Minimum fraction of reliable pixels; below it frame t is treated as a new scene.
        public var sceneCutCoverage = 0.35
        /// Residual (8-bit levels) at which reliability has fallen to 1/e.
        public var residualScale = 48.0
        /// Output difference (8-bit luma levels) between the warped previous frame and the current
        /// one at which the blend has fallen to 1/e: flicker is a few levels, misaligned edges tens.
        public var detailScale = 100.0
        /// Long side, in px, of the frames the motion is estimated on (inputs are resampled up or
        /// down to it: flow on a 180x120 input is too coarse to align 4x detail).
        public var analysisSide = 480
        /// Forward-backward disagreement (analysis px) above which a pixel is unreliable; 0 = no
        /// such test, and no backward flow. Off by default: it costs a second flow (about 40% of
        /// the analysis) and, with the low-resolution check catching occlusions, moved Y-PSNR by
        /// under 0.01 dB and warp error by under 0.1% on Vid4 (docs/BENCHMARKS.md).
        public var consistencyThreshold = 0.0
        /// Error (8-bit levels, 3x3 mean, per unit of scale) of the warped previous frame brought
        /// down to the input's size against the input at which the blend has fallen to 1/e; 0 = no
        /// such test. Per unit of scale because at x2 the input still holds most of the detail, so
        /// the test must be tighter than at x4 (Vid4: 3.5 keeps Y-PSNR at x2 and x4; 7 loses
        /// 0.85 dB on walk x2).
        public var lowResCheck = 3.5
        /// Farneback settings of the stage's own flow (the metric keeps the protocol's). Pyramid
        /// levels and solver iterations are most of the analysis time, and motion between
        /// consecutive frames on the analysis grid is small: one level above full resolution and
        /// one iteration moved Y-PSNR by under 0.015 dB and warp error by under 0.6% on every Vid4
        /// clip at x2 and x4 against the protocol's 3 and 3, for about a third less analysis
        /// (docs/BENCHMARKS.md, `srd temporal-lab ... --flow-levels 3 --flow-iterations 3`).
        public var flow: FarnebackParameters = {
            var p = FarnebackParameters.standard
            p.levels = 1
            p.iterations = 1
            return p
        }()

        public init() {}
    }

    private var previous: PlanarImage?
    /// Frames at which the recursion was reset (scene cuts), for tests and metrics.
    public private(set) var resets: [Int] = []

    public init(strength: Double, settings: Settings = Settings()) {
        self.strength = min(max(strength, 0), 1)
        self.settings = settings
    }

    /// Motion from frame t to t-1 and its reliability, on the analysis grid. Made by workers.
    public struct MotionAnalysis: Sendable {
        public let width: Int
        public let height: Int
        /// t -> t-1 in analysis pixels.
        let flow: FlowField
        /// (height, width) in 0...1.
        let reliability: [Float]
        /// Fraction of pixels the motion explains: residual under `residualScale` (and forward
        /// and backward flows agreeing, when that test is on). A new scene has few.
        public let coverage: Double
        /// Mean |A_t - warp(A_{t-1})| over the pixels whose flows agree (all, when that test is
        /// off), 8-bit levels.
        public let meanResidual: Double
        let settings: Settings

        public var isSceneCut: Bool {
            coverage < settings.sceneCutCoverage || meanResidual > settings.sceneCutResidual
        }

        /// Analyses the pair (previous, current) of low-resolution RGB frames (0...1).
        public init(current: PlanarImage, previous: PlanarImage, settings: Settings = Settings()) {
            self.init(current: AnalysisFrame(current, settings: settings), previous: AnalysisFrame(previous, settings: settings))
        }

        /// Analyses a pair of prepared frames, with the settings they were prepared with (so the
        /// analysis grid and flow settings cannot disagree with the reliability constants).
        public init(current: AnalysisFrame, previous: AnalysisFrame) {
            precondition(current.inputWidth == previous.inputWidth && current.inputHeight == previous.inputHeight,
                         "analysis frames come from inputs of different sizes")
            precondition(current.settings == previous.settings, "analysis frames prepared with different settings")
            let settings = current.settings
            self.settings = settings
            let a = current.luma, b = previous.luma
            let w = current.width, h = current.height
            let fa = current.farneback, fb = previous.farneback
            let forward = OpticalFlow.farneback(from: fa, to: fb)    // t -> t-1
            var trusted: [Bool]?
            if settings.consistencyThreshold > 0 {
                let backward = OpticalFlow.farneback(from: fb, to: fa)   // t-1 -> t
                trusted = OpticalFlow.consistencyMask(forward: forward, backward: backward, threshold: settings.consistencyThreshold)
            }
            var reliability = [Float](repeating: 0, count: w * h)
            var sum = 0.0, kept = 0, explained = 0
            let s = settings.residualScale
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    if let trusted, !trusted[i] { continue }
                    let px = Double(x) + Double(forward.dx[i]), py = Double(y) + Double(forward.dy[i])
                    let e = abs(Double(a[i]) - bilinearSample(b, w, h, px, py))
                    sum += e
                    kept += 1
                    if e < s { explained += 1 }
                    reliability[i] = Float(exp(-(e / s) * (e / s)))
                }
            }
            width = w
            height = h
            flow = forward
            self.reliability = reliability
            coverage = Double(explained) / Double(w * h)
            meanResidual = kept > 0 ? sum / Double(kept) : .infinity
        }
    }

    /// One low-resolution frame prepared for motion analysis: its luma on the analysis grid and
    /// its Farneback pyramid. Preparing is about half of an analysis and depends on the frame
    /// alone, so a video prepares each frame once and uses it as "current" for its own analysis
    /// and as "previous" for the next frame's (`FramePlan` shares them between workers).
    public struct AnalysisFrame: Sendable {
        /// Size of the analysis grid.
        public let width: Int
        public let height: Int
        /// Size of the low-resolution frame it was made from: only frames of one input size pair.
        public let inputWidth: Int
        public let inputHeight: Int
        /// Luma on the analysis grid, 0...255.
        let luma: [Float]
        let farneback: FarnebackFrame
        /// What it was prepared with; the analysis of a pair uses these.
        let settings: Settings

        public init(_ lowRes: PlanarImage, settings: Settings = Settings()) {
            self.settings = settings
            let side = settings.analysisSide
            let f = Double(side) / Double(max(lowRes.width, lowRes.height))
            var y = lowRes.luma(.bt601)
            if abs(f - 1) > 1e-9 {
                y = y.resized(width: max(16, Int((Double(lowRes.width) * f).rounded())),
                              height: max(16, Int((Double(lowRes.height) * f).rounded())))
            }
            inputWidth = lowRes.width
            inputHeight = lowRes.height
            width = y.width
            height = y.height
            luma = y.data.map { $0 * 255 }
            farneback = FarnebackFrame(samples255: luma, width: width, height: height, parameters: settings.flow)
        }
    }

    /// Smooths frame `index` and returns the frame to encode.
    /// - Parameters:
    ///   - output: the network's output (3 planes, full resolution).
    ///   - motion: the analysis of (frame index-1, frame index); nil for the first frame.
    ///   - lowRes: what the network saw, for the back-projection step.
    public mutating func smooth(_ output: PlanarImage, motion: MotionAnalysis?, lowRes: PlanarImage, index: Int) -> PlanarImage {
        guard strength > 0, let prev = previous, let motion,
              prev.width == output.width, prev.height == output.height else {
            previous = output
            return output
        }
        if motion.isSceneCut {
            resets.append(index)
            previous = output
            return output
        }
        var result = blend(output, previous: prev, motion: motion, lowRes: lowRes)
        if backProjection > 0 { backProject(&result, onto: lowRes) }
        previous = result
        return result
    }

    /// S = O + strength * m * agreement * (warp(prev) - O), warping with Keys cubic taps.
    ///
    /// Two agreement tests decide, per pixel, whether the warped previous frame is the same
    /// content as the current one (blend: the difference is flicker) or misaligned (keep O):
    /// * at low resolution (`lowResCheck` > 0): the warped frame, brought down to the input's
    ///   size, against the current *input*. Invented detail (where flicker lives) vanishes on the
    ///   way down, a misaligned edge does not, and the input is the truth the network saw.
    /// * at full resolution (`detailScale`): against the current output, per pixel.
    private func blend(_ output: PlanarImage, previous prev: PlanarImage, motion: MotionAnalysis, lowRes: PlanarImage) -> PlanarImage {
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
    private func lowResolutionAgreement(_ warped: PlanarImage, lowRes: PlanarImage) -> [Float] {
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
    private func backProject(_ result: inout PlanarImage, onto lowRes: PlanarImage) {
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
