import SRDMedia

/// What a finished job reports: written as summary.json and returned to the caller.
public struct JobSummary: Sendable, Codable, Equatable {
    public var input: String
    public var output: String
    public var model: String
    public var scale: Int
    public var workers: Int
    public var frames: Int
    public var inputSize: [Int]
    public var outputSize: [Int]
    public var wallSeconds: Double
    public var fps: Double
    /// Mean of every per-frame metric over the frames that have it (psnr_y, ssim_y, ...).
    public var means: [String: Double]
    /// Mean milliseconds per frame in each stage.
    public var stageMs: FrameTimings
    public var reference: String
    public var warnings: [String]
    public var metricsDirectory: String
    /// The video encoder and pixel format chosen ("libx265 yuv420p10le (HDR10 metadata copied)").
    public var encoder: String?
    /// What was missing from a damaged input accepted with `--accept-damaged`; nil when complete.
    public var damage: InputShortfall?
    /// The network's backend and precision ("onednn f32"); nil for classical scalers.
    public var backend: String?
    /// Segments the job was cut into; nil for a single pass.
    public var segments: Int?

    enum CodingKeys: String, CodingKey {
        case input, output, model, scale, workers, frames, fps, means, reference, warnings, backend, damage, encoder, segments
        case inputSize = "input_size", outputSize = "output_size", wallSeconds = "wall_seconds"
        case stageMs = "stage_ms", metricsDirectory = "metrics_directory"
    }
}
