#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Log lines on stderr that journald understands: a `<N>` syslog priority prefix (so
/// `journalctl -p warning` works) and `key=value` metadata. Outside systemd (no
/// `JOURNAL_STREAM`), lines start with an ISO 8601 time instead of the priority.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let journal: Bool

    public init(label: String, level: Logger.Level = .info, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label
        logLevel = level
        journal = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = journal ? "<\(Self.priority(event.level))>" : DaemonJSON.iso8601(Date()) + " " + event.level.rawValue.uppercased() + " "
        line += event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            let value = "\(merged[key]!)"
            let quoted = value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
            line += " \(key)=\(quoted)"
        }
        line = line.replacingOccurrences(of: "\n", with: " ") + "\n"
        _ = line.withCString { fputs($0, stderr) }
    }

    /// syslog priority of a swift-log level.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
