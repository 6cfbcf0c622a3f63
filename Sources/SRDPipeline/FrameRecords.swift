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
    /// This frame's `--region-mask` picture, if any.
    var regionMask: PlanarImage? = nil
    /// Run only to give a segment's temporal stage its history; not written.
    var warmup = false
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

/// A frame back from a worker, in the smallest form the stages after the pool still need.
///
/// Jobs with neither temporal smoothing nor ground truth (the daemon's usual job) keep only the
/// encoder-format picture (`packed`), the small luma pair for flicker and, for one or two frames,
/// the report's crop: at 3840x2160 about 13 MB a frame instead of 125 MB of float RGB.
struct ProcessedFrame {
    var index: Int
    var pts: Int64
    var duration: Int64
    /// (3, sH, sW) the network's output, not clamped; nil once packed.
    var output: PlanarImage?
    /// The output in the encoder's pixel format (packed by the worker), when nothing after the
    /// pool needs float samples.
    var packed: PackedFrame?
    /// (3, H, W) what the network saw, kept only for the temporal stage.
    var lowRes: PlanarImage?
    /// Width and height of what the network saw.
    var inputSize: [Int]
    /// Ground truth at output size, when there is one.
    var reference: PlanarImage?
    /// Per-frame metrics computed by the worker (psnr_y, ssim_y, consistency_psnr_y, ...).
    var metrics: [String: Double]
    /// Motion from the previous frame, when temporal smoothing is on (nil for the first frame).
    var motion: TemporalSmoother.MotionAnalysis?
    /// Output and input luma at the flicker-analysis size, for jobs without ground truth.
    var flicker: FlickerSample?
    /// The report's centre crop, made for the frames that may be shown (the first and the middle).
    var crop: ReportCrop?
    var timings: FrameTimings
    /// A segment's warm-up frame: it updates the temporal stage and is then dropped.
    var warmup = false
}

/// Output and input luma at most `side` pixels on the long side: what the no-reference flicker
/// and warp error compare from one frame to the next. The output's luma is first box-averaged
/// to the input's size (one pass over the output, no output-size copy), then both go through the
/// same resize, so output and input are filtered alike.
struct FlickerSample {
    var output: PlanarImage
    var input: PlanarImage

    /// The long side of the analysis frames: flicker is a coarse production signal, and its flow
    /// costs grow with the area.
    static let side = 256

    init(output: PlanarImage, lowRes: PlanarImage) {
        let f = min(1, Double(Self.side) / Double(max(lowRes.width, lowRes.height)))
        let w = max(16, Int((Double(lowRes.width) * f).rounded())), h = max(16, Int((Double(lowRes.height) * f).rounded()))
        // Both sides box-averaged straight to the analysis size in one pass (1080p output: one
        // read instead of a 960x540 luma plane and a bicubic resize of it, 8% of a job's CPU).
        self.output = output.width >= w && output.height >= h
            ? output.areaLuma(.bt601, width: w, height: h, quantize8: true)
            : output.quantized8().luma(.bt601).resized(width: w, height: h)
        self.input = lowRes.width >= w && lowRes.height >= h
            ? lowRes.areaLuma(.bt601, width: w, height: h, quantize8: false)
            : lowRes.luma(.bt601).resized(width: w, height: h)
    }
}

/// The centre crop of the report: bicubic, ours and (if any) the reference, side by side.
struct ReportCrop {
    var bicubic: PlanarImage
    var ours: PlanarImage
    var reference: PlanarImage?

    init(lowRes lr: PlanarImage, output: PlanarImage, reference: PlanarImage?, scale s: Int) {
        let cw = min(96, lr.width), ch = min(96, lr.height)
        let x = (lr.width - cw) / 2, y = (lr.height - ch) / 2
        let lrCrop = lr.cropped(x: x, y: y, width: cw, height: ch)
        bicubic = lrCrop.resized(width: cw * s, height: ch * s, scale: Double(s)).quantized8()
        ours = output.cropped(x: x * s, y: y * s, width: cw * s, height: ch * s).quantized8()
        self.reference = reference?.cropped(x: x * s, y: y * s, width: cw * s, height: ch * s)
    }
}
