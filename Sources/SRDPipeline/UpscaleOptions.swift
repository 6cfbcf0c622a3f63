import Foundation
import SRDEngine
import SRDMedia

/// How quality is measured while a video is processed.
public enum ReferenceMode: Sendable, Equatable {
    /// No ground truth: consistency with the input, flicker, and timings.
    case none
    /// Compare against a high-resolution video of the same frames.
    case file(String)
    /// Treat the input as ground truth: degrade it by the protocol's bicubic, super-resolve, compare.
    case selfReference(Degradation)
}

/// Everything an upscale job needs to know; the CLI and the daemon both fill this in.
public struct UpscaleOptions: Sendable {
    public var input: String
    public var output: String
    /// A classical name (`bicubic`), a shipped model name (`fast-x2`), or a `.safetensors` path.
    public var model: String
    public var scale: Int
    public var workers: Int
    /// Input pixels per tile side for networks (0 = whole frame).
    public var tile: Int
    public var temporal: Double
    public var encode: EncodeSettings
    public var reference: ReferenceMode
    /// Folder for metrics.jsonl, summary.json, report.html and crops; nil = `<output stem>.metrics`.
    public var metricsDirectory: String?
    public var progress: ProgressStyle
    /// Refuse inputs larger or longer than these (the daemon's limits); nil = no limit.
    public var maxWidth: Int?
    public var maxHeight: Int?
    public var maxDurationSeconds: Double?
    /// Keep the best-effort output of a truncated or damaged input (recorded in summary.json)
    /// instead of failing with exit 2.
    public var acceptDamaged = false
    /// True when the caller named the encoder (`--codec`); otherwise an HDR or 10-bit HEVC input
    /// is encoded with 10-bit libx265 instead of the preset's codec, so it stays HDR.
    public var codecGiven = false
    /// Backend and precision of the network; each worker gets `threadsPerWorker(workers)` threads.
    public var backend: ComputeBackend = .preferred
    /// `auto` runs what the model's weight file recorded (`PrecisionRequest.resolve`).
    public var precision: PrecisionRequest = .auto
    /// With `--self-reference`: after `Degradation`, each low-resolution frame goes through this
    /// encoder and back (CRF drawn per frame index), to measure models on compressed input.
    public var degradeCodec: CodecDegradation?
    /// Run the network on these regions only (nil: the whole frame).
    public var regions: RegionSettings?
    /// Set when this run is one segment of a segmented job: only the segment's frames are
    /// written (to `output`, video only), encoded for `SegmentWork.finalOutput`'s container.
    public var segment: SegmentWork?

    /// What each worker's runner of `model` uses.
    public func execution(for model: SuperResolutionModel) -> ExecutionSettings {
        ExecutionSettings(backend: backend, precision: precision.resolve(for: model, backend: backend),
                          threads: ExecutionSettings.threadsPerWorker(workers))
    }

    public init(input: String, output: String, model: String = "bicubic", scale: Int = 2,
                workers: Int = UpscaleOptions.defaultWorkers, tile: Int = TiledExecutor.defaultTileSize, temporal: Double = 0,
                encode: EncodeSettings = EncodeSettings(), reference: ReferenceMode = .none,
                metricsDirectory: String? = nil, progress: ProgressStyle = .none) {
        self.input = input; self.output = output; self.model = model; self.scale = scale
        self.workers = workers; self.tile = tile; self.temporal = temporal; self.encode = encode
        self.reference = reference; self.metricsDirectory = metricsDirectory; self.progress = progress
    }

    /// One worker per core, each running single-threaded BLAS: on this project's 2-core machine
    /// that beat one worker with 2 BLAS threads (see docs/BENCHMARKS.md, `srd bench --workers`).
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The metrics folder actually used.
    public var resolvedMetricsDirectory: String {
        if let metricsDirectory { return metricsDirectory }
        let url = URL(fileURLWithPath: output)
        let name = url.deletingPathExtension().lastPathComponent
        guard ImageOutput.hasFramePattern(name) else { return url.deletingPathExtension().path + ".metrics" }
        // A picture sequence (`out/img_%08d.png`): the pattern's stem without the frame number.
        var stem = name.replacingOccurrences(of: #"%0?[0-9]*d"#, with: "", options: .regularExpression)
        stem = stem.trimmingCharacters(in: CharacterSet(charactersIn: "_-. "))
        return url.deletingLastPathComponent().appendingPathComponent((stem.isEmpty ? "frames" : stem) + ".metrics").path
    }
}

/// One segment of a segmented job, as `UpscaleJob` runs it.
public struct SegmentWork: Sendable, Codable, Equatable {
    public var segment: VideoSegment
    /// Where the joined result will go: its container decides how the segment is encoded.
    public var finalOutput: String

    public init(segment: VideoSegment, finalOutput: String) {
        self.segment = segment
        self.finalOutput = finalOutput
    }

    enum CodingKeys: String, CodingKey {
        case segment
        case finalOutput = "final_output"
    }
}
