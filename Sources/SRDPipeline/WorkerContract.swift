import Foundation
import SRDEngine
import SRDMedia

/// Exit codes of `srd upscale` (and the other subcommands): the contract by which `srd serve`
/// decides whether a retry can help (docs/DAEMON.md). Defined once, for both sides.
public enum WorkerExitCode {
    /// Success.
    public static let success: Int32 = 0
    /// Unexpected failure (a bug, a full disk, an I/O error): a retry may succeed.
    public static let failure: Int32 = 1
    /// The input or the request is bad (corrupt file or weights, no video stream, unsupported
    /// scale, unknown model, over a limit): retrying cannot help.
    public static let badInput: Int32 = 2
    /// Invalid arguments or unknown pipeline (swift-argument-parser's EX_USAGE): never retried.
    public static let usage: Int32 = 64

    /// True when a worker that exited with `code` would give the same answer again.
    public static func isPermanent(_ code: Int32) -> Bool { code == badInput || code == usage }

    /// The exit code for an error that ended a command.
    public static func code(for error: Error) -> Int32 {
        switch error {
        case let e as PipelineError:
            return e.isTransient ? failure : badInput
        case let e as MediaError:
            switch e.kind {
            case .encodeFailed, .writeFailed: return failure
            default: return badInput
            }
        case is EngineError:
            // A corrupt, truncated or mismatched weight file, or an input the network cannot take.
            return badInput
        default:
            return failure
        }
    }
}

/// Frames done so far and the worker's own speed estimate: what `--progress json` reports and
/// what the daemon stores with a running job.
public struct JobProgress: Sendable, Codable, Equatable {
    public var framesDone: Int
    /// The container's estimate; nil when unknown (image sequences, streams without a count).
    public var framesTotal: Int?
    public var fps: Double?
    public var etaSeconds: Double?

    public init(framesDone: Int, framesTotal: Int? = nil, fps: Double? = nil, etaSeconds: Double? = nil) {
        self.framesDone = framesDone
        self.framesTotal = framesTotal
        self.fps = fps
        self.etaSeconds = etaSeconds
    }

    enum CodingKeys: String, CodingKey {
        case framesDone = "frames_done", framesTotal = "frames_total", fps
        case etaSeconds = "eta_seconds"
    }
}

/// One line a worker writes on stdout with `--progress json`, and the daemon reads back: the
/// event half of the worker contract (the request half is `WorkerRequest`), Codable on both sides.
public enum WorkerEvent: Sendable, Equatable, Codable {
    /// `{"event":"progress","frames_done":...,"frames_total":...,"fps":...,"eta_seconds":...}`.
    case progress(JobProgress)
    /// `{"event":"done","output":...,"summary":{...}}`; summary as JSON text.
    case done(output: String?, summary: String?)
    /// `{"event":"error","message":...}`.
    case error(String)
    /// `{"event":"plan","plan":{...}}`: how a `plan` request cut the input.
    case plan(SegmentPlan)

    private enum Kind: String, Codable { case progress, done, error, plan }
    private enum CodingKeys: String, CodingKey { case event, output, summary, message, plan }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .event) {
        case .progress: self = .progress(try JobProgress(from: decoder))
        case .done:
            let summary = try c.decodeIfPresent(JSONValue.self, forKey: .summary)
            self = .done(output: try c.decodeIfPresent(String.self, forKey: .output), summary: summary.flatMap { $0 == .null ? nil : $0.text })
        case .error: self = .error(try c.decodeIfPresent(String.self, forKey: .message) ?? "unknown error")
        case .plan: self = .plan(try c.decode(SegmentPlan.self, forKey: .plan))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .progress(let p):
            try c.encode(Kind.progress, forKey: .event)
            // Rounded for the reader: fps to 0.01, the ETA to 0.1 s.
            try JobProgress(framesDone: p.framesDone, framesTotal: p.framesTotal, fps: p.fps.map { ($0 * 100).rounded() / 100 },
                            etaSeconds: p.etaSeconds.map { ($0 * 10).rounded() / 10 }).encode(to: encoder)
        case .done(let output, let summary):
            try c.encode(Kind.done, forKey: .event)
            try c.encodeIfPresent(output, forKey: .output)
            try c.encodeIfPresent(summary.flatMap(JSONValue.init(text:)), forKey: .summary)
        case .error(let message):
            try c.encode(Kind.error, forKey: .event)
            try c.encode(message, forKey: .message)
        case .plan(let plan):
            try c.encode(Kind.plan, forKey: .event)
            try c.encode(plan, forKey: .plan)
        }
    }

    /// The event as one JSON line (no newline), keys sorted.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Parses one stdout line; nil for lines that are not worker events (libav's own messages,
    /// a future event kind).
    public static func parse(line: String) -> WorkerEvent? {
        guard line.hasPrefix("{"), let data = line.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(WorkerEvent.self, from: data)
    }

    /// Writes the event as one flushed stdout line (the daemon reads these from a pipe).
    public func print() {
        FileHandle.standardOutput.write(Data((jsonLine + "\n").utf8))
    }
}
