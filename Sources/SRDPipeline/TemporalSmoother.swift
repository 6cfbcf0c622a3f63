import Foundation
import SRDQuality

/// The temporal stage: removes the frame-to-frame shimmer of super-resolved detail.
///
/// Per frame t, in order:
/// 1. Motion from t to t-1 is estimated on the low-resolution inputs (Farneback, resampled to
///    `analysisSide` px on the long side) together with its reliability m in [0, 1]: 0 where
///    forward and backward flow disagree (occlusions, content leaving the frame), falling off
///    with the input's own motion-compensated residual |A_t - warp(A_{t-1})| so new content keeps
///    the current frame. This needs only the inputs, so workers do it in parallel
///    (`MotionAnalysis`), and the super-resolution of t+1 never waits for the smoothing of t.
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
        /// Forward-backward disagreement (analysis px) above which a pixel is unreliable.
        public var consistencyThreshold = 1.0
        /// Error (8-bit levels, 3x3 mean, per unit of scale) of the warped previous frame brought
        /// down to the input's size against the input at which the blend has fallen to 1/e; 0 = no
        /// such test. Per unit of scale because at x2 the input still holds most of the detail, so
        /// the test must be tighter than at x4 (Vid4: 3.5 keeps Y-PSNR at x2 and x4; 7 loses
        /// 0.85 dB on walk x2).
        public var lowResCheck = 3.5

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
        /// Fraction of pixels whose forward and backward flows agree.
        public let coverage: Double
        /// Mean |A_t - warp(A_{t-1})| over those pixels, 8-bit levels.
        public let meanResidual: Double
        let settings: Settings

        public var isSceneCut: Bool {
            coverage < settings.sceneCutCoverage || meanResidual > settings.sceneCutResidual
        }

        /// Analyses the pair (previous, current) of low-resolution RGB frames (0...1).
        public init(current: PlanarImage, previous: PlanarImage, settings: Settings = Settings()) {
            self.settings = settings
            let a = Self.analysisLuma(current, side: settings.analysisSide), b = Self.analysisLuma(previous, side: settings.analysisSide)
            let w = a.width, h = a.height
            let fa = FarnebackFrame(samples255: a.samples, width: w, height: h)
            let fb = FarnebackFrame(samples255: b.samples, width: w, height: h)
            let forward = OpticalFlow.farneback(from: fa, to: fb)    // t -> t-1
            let backward = OpticalFlow.farneback(from: fb, to: fa)   // t-1 -> t
            let trusted = OpticalFlow.consistencyMask(forward: forward, backward: backward, threshold: settings.consistencyThreshold)
            var reliability = [Float](repeating: 0, count: w * h)
            var sum = 0.0, kept = 0
            let s = settings.residualScale
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    guard trusted[i] else { continue }
                    let px = Double(x) + Double(forward.dx[i]), py = Double(y) + Double(forward.dy[i])
                    let e = abs(Double(a.samples[i]) - bilinearSample(b.samples, w, h, px, py))
                    sum += e
                    kept += 1
                    reliability[i] = Float(exp(-(e / s) * (e / s)))
                }
            }
            width = w
            height = h
            flow = forward
            self.reliability = reliability
            coverage = Double(kept) / Double(w * h)
            meanResidual = kept > 0 ? sum / Double(kept) : .infinity
        }

        static func analysisLuma(_ rgb: PlanarImage, side: Int) -> (samples: [Float], width: Int, height: Int) {
            let f = Double(side) / Double(max(rgb.width, rgb.height))
            var y = rgb.luma(.bt601)
            if abs(f - 1) > 1e-9 {
                y = y.resized(width: max(16, Int((Double(rgb.width) * f).rounded())),
                              height: max(16, Int((Double(rgb.height) * f).rounded())))
            }
            return (y.data.map { $0 * 255 }, y.width, y.height)
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
        let aw = motion.width, ah = motion.height
        let w = output.width, h = output.height, n = w * h
        let sx = Double(aw) / Double(w), sy = Double(ah) / Double(h)
        var warped = output
        var weight = [Float](repeating: 0, count: n)
        prev.data.withUnsafeBufferPointer { prevOut in
            warped.data.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let ay = min(max((Double(y) + 0.5) * sy - 0.5, 0), Double(ah - 1))
                    for x in 0..<w {
                        let ax = min(max((Double(x) + 0.5) * sx - 0.5, 0), Double(aw - 1))
                        let m = bilinearSample(motion.reliability, aw, ah, ax, ay)
                        if m < 1e-3 { continue }
                        let i = y * w + x
                        weight[i] = Float(m)
                        let px = min(max(Double(x) + bilinearSample(motion.flow.dx, aw, ah, ax, ay) / sx, 0), Double(w - 1))
                        let py = min(max(Double(y) + bilinearSample(motion.flow.dy, aw, ah, ax, ay) / sy, 0), Double(h - 1))
                        let x0 = Int(px), y0 = Int(py)
                        let wx = Self.cubicWeights(px - Double(x0)), wy = Self.cubicWeights(py - Double(y0))
                        let xs = (max(x0 - 1, 0), x0, min(x0 + 1, w - 1), min(x0 + 2, w - 1))
                        let ys = (max(y0 - 1, 0) * w, y0 * w, min(y0 + 1, h - 1) * w, min(y0 + 2, h - 1) * w)
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
        }
        var lowResAgreement: [Float]?
        var lw = 0, lh = 0
        if settings.lowResCheck > 0 {
            let sigma = settings.lowResCheck * Double(w) / Double(lowRes.width)
            // |down(warped) - input| on luma at the input's size, 3x3 box-averaged.
            lw = lowRes.width
            lh = lowRes.height
            let down = warped.luma(.bt601).resized(width: lw, height: lh, scale: Double(lw) / Double(w))
            let target = lowRes.luma(.bt601)
            var e = [Float](repeating: 0, count: lw * lh)
            for i in 0..<e.count { e[i] = abs(down.data[i] - target.data[i]) * 255 }
            var boxed = e
            for y in 0..<lh {
                for x in 0..<lw {
                    var sum: Float = 0, cnt: Float = 0
                    for dy in -1...1 {
                        let yy = y + dy
                        guard yy >= 0 && yy < lh else { continue }
                        for dx in -1...1 {
                            let xx = x + dx
                            guard xx >= 0 && xx < lw else { continue }
                            sum += e[yy * lw + xx]
                            cnt += 1
                        }
                    }
                    boxed[y * lw + x] = sum / cnt
                }
            }
            let inv2 = Float(1 / (sigma * sigma))
            lowResAgreement = boxed.map { exp(-$0 * $0 * inv2) }
        }
        var result = output
        let alpha = Float(strength)
        let invDetail2 = Float(1 / (settings.detailScale * settings.detailScale))
        let lx = Double(lw) / Double(w), ly = Double(lh) / Double(h)
        output.data.withUnsafeBufferPointer { cur in
            warped.data.withUnsafeBufferPointer { wp in
                result.data.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        let ry = min(max((Double(y) + 0.5) * ly - 0.5, 0), Double(max(lh - 1, 0)))
                        for x in 0..<w {
                            let i = y * w + x
                            guard weight[i] > 0 else { continue }
                            let d = 255 * (0.299 * (wp[i] - cur[i]) + 0.587 * (wp[n + i] - cur[n + i]) + 0.114 * (wp[2 * n + i] - cur[2 * n + i]))
                            var k = alpha * weight[i] * exp(-(d * d) * invDetail2)
                            if let lowResAgreement {
                                let rx = min(max((Double(x) + 0.5) * lx - 0.5, 0), Double(lw - 1))
                                k *= Float(bilinearSample(lowResAgreement, lw, lh, rx, ry))
                            }
                            for c in 0..<3 { dst[c * n + i] = cur[c * n + i] + k * (wp[c * n + i] - cur[c * n + i]) }
                        }
                    }
                }
            }
        }
        return result
    }

    /// result += beta * up(lowRes - down(result)), with the protocol's bicubic both ways.
    private func backProject(_ result: inout PlanarImage, onto lowRes: PlanarImage) {
        let scale = Double(result.width) / Double(lowRes.width)
        let down = result.resized(width: lowRes.width, height: lowRes.height, scale: 1 / scale)
        var residual = lowRes
        for i in 0..<residual.data.count { residual.data[i] -= down.data[i] }
        let up = residual.resized(width: result.width, height: result.height, scale: scale)
        for i in 0..<result.data.count { result.data[i] += backProjection * up.data[i] }
    }

    /// Keys cubic weights for taps at -1, 0, 1, 2 from a fractional position.
    @inline(__always)
    static func cubicWeights(_ t: Double) -> (Float, Float, Float, Float) {
        (Float(ResizeKernel.cubic(t + 1)), Float(ResizeKernel.cubic(t)), Float(ResizeKernel.cubic(1 - t)), Float(ResizeKernel.cubic(2 - t)))
    }
}
