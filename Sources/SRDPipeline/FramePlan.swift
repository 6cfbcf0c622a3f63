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
    var timings: FrameTimings
}

/// The per-frame work for one job: sizes, degradation and metrics, decided once up front.
struct FramePlan: @unchecked Sendable {
    let scale: Int
    let reference: ReferenceMode
    /// Output size (what the encoder is opened with).
    let outputWidth: Int
    let outputHeight: Int

    init(options: UpscaleOptions, video: VideoStreamInfo, model: SuperResolutionModel) throws {
        scale = options.scale
        reference = options.reference
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

    /// Super-resolves one frame on the worker's runner and measures what needs no neighbours.
    func process(_ work: FrameWork, runner: SuperResolutionRunner) throws -> ProcessedFrame {
        var timings = FrameTimings()
        timings.decodeMs = work.decodeMs
        var lowRes = work.input
        var groundTruth: PlanarImage?
        switch reference {
        case let .selfReference(degradation):
            let hr = EvalProtocol.modcrop(work.input, scale: scale)
            lowRes = degradation.apply(to: hr, scale: scale, seed: UInt64(work.index))
            groundTruth = hr
        case .file:
            guard let ref = work.reference else { throw PipelineError.referenceMismatch("no frame \(work.index)") }
            guard ref.width == outputWidth, ref.height == outputHeight else {
                throw PipelineError.referenceMismatch("it is \(ref.width)x\(ref.height), the output is \(outputWidth)x\(outputHeight)")
            }
            groundTruth = ref
        case .none:
            break
        }
        let t0 = Date()
        let output = try runner.upscale(lowRes)
        timings.srMs = Date().timeIntervalSince(t0) * 1000

        let m0 = Date()
        var metrics: [String: Double] = [:]
        let sr8 = output.quantized8()
        if let groundTruth {
            let score = EvalProtocol.score(sr: sr8, hr: groundTruth, scale: scale)
            metrics["psnr_y"] = score.psnrY
            metrics["ssim_y"] = score.ssimY
        }
        // Consistency with what the network saw: downscale the output by the protocol's bicubic
        // and compare with the input. Low values mean the model invented or lost content.
        // On Y only, the protocol's BT.601 luma, so it costs a third of an RGB comparison.
        let back = sr8.luma(.bt601).resized(width: lowRes.width, height: lowRes.height, scale: 1 / Double(scale))
        metrics["consistency_psnr_y"] = Metrics.psnr(Plane(back), Plane(lowRes.luma(.bt601)))
        timings.metricsMs = Date().timeIntervalSince(m0) * 1000
        return ProcessedFrame(index: work.index, pts: work.pts, duration: work.duration, output: output,
                              lowRes: lowRes, reference: groundTruth, metrics: metrics, timings: timings)
    }
}
