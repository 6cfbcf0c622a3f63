import Foundation
import SRDMedia
import SRDPipeline

/// Public life of a job, as the API and status file report it.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed, cancelled

    /// Done, failed and cancelled jobs never change again.
    public var isTerminal: Bool { self == .done || self == .failed || self == .cancelled }
}

/// Where a job is inside its state, so that a restart knows which idempotent step to redo.
///
/// `claim` and `wait` are queued; `run`, `publish` and `archive` are running; `quarantine`
/// keeps the state it had (queued or running) while the input is moved to failed/; `finished`
/// is done, failed or cancelled. A terminal state is only shown once its files are in place.
public enum JobStage: String, Sendable, Codable, CaseIterable {
    /// Row written, input not yet renamed into the work folder.
    case claim
    /// Input in work/<id>/, waiting for a worker slot (or for its retry time).
    case wait
    /// Cut into segments, each a job of its own (`Job.parentID`) that any worker of any node
    /// may run; the job itself waits, held by nobody, until they have all finished.
    case segments
    /// A worker child process is (or was, before a crash) running.
    case run
    /// Worker succeeded; output and metrics being moved into the outbox.
    case publish
    /// Output safe in the outbox; input being moved to done/ (or deleted).
    case archive
    /// Job failed or was cancelled; input being moved to failed/ with an error report.
    case quarantine
    /// Nothing left to do.
    case finished
}

/// What one worker child process does for a job. A short input is one `whole` unit; a long
/// one is planned, cut at keyframes into segments that each are a unit with their own
/// attempts, and joined.
public enum WorkUnit: Sendable, Equatable, Codable {
    /// Cut the input into segments (reads the container's index only).
    case plan
    /// The whole file in one pass.
    case whole
    /// Segment n of the plan.
    case segment(Int)
    /// Join the finished segments with the input's audio and subtitles.
    case join

    /// The unit as stored in the job table ("plan", "whole", "segment:3", "join").
    public var text: String {
        switch self {
        case .plan: return "plan"
        case .whole: return "whole"
        case .segment(let n): return "segment:\(n)"
        case .join: return "join"
        }
    }

    /// The segment's index for a segment unit.
    public var segmentIndex: Int? {
        if case .segment(let n) = self { return n }
        return nil
    }

    public init?(text: String) {
        switch text {
        case "plan": self = .plan
        case "whole": self = .whole
        case "join": self = .join
        default:
            guard text.hasPrefix("segment:"), let n = Int(text.dropFirst("segment:".count)) else { return nil }
            self = .segment(n)
        }
    }
}

/// Where an input came from.
public enum JobOrigin: String, Sendable, Codable {
    /// Dropped into the inbox and found by the watcher.
    case inbox
    /// Submitted through `POST /v1/jobs`.
    case api
}

/// One input file's journey through the daemon; a row of the `job` table.
public struct Job: Sendable, Codable, Equatable {
    /// Assigned by the database (autoincrement); 0 before insertion.
    public var id: Int64
    /// File name of the input (no folder).
    public var name: String
    /// Pipeline preset name.
    public var pipeline: String
    public var origin: JobOrigin
    /// Path the input had before it was claimed.
    public var source: String
    public var state: JobState
    public var stage: JobStage
    /// Attempts started (interrupted ones by a daemon stop are given back).
    public var attempts: Int
    /// Attempts cut short by a daemon stop or crash (never the job's fault).
    public var interruptions: Int
    /// Why the job failed, or why the last attempt failed.
    public var error: String?
    public var cancelRequested: Bool
    public var progress: JobProgress?
    /// The worker's `summary` object (metrics), JSON text.
    public var summary: String?
    /// Chosen outbox path of the output, fixed before publishing so a restart reuses it.
    public var outputPath: String?
    /// Chosen path of the input in done/ or failed/, fixed before moving it.
    public var archivePath: String?
    /// Process id and start time (clock ticks since boot) of the current worker.
    public var workerPID: Int32?
    public var workerStartTicks: Int64?
    /// A retry waits until this time.
    public var notBefore: Date?
    /// The unit the current (or last) worker runs.
    public var unit: WorkUnit?
    /// How the input was cut; nil until planned (or when the daemon does not cut inputs).
    public var segmentPlan: SegmentPlan?
    /// Segments finished, in order: the job resumes at this one.
    public var segmentsDone: Int
    /// Workers started for each segment (never given back, unlike `attempts`: it shows how
    /// often a segment was really redone after a crash).
    public var segmentStarts: [Int]
    /// The store's row version: every write is a compare-and-swap on it (0 before insertion).
    public var version: Int64
    /// For a segment of a cut job: the job it belongs to, and which part of its plan it is.
    /// Such a job runs one unit (`.segment(index)`) on its parent's input and into its parent's
    /// segments folder; it is never listed or counted as a job of its own.
    public var parentID: Int64?
    public var segment: VideoSegment?
    /// The node that holds the job (fleet mode), and until when its lease runs.
    public var owner: String?
    public var leaseUntil: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public init(name: String, pipeline: String, origin: JobOrigin, source: String, now: Date) {
        id = 0
        self.name = name
        self.pipeline = pipeline
        self.origin = origin
        self.source = source
        state = .queued
        stage = .claim
        attempts = 0
        interruptions = 0
        error = nil
        cancelRequested = false
        progress = nil
        summary = nil
        outputPath = nil
        archivePath = nil
        workerPID = nil
        workerStartTicks = nil
        notBefore = nil
        unit = nil
        segmentPlan = nil
        segmentsDone = 0
        segmentStarts = []
        parentID = nil
        segment = nil
        version = 0
        owner = nil
        leaseUntil = nil
        createdAt = now
        startedAt = nil
        finishedAt = nil
        updatedAt = now
    }
}

extension Job {
    /// True when the plan cut the input into more than one segment.
    public var isSegmented: Bool { segmentPlan?.isCut == true }

    /// What the next worker of this job runs: the plan first when `cutting`, then each
    /// unfinished segment in order, then the join; one whole unit when the input is not cut.
    public func nextUnit(cutting: Bool) -> WorkUnit {
        if let segment { return .segment(segment.index) }
        guard let plan = segmentPlan else { return cutting ? .plan : .whole }
        guard plan.isCut else { return .whole }
        return segmentsDone < plan.segments.count ? .segment(segmentsDone) : .join
    }

    /// True for a segment of a cut job (a child job).
    public var isSegmentJob: Bool { parentID != nil }

    /// The child job that runs segment `segment` of this job's plan.
    func segmentJob(_ segment: VideoSegment, now: Date) -> Job {
        // A source of its own (unique among segment jobs), never a path anyone could drop again.
        var child = Job(name: name, pipeline: pipeline, origin: origin, source: "\(source)#job-\(id)-segment-\(segment.index)", now: now)
        child.parentID = id
        child.segment = segment
        child.stage = .wait
        child.segmentStarts = [0]
        return child
    }

    /// Frames of the segments before `segment`, for the job's progress.
    func framesBefore(segment: Int) -> Int {
        segmentPlan?.segments.prefix(segment).map(\.frames).reduce(0, +) ?? 0
    }
}
