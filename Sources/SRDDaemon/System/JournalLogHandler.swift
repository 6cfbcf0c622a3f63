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
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line = Self.format(level: event.level, message: event.message.description, metadata: merged, journal: journal, now: Date())
        _ = line.withCString { fputs($0, stderr) }
    }

    /// One log line, newline included: priority (journal) or time and level, the message, then
    /// `key=value` fields sorted by key, values with spaces quoted.
    static func format(level: Logger.Level, message: String, metadata: Logger.Metadata, journal: Bool, now: Date) -> String {
        var line = journal ? "<\(priority(level))>" : DaemonJSON.iso8601(now) + " " + level.rawValue.uppercased() + " "
        line += message
        for key in metadata.keys.sorted() {
            let value = "\(metadata[key]!)"
            let quoted = value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
            line += " \(key)=\(quoted)"
        }
        return line.replacingOccurrences(of: "\n", with: " ") + "\n"
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
