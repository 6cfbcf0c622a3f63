import Foundation
import SRDEngine
import SRDMedia
import SRDQuality

/// A decoded frame on its way to a worker.
struct FrameWork {
    var index: Int
    var pts: Int64
    var duration: Int64
    /// (3, H, W) RGB 0...1 as decoded.
    var input: PlanarImage
    /// The matching frame of `--reference`, if any.
    var reference: PlanarImage?
    /// The previous decoded frame, when temporal smoothing needs the motion between the two.
    var previousInput: PlanarImage?
    var decodeMs: Double
}

/// Milliseconds spent on one frame in each stage.
public struct FrameTimings: Sendable, Codable, Equatable {
    public var decodeMs: Double = 0
    public var srMs: Double = 0
    public var metricsMs: Double = 0
    public var smoothMs: Double = 0
    public var encodeMs: Double = 0

    enum CodingKeys: String, CodingKey {
        case decodeMs = "decode_ms", srMs = "sr_ms", metricsMs = "metrics_ms"
        case smoothMs = "smooth_ms", encodeMs = "encode_ms"
    }
}

/// A frame back from a worker.
struct ProcessedFrame {
    var index: Int
    var pts: Int64
    var duration: Int64
    /// (3, sH, sW) the network's output, not clamped.
    var output: PlanarImage
    /// (3, H, W) what the network saw.
    var lowRes: PlanarImage
    /// Ground truth at output size, when there is one.
    var reference: PlanarImage?
    /// Per-frame metrics computed by the worker (psnr_y, ssim_y, consistency_psnr_y, ...).
    var metrics: [String: Double]
    /// Motion from the previous frame, when temporal smoothing is on (nil for the first frame).
    var motion: TemporalSmoother.MotionAnalysis?
    var timings: FrameTimings
}

/// The per-frame work for one job: sizes, degradation and metrics, decided once up front.
struct FramePlan: @unchecked Sendable {
    let scale: Int
    let reference: ReferenceMode
    /// Temporal smoothing strength (0 = off).
    let temporal: Double
    /// The temporal stage's settings: the workers' motion analysis and the in-order smoother
    /// (`makeSmoother`) must use the same ones.
    let temporalSettings = TemporalSmoother.Settings()
    /// Motion-analysis preparations handed from each frame's worker to the next frame's.
    let analysisFrames = AnalysisFrameExchange()
    /// Output size (what the encoder is opened with).
    let outputWidth: Int
    let outputHeight: Int

    init(options: UpscaleOptions, video: VideoStreamInfo, model: SuperResolutionModel) throws {
        scale = options.scale
        reference = options.reference
        temporal = options.temporal
        switch options.reference {
        case .selfReference:
            // The input is the ground truth: mod-crop it so it divides by the scale.
            outputWidth = video.width - video.width % scale
            outputHeight = video.height - video.height % scale
            guard outputWidth >= scale * 4, outputHeight >= scale * 4 else {
                throw PipelineError.referenceMismatch("a \(video.width)x\(video.height) input is too small to degrade by x\(scale)")
            }
        default:
            outputWidth = video.width * scale
            outputHeight = video.height * scale
        }
    }

    /// The in-order temporal stage for this job, with the settings the workers analyse with.
    func makeSmoother() -> TemporalSmoother {
        TemporalSmoother(strength: temporal, settings: temporalSettings)
    }

    /// What the network sees for a decoded frame: the frame itself, or with `--self-reference`
    /// its degraded version (deterministic per frame index, so it can be recomputed).
    func lowResolution(of input: PlanarImage, index: Int) -> PlanarImage {
        guard case let .selfReference(degradation) = reference else { return input }
        return degradation.apply(to: EvalProtocol.modcrop(input, scale: scale), scale: scale, seed: UInt64(max(index, 0)))
    }

    /// `consistency_psnr_y` is measured on every this-many-th frame (frame 0 included).
    static let consistencyEvery = 4

    /// Consistency with what the network saw: the output, quantised to 8 bits and brought down by
    /// the protocol's bicubic, against the input, in BT.601 luma PSNR. Low values mean the model
    /// invented or lost content. A production signal, not a benchmark score: measured on every
    /// `consistencyEvery`-th frame only, since on the whole of every 1080p frame it cost a
    /// quarter of the fast model's time (srd upscale of a 960x540 clip, metrics_ms 266 -> 109).
    static func consistencyPSNR(output: PlanarImage, lowRes: PlanarImage, scale: Int) -> Double {
        let back = output.quantized8().luma(.bt601).resized(width: lowRes.width, height: lowRes.height, scale: 1 / Double(scale))
        return Metrics.psnr(Plane(back), Plane(lowRes.luma(.bt601)))
    }

    /// Super-resolves one frame on the worker's runner and measures what needs no neighbours.
    func process(_ work: FrameWork, runner: SuperResolutionRunner) throws -> ProcessedFrame {
        var timings = FrameTimings()
        timings.decodeMs = work.decodeMs
        var lowRes = work.input
        var groundTruth: PlanarImage?
        switch reference {
        case .selfReference:
            groundTruth = EvalProtocol.modcrop(work.input, scale: scale)
            lowRes = lowResolution(of: work.input, index: work.index)
        case .file:
            guard let ref = work.reference else { throw PipelineError.referenceMismatch("no frame \(work.index)") }
            guard ref.width == outputWidth, ref.height == outputHeight else {
                throw PipelineError.referenceMismatch("it is \(ref.width)x\(ref.height), the output is \(outputWidth)x\(outputHeight)")
            }
            groundTruth = ref
        case .none:
            break
        }
        // The frame's own motion-analysis preparation comes first, so that the worker on the
        // next frame, which needs it as its "previous", finds it ready instead of redoing it.
        var analysis: TemporalSmoother.AnalysisFrame?
        if temporal > 0 {
            let a0 = Date()
            let frame = TemporalSmoother.AnalysisFrame(lowRes, settings: temporalSettings)
            analysisFrames.store(frame, index: work.index)
            analysis = frame
            timings.smoothMs += Date().timeIntervalSince(a0) * 1000
        }
        let t0 = Date()
        let output = try runner.upscale(lowRes)
        timings.srMs = Date().timeIntervalSince(t0) * 1000

        let m0 = Date()
        var metrics: [String: Double] = [:]
        if let groundTruth {
            // With smoothing on, these describe the network's own output; the consumer scores
            // the smoothed frame as psnr_y / ssim_y.
            let score = EvalProtocol.score(sr: output, hr: groundTruth, scale: scale, extended: false)
            metrics[temporal > 0 ? "psnr_y_unsmoothed" : "psnr_y"] = score.psnrY
            metrics[temporal > 0 ? "ssim_y_unsmoothed" : "ssim_y"] = score.ssimY
        }
        var motion: TemporalSmoother.MotionAnalysis?
        if let analysis, let previousInput = work.previousInput {
            let a0 = Date()
            let previous = analysisFrames.take(index: work.index - 1)
                ?? TemporalSmoother.AnalysisFrame(lowResolution(of: previousInput, index: work.index - 1), settings: temporalSettings)
            if previous.inputWidth == analysis.inputWidth && previous.inputHeight == analysis.inputHeight {
                motion = TemporalSmoother.MotionAnalysis(current: analysis, previous: previous)
            }
            timings.smoothMs += Date().timeIntervalSince(a0) * 1000
        }
        if work.index % Self.consistencyEvery == 0 {
            metrics["consistency_psnr_y"] = Self.consistencyPSNR(output: output, lowRes: lowRes, scale: scale)
        }
        timings.metricsMs = Date().timeIntervalSince(m0) * 1000
        return ProcessedFrame(index: work.index, pts: work.pts, duration: work.duration, output: output,
                              lowRes: lowRes, reference: groundTruth, metrics: metrics, motion: motion,
                              timings: timings)
    }
}

/// Hands each frame's `TemporalSmoother.AnalysisFrame` to the worker of the next frame, which
/// needs it as its "previous". A miss (the next frame's worker got there first) only costs a
/// recomputation, so entries are taken once and stale ones dropped.
final class AnalysisFrameExchange: @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [Int: TemporalSmoother.AnalysisFrame] = [:]
    /// Frames further back than this from the newest stored are no longer waited for.
    private let horizon = 32

    func store(_ frame: TemporalSmoother.AnalysisFrame, index: Int) {
        lock.lock(); defer { lock.unlock() }
        frames[index] = frame
        frames = frames.filter { $0.key > index - horizon }
    }

    func take(index: Int) -> TemporalSmoother.AnalysisFrame? {
        lock.lock(); defer { lock.unlock() }
        return frames.removeValue(forKey: index)
    }

    /// Entries held (for tests).
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return frames.count
    }
}
