import Foundation
import SRDPipeline

/// A job as the API, the status file and `srd status --json` show it (snake_case keys).
public struct JobView: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var pipeline: String
    public var origin: JobOrigin
    public var state: JobState
    public var stage: JobStage
    public var attempts: Int
    public var error: String?
    public var cancelRequested: Bool
    public var progress: ProgressView?
    public var source: String
    public var output: String?
    public var archived: String?
    public var workerPID: Int32?
    public var retryAt: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var summary: JSONValue?
    /// What the current (or last) worker ran: plan, whole, segment:N or join.
    public var unit: String?
    /// Segments of a cut input; nil when it is done in one pass.
    public var segments: SegmentsView?
    /// The node that holds the job (fleet mode); nil on a single machine or while it waits.
    public var owner: String?

    public struct SegmentsView: Sendable, Codable, Equatable {
        public var done: Int
        public var total: Int
        /// Workers started per segment (a number above 1 is a segment redone after a failure or crash).
        public var starts: [Int]
    }

    public struct ProgressView: Sendable, Codable, Equatable {
        public var framesDone: Int
        public var framesTotal: Int?
        public var percent: Double?
        public var fps: Double?
        public var etaSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case framesDone = "frames_done", framesTotal = "frames_total", percent, fps, etaSeconds = "eta_seconds"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(framesDone, forKey: .framesDone)
            try c.encode(framesTotal, forKey: .framesTotal)
            try c.encode(percent, forKey: .percent)
            try c.encode(fps, forKey: .fps)
            try c.encode(etaSeconds, forKey: .etaSeconds)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, pipeline, origin, state, stage, attempts, error
        case cancelRequested = "cancel_requested", progress, source, output, archived
        case workerPID = "worker_pid", retryAt = "retry_at", createdAt = "created_at"
        case startedAt = "started_at", finishedAt = "finished_at", summary, unit, segments, owner
    }

    /// Every key always present (`null` when absent), so clients can rely on the shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(origin, forKey: .origin)
        try c.encode(state, forKey: .state)
        try c.encode(stage, forKey: .stage)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(error, forKey: .error)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(progress, forKey: .progress)
        try c.encode(source, forKey: .source)
        try c.encode(output, forKey: .output)
        try c.encode(archived, forKey: .archived)
        try c.encode(workerPID, forKey: .workerPID)
        try c.encode(retryAt, forKey: .retryAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(summary, forKey: .summary)
        try c.encode(unit, forKey: .unit)
        try c.encode(segments, forKey: .segments)
        try c.encode(owner, forKey: .owner)
    }

    public init(_ job: Job) {
        id = job.id
        name = job.name
        pipeline = job.pipeline
        origin = job.origin
        state = job.state
        stage = job.stage
        attempts = job.attempts
        error = job.error
        cancelRequested = job.cancelRequested
        progress = job.progress.map { p in
            ProgressView(
                framesDone: p.framesDone, framesTotal: p.framesTotal,
                percent: p.framesTotal.flatMap { $0 > 0 ? (Double(p.framesDone) * 1000 / Double($0)).rounded() / 10 : nil },
                fps: p.fps, etaSeconds: p.etaSeconds
            )
        }
        source = job.source
        output = job.outputPath
        archived = job.archivePath
        workerPID = job.workerPID
        retryAt = job.notBefore
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        summary = job.summary.flatMap(JSONValue.init(text:))
        unit = job.unit?.text
        owner = job.owner
        if let plan = job.segmentPlan, plan.isCut {
            segments = SegmentsView(done: job.segmentsDone, total: plan.segments.count, starts: job.segmentStarts)
        }
    }
}

/// What the daemon is doing: `GET /v1/status`, the status file, and `srd status`.
public struct StatusSnapshot: Sendable, Codable, Equatable {
    public var version: Int
    public var daemon: DaemonView
    public var counts: [String: Int]
    /// Running jobs, then queued ones (oldest first, at most 50).
    public var active: [JobView]
    /// Last finished jobs, newest first (at most 10).
    public var recent: [JobView]
    /// The nodes sharing the job store (fleet mode); nil on a single machine.
    public var nodes: [NodeRecord]?
    public var updatedAt: Date

    public struct DaemonView: Sendable, Codable, Equatable {
        public var pid: Int32
        public var state: String
        public var startedAt: Date
        public var workers: Int
        public var busyWorkers: Int
        public var pausedReason: String?
        public var defaultPipeline: String
        public var pipelines: [String]
        public var inbox: String
        public var outbox: String
        /// This node's name in fleet mode; nil on a single machine.
        public var node: String?

        enum CodingKeys: String, CodingKey {
            case pid, state, startedAt = "started_at", workers, busyWorkers = "busy_workers"
            case pausedReason = "paused_reason", defaultPipeline = "default_pipeline", pipelines, inbox, outbox, node
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pid, forKey: .pid)
            try c.encode(state, forKey: .state)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(workers, forKey: .workers)
            try c.encode(busyWorkers, forKey: .busyWorkers)
            try c.encode(pausedReason, forKey: .pausedReason)
            try c.encode(defaultPipeline, forKey: .defaultPipeline)
            try c.encode(pipelines, forKey: .pipelines)
            try c.encode(inbox, forKey: .inbox)
            try c.encode(outbox, forKey: .outbox)
            try c.encode(node, forKey: .node)
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, daemon, counts, active, recent, nodes, updatedAt = "updated_at"
    }
}

/// The one JSON style of the daemon: sorted keys, ISO 8601 dates with milliseconds.
enum DaemonJSON {
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(iso8601(date))
        }
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let s = try decoder.singleValueContainer().decode(String.self)
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = f.date(from: s) ?? ISO8601DateFormatter().date(from: s) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(s)"))
        }
        return d
    }

    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
