#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle

/// Watches the inbox (inotify plus a periodic rescan) and hands over each complete file.
///
/// A file is handed over once: it is forgotten here as soon as `onComplete` accepts it, and
/// the claim moves it out of the inbox. The loop ticks a few times per second; each tick
/// drains inotify events, rescans when due, and stats the files not yet complete.
public struct InboxWatcher: Service {
    /// Called for each complete file with its pipeline; returns false to have it offered again later.
    public typealias Handler = @Sendable (_ path: String, _ pipeline: String) async -> Bool

    let configuration: LiveConfiguration
    let clock: any DaemonClock
    let logger: Logger
    let onComplete: Handler

    public init(configuration: LiveConfiguration, clock: any DaemonClock, logger: Logger, onComplete: @escaping Handler) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.onComplete = onComplete
    }

    public func run() async throws {
        let inotify = try Inotify()
        var config = configuration.current
        var tracker = StabilityTracker(window: config.stableSeconds)
        var nextRescan = 0.0
        try? inotify.watch(config.inbox)
        logger.info("watching inbox", metadata: ["inbox": "\(config.inbox)", "stable_seconds": "\(config.stableSeconds)"])

        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            config = configuration.current
            tracker.window = config.stableSeconds
            let layout = InboxLayout(inbox: config.inbox, defaultPipeline: config.defaultPipeline)
            let now = clock.monotonicSeconds()

            for event in inotify.drain() {
                if event.mask & Inotify.overflow != 0 {
                    nextRescan = 0
                    continue
                }
                if event.isDirectory {
                    // A new pipeline folder: watch it and look inside at once.
                    if event.mask & (Inotify.create | Inotify.movedTo) != 0, event.folder == config.inbox,
                        !InboxLayout.isIgnored(name: event.name)
                    {
                        try? inotify.watch(event.path)
                        nextRescan = 0
                    }
                    continue
                }
                guard layout.pipeline(for: event.path) != nil else { continue }
                if event.mask & (Inotify.closeWrite | Inotify.movedTo) != 0 {
                    tracker.noteClosed(event.path, now: now)
                } else if event.mask & (Inotify.create | Inotify.modify) != 0 {
                    tracker.noteWriting(event.path, now: now)
                } else if event.mask & (Inotify.delete | Inotify.movedFrom) != 0 {
                    tracker.forget(event.path)
                }
            }

            if now >= nextRescan {
                for path in scan(config.inbox, inotify: inotify) where layout.pipeline(for: path) != nil {
                    tracker.noteFound(path, now: now)
                }
                nextRescan = now + config.rescanSeconds
            }

            for path in tracker.paths.sorted() {
                guard tracker.observe(path, observe(path), now: now), let pipeline = layout.pipeline(for: path) else {
                    continue
                }
                tracker.forget(path)
                if await !onComplete(path, pipeline) { tracker.noteFound(path, now: now) }
            }

            let tick = min(0.25, max(0.05, config.stableSeconds / 4))
            await clock.pause(seconds: tick)
        }
    }

    /// Regular files in the inbox and its first-level folders (watching each such folder).
    private func scan(_ inbox: String, inotify: Inotify) -> [String] {
        var found: [String] = []
        let fm = FileManager.default
        try? inotify.watch(inbox)
        for entry in (try? fm.contentsOfDirectory(atPath: inbox)) ?? [] where !InboxLayout.isIgnored(name: entry) {
            let path = inbox + "/" + entry
            if DurableFiles.isDirectory(path) {
                try? inotify.watch(path)
                for inner in (try? fm.contentsOfDirectory(atPath: path)) ?? [] {
                    let p = path + "/" + inner
                    if isRegularFile(p) { found.append(p) }
                }
            } else if isRegularFile(path) {
                found.append(path)
            }
        }
        return found
    }

    private func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private func observe(_ path: String) -> FileObservation? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileObservation(
            size: Int64(st.st_size),
            modifiedNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        )
    }
}
