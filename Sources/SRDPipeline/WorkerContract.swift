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

/// One line a worker writes on stdout with `--progress json`, and the daemon reads back.
public enum WorkerEvent: Sendable, Equatable {
    /// `{"event":"progress","frames_done":...,"frames_total":...,"fps":...,"eta_seconds":...}`.
    case progress(JobProgress)
    /// `{"event":"done","output":...,"summary":{...}}`; summary as JSON text.
    case done(output: String?, summary: String?)
    /// `{"event":"error","message":...}`.
    case error(String)
    /// `{"event":"plan","plan":{...}}`: how a `plan` request cut the input.
    case plan(SegmentPlan)

    /// The event as one JSON line (no newline), keys sorted.
    public var jsonLine: String {
        var object: [String: Any]
        switch self {
        case .progress(let p):
            object = ["event": "progress", "frames_done": p.framesDone]
            if let f = p.fps { object["fps"] = (f * 100).rounded() / 100 }
            if let t = p.framesTotal { object["frames_total"] = t }
            if let e = p.etaSeconds { object["eta_seconds"] = (e * 10).rounded() / 10 }
        case .done(let output, let summary):
            object = ["event": "done"]
            if let output { object["output"] = output }
            if let summary, let data = summary.data(using: .utf8), let s = try? JSONSerialization.jsonObject(with: data) {
                object["summary"] = s
            }
        case .error(let message):
            object = ["event": "error", "message": message]
        case .plan(let plan):
            object = ["event": "plan"]
            if let data = try? JSONEncoder().encode(plan), let p = try? JSONSerialization.jsonObject(with: data) {
                object["plan"] = p
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses one stdout line; nil for lines that are not worker events.
    public static func parse(line: String) -> WorkerEvent? {
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let event = object["event"] as? String
        else { return nil }
        func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
        func double(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        switch event {
        case "progress":
            return .progress(JobProgress(
                framesDone: int("frames_done") ?? 0, framesTotal: int("frames_total"),
                fps: double("fps"), etaSeconds: double("eta_seconds")))
        case "done":
            var summary: String?
            if let s = object["summary"], JSONSerialization.isValidJSONObject(s),
                let d = try? JSONSerialization.data(withJSONObject: s, options: [.sortedKeys]) {
                summary = String(decoding: d, as: UTF8.self)
            }
            return .done(output: object["output"] as? String, summary: summary)
        case "error":
            return .error(object["message"] as? String ?? "unknown error")
        case "plan":
            guard let p = object["plan"], JSONSerialization.isValidJSONObject(p),
                  let data = try? JSONSerialization.data(withJSONObject: p),
                  let plan = try? JSONDecoder().decode(SegmentPlan.self, from: data)
            else { return nil }
            return .plan(plan)
        default:
            return nil
        }
    }

    /// Writes the event as one flushed stdout line (the daemon reads these from a pipe).
    public func print() {
        FileHandle.standardOutput.write(Data((jsonLine + "\n").utf8))
    }
}
