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
}
