/// Which inbox files are jobs, and for which pipeline.
///
/// `inbox/<name>` uses the default pipeline, `inbox/<pipeline>/<name>` that pipeline;
/// deeper files are ignored. Hidden and temporary names are never taken, since uploaders
/// and editors write those first and rename them when done.
public struct InboxLayout: Sendable, Equatable {
    public var inbox: String
    public var defaultPipeline: String

    public init(inbox: String, defaultPipeline: String) {
        self.inbox = inbox
        self.defaultPipeline = defaultPipeline
    }

    /// Suffixes of names that are still being written by someone.
    static let temporarySuffixes = [".part", ".tmp", "~", ".partial", ".crdownload", ".swp", ".filepart"]

    /// True for names the daemon must leave alone.
    public static func isIgnored(name: String) -> Bool {
        if name.isEmpty || name.hasPrefix(".") { return true }
        let lower = name.lowercased()
        return temporarySuffixes.contains { lower.hasSuffix($0) }
    }

    /// The pipeline for a file at `path`, or nil when the path is not a job candidate.
    public func pipeline(for path: String) -> String? {
        guard path.hasPrefix(inbox + "/") else { return nil }
        let parts = path.dropFirst(inbox.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            return Self.isIgnored(name: parts[0]) ? nil : defaultPipeline
        case 2:
            return Self.isIgnored(name: parts[0]) || Self.isIgnored(name: parts[1]) ? nil : parts[0]
        default:
            return nil
        }
    }
}
