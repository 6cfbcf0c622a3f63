/// Size and modification time of a file at one moment.
public struct FileObservation: Sendable, Equatable {
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public init(size: Int64, modifiedNanoseconds: Int64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}

/// Decides when an inbox file is complete, from inotify events and repeated observations.
///
/// A file is complete when nobody is known to be writing it (inotify said close-after-write
/// or moved-in after its last create/modify, or it was found by a scan with no event at all)
/// and its size and mtime stayed the same for `window` seconds. Pure: time comes in as
/// an argument (seconds on a monotonic clock), so tests drive it without sleeping.
public struct StabilityTracker: Sendable {
    /// What inotify last said about a file.
    public enum WriteState: Sendable, Equatable {
        /// Created or modified, not closed since: someone is writing.
        case writing
        /// Closed after writing, or moved in whole.
        case closed
        /// Found by a scan; no event seen.
        case unknown
    }

    struct Entry: Sendable {
        var state: WriteState
        var observation: FileObservation?
        var stableSince: Double
    }

    public var window: Double
    private(set) var entries: [String: Entry] = [:]

    public init(window: Double) { self.window = window }

    /// Paths being tracked (not yet taken).
    public var paths: [String] { Array(entries.keys) }

    /// inotify IN_CREATE or IN_MODIFY.
    public mutating func noteWriting(_ path: String, now: Double) {
        entries[path, default: Entry(state: .writing, observation: nil, stableSince: now)].state = .writing
        entries[path]!.stableSince = now
    }

    /// inotify IN_CLOSE_WRITE or IN_MOVED_TO: the stability window starts now.
    public mutating func noteClosed(_ path: String, now: Double) {
        entries[path] = Entry(state: .closed, observation: entries[path]?.observation, stableSince: now)
    }

    /// A scan found the file; tracks it if unknown, keeps what events said otherwise.
    public mutating func noteFound(_ path: String, now: Double) {
        if entries[path] == nil { entries[path] = Entry(state: .unknown, observation: nil, stableSince: now) }
    }

    /// The file is gone (or was taken): stop tracking it.
    public mutating func forget(_ path: String) {
        entries[path] = nil
    }

    /// Records what `stat` says now and returns true when the file is complete.
    /// - Parameter observation: nil when the file no longer exists (it is then forgotten).
    public mutating func observe(_ path: String, _ observation: FileObservation?, now: Double) -> Bool {
        guard var entry = entries[path] else { return false }
        guard let observation else {
            entries[path] = nil
            return false
        }
        if entry.observation != observation {
            entry.observation = observation
            entry.stableSince = now
        }
        entries[path] = entry
        return entry.state != .writing && now - entry.stableSince >= window
    }

    public func state(of path: String) -> WriteState? { entries[path]?.state }
}
