import Foundation
import SRDMedia

/// What the daemon asks one worker child process (`srd worker REQUEST.json`) to do: the typed
/// half of the worker contract, written by `srd serve` and read by the worker, defined once here
/// for both. The other half is `WorkerEvent` (stdout lines) and `WorkerExitCode`.
public struct WorkerRequest: Sendable, Codable, Equatable {
    /// One unit of a job.
    public enum Task: Sendable, Codable, Equatable {
        /// The whole file in one pass (short inputs, pictures, inputs that cannot be cut).
        case whole
        /// Cut the input at keyframes into segments of about this many seconds and report the
        /// plan (`WorkerEvent.plan`); nothing is decoded.
        case plan(segmentSeconds: Double)
        /// Upscale one segment into `output` (video only, NUT), for the job's `finalOutput`.
        case segment(work: SegmentWork)
        /// Join these finished segment files (in order) with the input's other streams into
        /// `output`, and merge their metrics folders into `metricsDirectory`.
        case join(segments: [String], metrics: [String])
    }

    public var task: Task
    public var input: String
    /// The job's result (whole, join), or the segment file (segment); unused by plan.
    public var output: String
    /// Pipeline preset name or YAML path.
    public var pipeline: String
    public var metricsDirectory: String
    /// Frame-parallel workers inside the child.
    public var workers: Int
    public var maxWidth: Int?
    public var maxHeight: Int?
    public var maxDurationSeconds: Double?

    public init(task: Task, input: String, output: String, pipeline: String, metricsDirectory: String, workers: Int,
                maxWidth: Int? = nil, maxHeight: Int? = nil, maxDurationSeconds: Double? = nil) {
        self.task = task
        self.input = input
        self.output = output
        self.pipeline = pipeline
        self.metricsDirectory = metricsDirectory
        self.workers = workers
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDurationSeconds = maxDurationSeconds
    }

    enum CodingKeys: String, CodingKey {
        case task, input, output, pipeline, workers
        case metricsDirectory = "metrics_directory", maxWidth = "max_width", maxHeight = "max_height"
        case maxDurationSeconds = "max_duration_seconds"
    }

    /// The request as a file's contents (pretty, sorted keys: readable in a work folder).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> WorkerRequest {
        try JSONDecoder().decode(WorkerRequest.self, from: data)
    }

    /// Frames of warm-up a segment needs before its first written frame: the temporal stage's
    /// history (it converges within a few frames; see docs/DAEMON.md#segments), none without it.
    public static func warmupFrames(temporal: Double) -> Int { temporal > 0 ? 8 : 0 }
}
