import Foundation
import SRDEngine
import SRDMedia
import SRDQuality

/// Streams per-frame metrics to `metrics.jsonl` as frames are encoded, and writes
/// `summary.json`, `report.html` and the side-by-side crop when the job ends.
///
/// It runs on the in-order consumer, so it also computes what needs the previous frame:
/// the output's temporal flicker.
final class MetricsRecorder {
    let directory: String
    private let options: UpscaleOptions
    private let plan: FramePlan
    private let modelName: String
    private let handle: FileHandle
    private var sums: [String: (sum: Double, count: Int)] = [:]
    private var stageSums = FrameTimings()
    private var frames = 0
    private var series: [String: [Double?]] = [:]
    private var temporal = TemporalTracker()
    private var temporalMs = 0.0
    private var inputSize = [0, 0]
    /// Frame whose crop goes into the report: the middle one when the length is known.
    private let cropIndex: Int
    private var crop: ReportCrop?

    init(directory: String, options: UpscaleOptions, plan: FramePlan, modelName: String) throws {
        self.directory = directory
        self.options = options
        self.plan = plan
        self.modelName = modelName
        self.cropIndex = plan.cropIndex
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.outputNotWritable(directory, "cannot create the metrics folder")
        }
        let path = (directory as NSString).appendingPathComponent("metrics.jsonl")
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw PipelineError.outputNotWritable(path, "cannot create the metrics file")
        }
        self.handle = handle
    }

    /// Adds the temporal metrics to `frame`, then appends its line to metrics.jsonl.
    func record(_ frame: inout ProcessedFrame) throws {
        inputSize = frame.inputSize
        let t0 = Date()
        measureTemporal(&frame)
        frame.timings.metricsMs += Date().timeIntervalSince(t0) * 1000

        var line: [String: Any] = ["frame": frame.index, "pts": frame.pts]
        for (key, value) in frame.metrics {
            line[key] = value.isFinite ? (value * 1e4).rounded() / 1e4 : nil
            if value.isFinite {
                sums[key, default: (0, 0)].sum += value
                sums[key, default: (0, 0)].count += 1
            } else if value == .infinity {
                line[key] = nil
                line[key + "_identical"] = true
            }
        }
        let t = frame.timings
        for (key, value) in [("decode_ms", t.decodeMs), ("sr_ms", t.srMs), ("metrics_ms", t.metricsMs),
                             ("smooth_ms", t.smoothMs), ("encode_ms", t.encodeMs)] {
            line[key] = (value * 100).rounded() / 100
        }
        stageSums.decodeMs += t.decodeMs; stageSums.srMs += t.srMs; stageSums.metricsMs += t.metricsMs
        stageSums.smoothMs += t.smoothMs; stageSums.encodeMs += t.encodeMs
        for key in Self.seriesKeys {
            series[key, default: []].append(frame.metrics[key].flatMap { $0.isFinite ? $0 : nil })
        }
        series["sr_ms", default: []].append(t.srMs)
        if options.temporal > 0 { series["smooth_ms", default: []].append(t.smoothMs) }
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        handle.write(data)
        handle.write(Data([0x0A]))
        if let frameCrop = frame.crop, frame.index == cropIndex || crop == nil { crop = frameCrop }
        frames += 1
    }

    /// Flicker and warp error need the previous frame, so they are measured here, in order.
    /// With ground truth the flow comes from it (EVAL-PROTOCOL.md's E_warp). Without, output and
    /// input are compared as the worker's `FlickerSample` (both box-averaged to at most 256 px on
    /// the long side) and the flow comes from the input: the "flicker" is then what the output
    /// changes over time beyond what the input changes, at a cost that stays small next to the
    /// network's at any output size.
    private func measureTemporal(_ frame: inout ProcessedFrame) {
        let score: TemporalFrameScore?
        if let reference = frame.reference, let output = frame.output {
            score = temporal.push(output: output.quantized8(), reference: reference)
        } else if let flicker = frame.flicker {
            // Box-averaged to at most `FlickerSample.side` px on the long side by the worker.
            score = temporal.push(output: flicker.output, reference: flicker.input)
        } else {
            score = nil
        }
        if let score {
            frame.metrics["warp_error"] = score.warpError
            frame.metrics["flicker"] = score.flicker
            if frame.reference != nil { frame.metrics["reference_warp_error"] = score.referenceWarpError }
        }
    }

    /// Closes metrics.jsonl and writes summary.json, the crop and report.html.
    func finish(wallSeconds: Double, warnings: [String], output: String, damage: InputShortfall? = nil,
                encoder: String? = nil) throws -> JobSummary {
        try? handle.close()
        var means: [String: Double] = [:]
        for (key, value) in sums where value.count > 0 { means[key] = value.sum / Double(value.count) }
        // Pooled over all kept pixels (the protocol's E_warp), not the mean of per-frame values.
        let pooled = temporal.summary
        if pooled.pairs > 0 {
            means["warp_error"] = pooled.warpError
            means["flicker"] = pooled.flicker
            if plan.reference != .none { means["reference_warp_error"] = pooled.referenceWarpError }
        }
        let n = Double(max(frames, 1))
        var stage = stageSums
        stage.decodeMs /= n; stage.srMs /= n; stage.metricsMs /= n; stage.smoothMs /= n; stage.encodeMs /= n
        let referenceText: String
        switch options.reference {
        case .none: referenceText = "none"
        case let .file(path): referenceText = path
        case let .selfReference(d):
            referenceText = "self (bicubic x\(plan.scale), blur \(d.blurSigma), noise \(d.noiseSigma)"
                + (options.degradeCodec.map { ", \($0)" } ?? "") + ")"
        }
        let summary = JobSummary(
            input: options.input, output: output, model: modelName, scale: plan.scale, workers: options.workers,
            frames: frames, inputSize: inputSize, outputSize: [plan.outputWidth, plan.outputHeight],
            wallSeconds: wallSeconds, fps: Double(frames) / max(wallSeconds, 1e-9), means: means,
            stageMs: stage, reference: referenceText, warnings: warnings, metricsDirectory: directory,
            encoder: encoder, damage: damage,
            backend: ClassicalScaler.names[options.model.lowercased()] == nil
                ? "\(plan.execution.backend.rawValue) \(plan.execution.precision.rawValue)" : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("summary.json")))
        try writeReport(summary)
        return summary
    }

    private func writeReport(_ summary: JobSummary) throws {
        var images: [(String, String)] = []
        if let crop {
            var panels = [crop.bicubic, crop.ours]
            var caption = "Centre crop: bicubic | \(modelName)"
            if let reference = crop.reference { panels.append(reference); caption += " | reference" }
            let strip = PlanarImage.sideBySide(panels, gap: 4)
            try ImageIO.writePNG(strip, to: (directory as NSString).appendingPathComponent("crop.png"))
            images.append((caption, "crop.png"))
        }
        try Self.writeReport(summary, options: options, modelName: modelName, scale: plan.scale,
                             series: series, images: images, directory: directory)
    }

    /// report.html for `summary`: settings, the summary table, per-frame plots and `images`.
    static func writeReport(_ summary: JobSummary, options: UpscaleOptions, modelName: String, scale: Int,
                            series: [String: [Double?]], images: [(String, String)], directory: String) throws {
        func fmt(_ v: Double) -> String { String(format: "%.4f", v) }
        var settings: [(String, String)] = [
            ("input", options.input), ("output", summary.output), ("model", modelName),
            ("scale", "x\(scale)"), ("workers", "\(options.workers)"), ("reference", summary.reference),
            ("codec", options.encode.codec), ("crf", options.encode.crf.map { "\($0)" } ?? "-"),
            ("preset", options.encode.preset ?? "-"),
        ]
        if options.temporal > 0 { settings.append(("temporal", "\(options.temporal)")) }
        var rows: [(String, String)] = [
            ("frames", "\(summary.frames)"), ("wall time", String(format: "%.2f s", summary.wallSeconds)),
            ("throughput", String(format: "%.2f fps", summary.fps)),
            ("input size", "\(summary.inputSize[0])x\(summary.inputSize[1])"),
            ("output size", "\(summary.outputSize[0])x\(summary.outputSize[1])"),
        ]
        if let segments = summary.segments { rows.append(("segments", "\(segments)")) }
        for key in summary.means.keys.sorted() { rows.append(("mean \(key)", fmt(summary.means[key]!))) }
        rows.append(("ms/frame decode / sr / metrics / smooth / encode",
                     [summary.stageMs.decodeMs, summary.stageMs.srMs, summary.stageMs.metricsMs,
                      summary.stageMs.smoothMs, summary.stageMs.encodeMs].map { String(format: "%.1f", $0) }.joined(separator: " / ")))
        for w in summary.warnings { rows.append(("warning", w)) }
        let data = ReportData(title: "srd report: \(URL(fileURLWithPath: options.input).lastPathComponent)",
                              settings: settings, summary: rows,
                              series: series.filter { $0.value.contains { $0 != nil } },
                              images: images)
        try Report.html(data).write(toFile: (directory as NSString).appendingPathComponent("report.html"),
                                    atomically: true, encoding: .utf8)
    }

    /// The per-frame series the report plots.
    static let seriesKeys = ["psnr_y", "ssim_y", "psnr_y_unsmoothed", "consistency_psnr_y", "flicker", "warp_error"]
}

extension PlanarImage {
    /// Images of equal height placed left to right with a white gap.
    static func sideBySide(_ images: [PlanarImage], gap: Int) -> PlanarImage {
        let h = images.map(\.height).max() ?? 0
        let w = images.map(\.width).reduce(0, +) + gap * max(images.count - 1, 0)
        var out = PlanarImage(width: w, height: h, channels: 3)
        for i in 0..<out.data.count { out.data[i] = 1 }
        var x0 = 0
        for img in images {
            for c in 0..<3 {
                let sc = img.channels == 3 ? c : 0
                for y in 0..<img.height { for x in 0..<img.width { out[c, y, x0 + x] = img[sc, y, x] } }
            }
            x0 += img.width + gap
        }
        return out
    }
}
