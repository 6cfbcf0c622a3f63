#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What the status API asks of the runner: new jobs, cancellation, and what it is doing.
extension JobRunner {
    /// Takes `path` as a new job: stores it, then moves the file into the work folder.
    /// - Returns: the job, or nil when the runner is not ready yet or already has this file.
    public func claim(path: String, pipeline: String, origin: JobOrigin) async throws -> Job? {
        guard recovered, !stopping else { return nil }
        if try await store.isClaiming(source: path) { return nil }
        var job = Job(name: (path as NSString).lastPathComponent, pipeline: pipeline, origin: origin, source: path, now: clock.now())
        _ = assignOwnership(&job)
        do {
            job = try await store.insert(job)
        } catch is JobStoreDuplicateClaim {
            return nil  // another node of the fleet is claiming this file
        }
        cache[job.id] = job
        logger.info("job queued", metadata: meta(job))
        await perform([.completeClaim], for: job.id)
        await refreshCounts()
        if let cached = cache[job.id] { return cached }
        return try? await store.job(id: job.id)
    }

    /// `POST /v1/jobs`: checks the request (`SubmissionPolicy`), then claims the file: moved
    /// from the inbox, copied from a submit root.
    public func submit(path requested: String, pipeline: String?) async throws -> Job {
        let config = configuration.current
        let pipeline = pipeline ?? config.defaultPipeline
        guard catalog.accepts(pipeline) else {
            throw JobRequestError(kind: .invalid, description: "unknown pipeline '\(pipeline)' (known: \(catalog.names().joined(separator: ", ")))")
        }
        let path: String
        switch try SubmissionPolicy(config).check(requested) {
        case .move(let p), .copy(let p): path = p
        }
        guard let job = try await claim(path: path, pipeline: pipeline, origin: .api) else {
            throw JobRequestError(kind: stopping || !recovered ? .unavailable : .conflict, description: stopping || !recovered ? "daemon is not accepting jobs now" : "a job for \(path) exists already")
        }
        if job.state == .cancelled {
            throw JobRequestError(kind: .invalid, description: job.error ?? "could not claim \(path)")
        }
        return job
    }

    /// True when jobs may name `pipeline` (`POST /v1/uploads` checks before receiving the body).
    public func acceptsPipeline(_ pipeline: String) -> Bool { catalog.accepts(pipeline) }

    /// True once the runner is shutting down (long-lived responses such as event streams end).
    public var isStopping: Bool { stopping }

    /// `DELETE /v1/jobs/{id}`.
    public func cancel(id: Int64) async throws -> Job {
        guard let job = try await job(id: id) else { throw JobRequestError(kind: .notFound, description: "no job \(id)") }
        if let parent = job.parentID {
            throw JobRequestError(kind: .conflict, description: "job \(id) is a segment of job \(parent): cancel job \(parent)")
        }
        guard !job.state.isTerminal, [.claim, .wait, .segments, .run].contains(job.stage) else {
            throw JobRequestError(kind: .conflict, description: "job \(id) is \(job.state.rawValue) and can no longer be cancelled")
        }
        if let owner = job.owner, owner != node, let lease = job.leaseUntil, lease > clock.now() {
            return try await requestRemoteCancel(id: id, owner: owner)
        }
        logger.notice("cancel requested", metadata: meta(job))
        await send(.cancel, to: id)
        return try await self.job(id: id) ?? job
    }

    public func job(id: Int64) async throws -> Job? {
        if let job = cache[id] { return job }
        return try await store.job(id: id)
    }

    /// Jobs newest first, with live progress of running ones.
    public func jobs(states: [JobState]? = nil, limit: Int = 100) async throws -> [Job] {
        var out: [Job] = []
        for job in try await store.jobs(states: states, limit: limit) { out.append(await withSegmentProgress(cache[job.id] ?? job)) }
        return out
    }

    /// What the daemon is doing now.
    public func snapshot() async throws -> StatusSnapshot {
        let config = configuration.current
        let counts = try await store.counts()
        // A node of a fleet shows the whole fleet's queue (each job as its holder last stored it).
        var unfinished = cache
        if node != nil {
            for job in try await store.jobs(states: [.queued, .running], limit: 50) where unfinished[job.id] == nil { unfinished[job.id] = job }
        }
        var active: [Job] = []
        let shown = unfinished.values.filter { !$0.state.isTerminal && !$0.isSegmentJob }
            .sorted { ($0.state == .running ? 0 : 1, $0.id) < ($1.state == .running ? 0 : 1, $1.id) }
        for job in shown.prefix(50) { active.append(await withSegmentProgress(job)) }
        let recent = try await store.jobs(states: [.done, .failed, .cancelled], limit: 10)
        return StatusSnapshot(
            version: 1,
            daemon: .init(
                pid: getpid(), state: stopping ? "stopping" : (recovered ? "running" : "starting"),
                startedAt: startedAt, workers: config.workers, busyWorkers: workers.count,
                pausedReason: pausedReason, defaultPipeline: config.defaultPipeline, pipelines: catalog.names(),
                inbox: config.inbox, outbox: config.outbox, node: node
            ),
            counts: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
            active: active.map(JobView.init),
            recent: recent.map(JobView.init),
            nodes: node == nil ? nil : try await store.nodes(),
            updatedAt: clock.now()
        )
    }
}
