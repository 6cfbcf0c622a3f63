import Foundation

/// One line of a worker's `--progress json` output, or the end of the worker.
public enum WorkerMessage: Sendable, Equatable {
    case progress(JobProgress)
    /// `{"event":"done","output":...,"summary":{...}}`; summary as JSON text.
    case done(output: String?, summary: String?)
    /// `{"event":"error","message":...}`.
    case error(String)
    /// The child process ended (always the last message).
    case exited(WorkerTermination)

    /// Parses one stdout line; nil for lines that are not worker events.
    public static func parse(line: String) -> WorkerMessage? {
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
                fps: double("fps"), etaSeconds: double("eta_seconds")
            ))
        case "done":
            var summary: String?
            if let s = object["summary"], JSONSerialization.isValidJSONObject(s),
                let d = try? JSONSerialization.data(withJSONObject: s, options: [.sortedKeys])
            {
                summary = String(decoding: d, as: UTF8.self)
            }
            return .done(output: object["output"] as? String, summary: summary)
        case "error":
            return .error(object["message"] as? String ?? "unknown error")
        default:
            return nil
        }
    }
}

/// How the child process ended, straight from waitpid.
public enum WorkerTermination: Sendable, Equatable {
    case exited(Int32)
    case signalled(Int32)
    case launchFailed(String)
    case timedOut(Double)
}
