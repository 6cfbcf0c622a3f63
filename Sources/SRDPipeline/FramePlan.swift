import Foundation
import SRDEngine
import SRDMedia
import SRDQuality

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
    /// Whether workers hand the encoder-format picture to the in-order stages instead of float
    /// RGB: when neither the temporal stage nor scoring against ground truth needs the samples.
    let packsOutput: Bool
    /// The frame whose crop goes into the report: the middle one when the length is known.
    let cropIndex: Int
    /// Where the network runs (nil: whole frames) and the upscaler that does it.
    let regions: RegionSettings?
    let regionUpscaler: RegionUpscaler?
    /// With `--region x,y,w,h`: the map and its feathered weights, the same for every frame, so
    /// made once here instead of per frame by each worker.
    let fixedRegion: (map: RegionMap, weights: [Float])?
    let degradeCodec: CodecDegradation?
    /// Backend, resolved precision (`auto` made concrete for this model) and threads per worker.
    let execution: ExecutionSettings

    init(options: UpscaleOptions, video: VideoStreamInfo, model: SuperResolutionModel) throws {
        scale = options.scale
        reference = options.reference
        temporal = options.temporal
        packsOutput = options.temporal == 0 && options.reference == .none
        cropIndex = max(video.estimatedFrameCount, 1) / 2
        regions = options.regions
        degradeCodec = options.degradeCodec
        execution = options.execution(for: model)
        regionUpscaler = options.regions.map {
            RegionUpscaler(scale: options.scale, margin: model.cropMargin, alignment: model.cropAlignment,
                           feather: $0.feather, classical: ClassicalScaler.names[$0.scaler] ?? .lanczos3,
                           networkWhenWhole: $0.request == .auto)
        }
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
        if case let .rects(rects)? = options.regions?.request, let regions = options.regions {
            let map = RegionMap(rects: rects, width: outputWidth / scale, height: outputHeight / scale)
            fixedRegion = (map, map.weights(scale: scale, feather: regions.feather))
        } else {
            fixedRegion = nil
        }
    }

    /// The in-order temporal stage for this job, with the settings the workers analyse with.
    func makeSmoother() -> TemporalSmoother {
        TemporalSmoother(strength: temporal, settings: temporalSettings)
    }

    /// What the network sees for a decoded frame: the frame itself, or with `--self-reference`
    /// its degraded version (deterministic per frame index, so it can be recomputed).
    func lowResolution(of input: PlanarImage, index: Int) throws -> PlanarImage {
        guard case let .selfReference(degradation) = reference else { return input }
        let seed = UInt64(max(index, 0))
        let lr = degradation.apply(to: EvalProtocol.modcrop(input, scale: scale), scale: scale, seed: seed)
        guard let degradeCodec else { return lr }
        return try degradeCodec.roundTrip(lr, crf: degradeCodec.crf(seed: seed)).image
    }

    /// The frame's `RegionMap` at network-input size.
    func regionMap(_ regions: RegionSettings, lowRes: PlanarImage, mask: PlanarImage?) throws -> RegionMap {
        switch regions.request {
        case let .rects(rects):
            if let fixed = fixedRegion?.map, fixed.width == lowRes.width, fixed.height == lowRes.height { return fixed }
            return RegionMap(rects: rects, width: lowRes.width, height: lowRes.height)
        case .auto:
            return RegionMap(autoFrom: lowRes, cell: regions.cell, threshold: regions.threshold)
        case let .mask(path):
            guard let mask else { throw PipelineError.invalidArgument("--region-mask \(path) holds no picture") }
            return RegionMap(maskImage: mask, width: lowRes.width, height: lowRes.height)
        }
    }

    /// `consistency_psnr_y` is measured on every this-many-th frame (frame 0 included).
    static let consistencyEvery = 4

    /// Consistency with what the network saw: the output, quantised to 8 bits and brought down by
    /// the protocol's bicubic, against the input, in BT.601 luma PSNR. Low values mean the model
    /// invented or lost content. A production signal, not a benchmark score: measured on every
    /// `consistencyEvery`-th frame only, since on the whole of every 1080p frame it cost a
    /// quarter of the fast model's time (srd upscale of a 960x540 clip, metrics_ms 266 -> 109).
    static func consistencyPSNR(output: PlanarImage, lowRes: PlanarImage, scale: Int) -> Double {
        // Quantised luma in one pass (no 8-bit copy of the RGB output: 100 MB less at 4K).
        let luma8 = output.areaLuma(.bt601, width: output.width, height: output.height, quantize8: true)
        let back = luma8.resized(width: lowRes.width, height: lowRes.height, scale: 1 / Double(scale))
        return Metrics.psnr(Plane(back), Plane(lowRes.luma(.bt601)))
    }

    /// Super-resolves one frame on the worker's runner and measures what needs no neighbours.
    /// With `packsOutput`, `packer` (this worker's) converts the result to the encoder's format
    /// here, in parallel, so the frame waits for the encoder in its compact form.
    func process(_ work: FrameWork, runner: SuperResolutionRunner, packer: FramePacker? = nil) throws -> ProcessedFrame {
        var timings = FrameTimings()
        timings.decodeMs = work.decodeMs
        var lowRes = work.input
        var groundTruth: PlanarImage?
        switch reference {
        case .selfReference:
            groundTruth = EvalProtocol.modcrop(work.input, scale: scale)
            lowRes = try lowResolution(of: work.input, index: work.index)
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
        var regionRun: (map: RegionMap, result: RegionUpscaler.Result)?
        let output: PlanarImage
        if let regions, let regionUpscaler {
            let map = try regionMap(regions, lowRes: lowRes, mask: work.regionMask)
            let weights = fixedRegion.flatMap { $0.map == map ? $0.weights : nil }
            let result = try regionUpscaler.upscale(lowRes, map: map, weights: weights, runner: runner)
            output = result.image
            regionRun = (map, result)
        } else {
            output = try runner.upscale(lowRes)
        }
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
            let previous = try analysisFrames.take(index: work.index - 1)
                ?? TemporalSmoother.AnalysisFrame(lowResolution(of: previousInput, index: work.index - 1), settings: temporalSettings)
            if previous.inputWidth == analysis.inputWidth && previous.inputHeight == analysis.inputHeight {
                motion = TemporalSmoother.MotionAnalysis(current: analysis, previous: previous)
            }
            timings.smoothMs += Date().timeIntervalSince(a0) * 1000
        }
        if let (map, result) = regionRun {
            // The share of the output that came from the network.
            metrics["network_fraction"] = result.networkEverywhere ? 1 : map.fraction
            // What the whole frame would have cost at the measured network speed, minus what
            // this frame cost (network on the crops + classical scaler + blend).
            if result.networkPixels > 0 {
                metrics["region_saved_ms"] = result.networkMs * Double(lowRes.planeSize) / Double(result.networkPixels) - timings.srMs
            }
            if regions?.scoreInside == true, let groundTruth {
                let s = scale, ow = output.width
                var inside = [Bool](repeating: false, count: output.planeSize)
                for i in 0..<inside.count { inside[i] = map.mask[((i / ow) / s) * map.width + (i % ow) / s] != 0 }
                if let score = EvalProtocol.scoreInside(sr: output, hr: groundTruth, scale: s, inside: inside) {
                    metrics["psnr_y_region"] = score.psnrY
                    metrics["ssim_y_region"] = score.ssimY
                }
            }
        }
        if work.index % Self.consistencyEvery == 0 {
            metrics["consistency_psnr_y"] = Self.consistencyPSNR(output: output, lowRes: lowRes, scale: scale)
        }
        let flicker = groundTruth == nil ? FlickerSample(output: output, lowRes: lowRes) : nil
        let crop = work.index == 0 || work.index == cropIndex
            ? ReportCrop(lowRes: lowRes, output: output, reference: groundTruth, scale: scale) : nil
        timings.metricsMs = Date().timeIntervalSince(m0) * 1000
        var frame = ProcessedFrame(index: work.index, pts: work.pts, duration: work.duration, output: output,
                                   packed: nil, lowRes: temporal > 0 ? lowRes : nil,
                                   inputSize: [lowRes.width, lowRes.height], reference: groundTruth,
                                   metrics: metrics, motion: motion, flicker: flicker, crop: crop, timings: timings,
                                   warmup: work.warmup)
        if packsOutput, let packer {
            let p0 = Date()
            frame.packed = try packer.pack(output)
            frame.output = nil
            frame.timings.encodeMs = Date().timeIntervalSince(p0) * 1000
        }
        return frame
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
