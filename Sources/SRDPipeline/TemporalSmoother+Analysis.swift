import Foundation
import SRDQuality

/// The workers' half of the temporal stage: each frame prepared once for motion analysis
/// (`AnalysisFrame`), and the motion of a pair with its reliability (`MotionAnalysis`).
extension TemporalSmoother {
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
}
