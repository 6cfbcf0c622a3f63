import Foundation
import SRDMedia

/// The last unit of a segmented job: joins the finished segments into the output (through the
/// same hidden-name-then-rename as a single pass) and merges their metrics folders into one, so
/// the job reports like a single pass: one metrics.jsonl in frame order, one summary.json (sums
/// and frame-weighted means; `segments` set), one report.
///
/// Temporal metrics (flicker, warp error) are pooled per segment and weighted by frames here;
/// the first frame of each segment after the first has none of its own unless the pipeline
/// smooths over time (its warm-up frames are decoded, not scored).
public struct SegmentJoinJob {
    public let options: UpscaleOptions
    public let segments: [String]
    public let metrics: [String]

    public init(options: UpscaleOptions, segments: [String], metrics: [String]) {
        self.options = options
        self.segments = segments
        self.metrics = metrics
    }

    public func run() throws -> JobSummary {
        let started = Date()
        let reader = try MediaReader(path: options.input, streams: .passthroughOnly)
        let target = OutputTarget(output: options.output)
        let encode = target.encodeSettings(options.encode, reader: reader, codecGiven: options.codecGiven)
        let joined: SegmentJoiner.Result
        do {
            joined = try SegmentJoiner.join(input: options.input, segments: segments, output: target.writePath,
                                            formatName: encode.formatName ?? "matroska", muxerOptions: encode.muxerOptions)
            try target.commit()
        } catch {
            target.discard()
            throw error
        }
        return try mergeMetrics(joined: joined, joinSeconds: Date().timeIntervalSince(started))
    }

    private func mergeMetrics(joined: SegmentJoiner.Result, joinSeconds: Double) throws -> JobSummary {
        let folder = options.resolvedMetricsDirectory
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw PipelineError.outputNotWritable(folder, "cannot create the metrics folder")
        }
        var lines = Data()
        var parts: [JobSummary] = []
        var series: [String: [Double?]] = [:]
        var cropFrom: String?
        for dir in metrics {
            let text = (try? Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.jsonl"))) ?? Data()
            lines.append(text)
            for line in text.split(separator: 0x0A) {
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                for key in MetricsRecorder.seriesKeys + ["sr_ms", "smooth_ms"] {
                    series[key, default: []].append((object[key] as? NSNumber)?.doubleValue)
                }
            }
            guard let data = fm.contents(atPath: dir + "/summary.json") else {
                throw PipelineError.invalidArgument("segment metrics \(dir) have no summary.json")
            }
            parts.append(try JSONDecoder().decode(JobSummary.self, from: data))
            // The last segment with a crop holds the middle frame's (the first always has frame 0's).
            if fm.fileExists(atPath: dir + "/crop.png") { cropFrom = dir }
        }
        guard var summary = parts.first else { throw PipelineError.invalidArgument("no segment metrics to merge") }
        try lines.write(to: URL(fileURLWithPath: folder + "/metrics.jsonl"))
        var images: [(String, String)] = []
        if let cropFrom {
            try? fm.removeItem(atPath: folder + "/crop.png")
            try fm.copyItem(atPath: cropFrom + "/crop.png", toPath: folder + "/crop.png")
            images.append(("Centre crop: bicubic | \(summary.model)", "crop.png"))
        }
        let frames = parts.map(\.frames).reduce(0, +)
        func weighted(_ value: (JobSummary) -> Double?) -> Double? {
            let pairs = parts.compactMap { p in value(p).map { ($0, Double(p.frames)) } }
            let n = pairs.map(\.1).reduce(0, +)
            return n > 0 ? pairs.map { $0.0 * $0.1 }.reduce(0, +) / n : nil
        }
        var means: [String: Double] = [:]
        for key in Set(parts.flatMap(\.means.keys)) { means[key] = weighted { $0.means[key] } }
        var stage = FrameTimings()
        stage.decodeMs = weighted { $0.stageMs.decodeMs } ?? 0
        stage.srMs = weighted { $0.stageMs.srMs } ?? 0
        stage.metricsMs = weighted { $0.stageMs.metricsMs } ?? 0
        stage.smoothMs = weighted { $0.stageMs.smoothMs } ?? 0
        stage.encodeMs = weighted { $0.stageMs.encodeMs } ?? 0
        let wall = parts.map(\.wallSeconds).reduce(0, +) + joinSeconds
        summary.input = options.input
        summary.output = options.output
        summary.frames = frames
        summary.wallSeconds = wall
        summary.fps = Double(frames) / max(wall, 1e-9)
        summary.means = means
        summary.stageMs = stage
        summary.metricsDirectory = folder
        summary.segments = parts.count
        var warnings: [String] = []
        for w in parts.flatMap(\.warnings) + joined.warnings where !warnings.contains(w) { warnings.append(w) }
        summary.warnings = warnings
        let damaged = parts.compactMap(\.damage)
        summary.damage = damaged.isEmpty ? nil : InputShortfall(
            path: options.input, decodedSeconds: damaged.map(\.decodedSeconds).max() ?? 0,
            declaredSeconds: damaged[0].declaredSeconds, framesDecoded: frames,
            framesDeclared: parts.map { $0.damage?.framesDeclared ?? $0.frames }.reduce(0, +),
            damagedPackets: damaged.map(\.damagedPackets).reduce(0, +), problems: damaged.flatMap(\.problems))
        if joined.frames != frames {
            summary.warnings.append("the joined video has \(joined.frames) frames, the segments reported \(frames)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: folder + "/summary.json"))
        try MetricsRecorder.writeReport(summary, options: options, modelName: summary.model, scale: summary.scale,
                                        series: series, images: images, directory: folder)
        return summary
    }
}
