#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import SRDPipeline
import ServiceLifecycle

/// Owns every job: claims inputs, starts workers, applies events through the state machine,
/// stores the result, then performs the returned actions. The only writer of the job table.
///
/// Runs as a Service: recovery first (every stored job gets the `recover` event), then a
/// scheduling loop; on graceful shutdown it stops its workers (SIGTERM, then SIGKILL after
/// `worker_stop_grace_seconds`) and gives their attempts back, so a restart runs them again.
public actor JobRunner: Service {
    let store: any JobStoring
    let configuration: LiveConfiguration
    let clock: any DaemonClock
    let logger: Logger
    let metrics: DaemonMetrics
    nonisolated let startedAt: Date

    var cache: [Int64: Job] = [:]
    var workers: [Int64: WorkerProcess] = [:]
    var consumers: [Int64: Task<Void, Never>] = [:]
    var lastPersisted: [Int64: Double] = [:]
    var lastFrames: [Int64: Int] = [:]
    var stuck: [Int64: Double] = [:]
    var recovered = false
    var stopping = false
    var pausedReason: String?
    let builtinPipelines: String?
    /// This node's name in fleet mode (a shared store); nil on a single machine.
    let node: String?
    var lastHeartbeat = -Double.infinity
    var nextClaimAt = -Double.infinity
    /// Store writes one at a time: a write awaits the store, and an event arriving meanwhile must
    /// not read the job before the write it depends on (or write with a stale version).
    var gateBusy = false
    var gateWaiters: [CheckedContinuation<Void, Never>] = []
    /// A state changed: the job counts (gauges) are refreshed before the next actions.
    var countsStale = false

    public init(
        store: any JobStoring, configuration: LiveConfiguration, clock: any DaemonClock, logger: Logger,
        metrics: DaemonMetrics, builtinPipelines: String?, node: String? = nil
    ) {
        self.node = node
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.startedAt = clock.now()
        self.builtinPipelines = builtinPipelines
    }

    // MARK: Service

    public func run() async throws {
        try await recover()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await tick()
            await clock.pause(seconds: 0.1)
        }
        await shutdown()
    }

    /// The presets jobs may name: the built-in folder, then the configuration's
    /// `pipeline_folders` (read as they are now, so a SIGHUP that changes them takes effect).
    var catalog: PresetCatalog {
        PresetCatalog(folders: (builtinPipelines.map { [$0] } ?? []) + configuration.current.pipelineFolders)
    }

    func recover() async throws {
        // A node of a fleet picks up its own jobs; the others' come back to it through their leases.
        for job in try await store.unfinished() where node == nil || job.owner == node {
            cache[job.id] = job
            logger.info("recovering job", metadata: meta(job))
            await send(.recover, to: job.id)
        }
        await sweepLeftovers()
        recovered = true
        await refreshCounts()
    }

    func tick() async {
        let now = clock.monotonicSeconds()
        for (id, due) in stuck where due <= now {
            stuck[id] = nil
            await send(.recover, to: id)
        }
        await heartbeat()
        // A SIGTERM that came while the heartbeat waited on the store ends the loop without
        // another round trip (with the database down, each costs up to the store's timeout).
        guard !Task.isShuttingDownGracefully else { return }
        await startReadyJobs()
    }

    func shutdown() async {
        stopping = true
        let grace = configuration.current.workerStopGraceSeconds
        if !workers.isEmpty {
            logger.notice("stopping workers", metadata: ["count": "\(workers.count)", "grace_seconds": "\(grace)"])
        }
        for worker in workers.values { worker.stop(grace: grace) }
        // Each consumer stores its worker's end; with the store unreachable that would wait
        // for the database client's own retries, so the wait is bounded (the job's lease or
        // its stored stage covers an end that was not stored).
        for consumer in consumers.values {
            _ = try? await bounded(grace + 5, "a stopping worker") { await consumer.value }
        }
        if node != nil {
            lastHeartbeat = -.infinity
            await heartbeat()  // the node's row says "stopped"
        }
        await refreshCounts()
    }

    // MARK: Scheduling

    func startReadyJobs() async {
        guard recovered, !stopping else { return }
        let config = configuration.current
        let free = config.workers - workers.count
        guard free > 0 else { return }
        let now = clock.now()
        let ready = cache.values
            .filter { $0.stage == .wait && !$0.cancelRequested && ($0.notBefore ?? .distantPast) <= now }
            .sorted { ($0.parentID ?? $0.id, $0.id) < ($1.parentID ?? $1.id, $1.id) }  // a film's segments in order
        guard !ready.isEmpty || node != nil else { return }
        if let reason = lowDiskReason(config) {
            if pausedReason != reason { logger.warning("holding jobs back", metadata: ["reason": "\(reason)"]) }
            pausedReason = reason
            metrics.setPaused(true)
            return
        }
        if pausedReason != nil { logger.notice("resuming jobs") }
        pausedReason = nil
        metrics.setPaused(false)
        for job in ready.prefix(free) { await send(.start, to: job.id) }
        await claimFromFleet(free: config.workers - workers.count)
    }

    func lowDiskReason(_ config: DaemonConfiguration) -> String? {
        for folder in [config.work, config.outbox] + (config.jobFilesApart ? [config.jobRoot] : []) {
            if let free = DurableFiles.freeBytes(folder), free < config.limits.minFreeDiskBytes {
                return "low disk space in \(folder): \(free / 1_048_576) MiB free, \(config.limits.minFreeDiskBytes / 1_048_576) MiB required"
            }
        }
        return nil
    }

    // MARK: Events

    /// Applies one event: state machine, store (write-ahead), then the actions.
    func send(_ event: JobEvent, to id: Int64) async {
        let actions = await apply(event, to: id)
        await perform(actions, for: id)
    }

    func enterGate() async {
        if gateBusy {
            await withCheckedContinuation { gateWaiters.append($0) }
        } else {
            gateBusy = true
        }
    }

    func leaveGate() {
        if gateWaiters.isEmpty { gateBusy = false } else { gateWaiters.removeFirst().resume() }
    }

    /// Writes `job` (compare-and-swap) through the gate and caches what was written.
    func persist(_ job: Job) async throws -> Job {
        await enterGate()
        defer { leaveGate() }
        var job = job
        if let cached = cache[job.id] { job.version = cached.version }
        let stored = try await store.update(job)
        if cache[job.id] != nil { cache[job.id] = stored }
        return stored
    }

    func apply(_ event: JobEvent, to id: Int64) async -> [JobAction] {
        await enterGate()
        defer { leaveGate() }
        var found = cache[id]
        if found == nil { found = try? await store.job(id: id) }
        guard var job = found else { return [] }
        let before = job
        let machine = JobStateMachine(retry: configuration.current.retry, cutting: configuration.current.segmentSeconds > 0)
        var actions: [JobAction]
        do {
            actions = try machine.handle(event, job: &job, now: clock.now())
        } catch {
            logger.debug("ignored event", metadata: meta(job).merging(["event": "\(event)"]) { a, _ in a })
            return []
        }
        let now = clock.monotonicSeconds()
        var persist = true
        let ownershipChanged = assignOwnership(&job)
        if case .start = event { lastFrames[id] = 0 }
        if case .progress(let p) = event {
            metrics.framesProcessed(p.framesDone - (lastFrames[id] ?? 0))
            lastFrames[id] = p.framesDone
            persist = ownershipChanged || now - (lastPersisted[id] ?? 0) >= 2
        }
        if persist {
            do {
                do {
                    job = try await store.update(job)
                } catch is JobStoreConflict {
                    // Still ours? Then another node only asked to cancel it: take that and write again.
                    guard let node, let stored = try await store.job(id: id), stored.owner == node else { throw JobStoreConflict(id: id, expected: job.version) }
                    job.version = stored.version
                    if stored.cancelRequested && !job.cancelRequested, let more = try? machine.handle(.cancel, job: &job, now: clock.now()) {
                        actions += more  // the cancel transition of whatever stage the job is in now
                        _ = assignOwnership(&job)
                        logger.notice("cancel requested from another node", metadata: meta(job))
                    }
                    job = try await store.update(job)
                }
                lastPersisted[id] = now
            } catch let conflict as JobStoreConflict {
                // Another node took the job over (its lease ran out here): it is not ours any more.
                logger.warning("job changed elsewhere; letting it go", metadata: meta(job).merging(["error": "\(conflict)"]) { a, _ in a })
                cache[id] = nil
                workers[id]?.stop(grace: configuration.current.workerStopGraceSeconds)
                return []
            } catch {
                // Without the write-ahead record the actions must not run.
                logger.error("cannot store job", metadata: meta(job).merging(["error": "\(error)"]) { a, _ in a })
                stuck[id] = now + 5
                return []
            }
        }
        if job.stage == .finished || (node != nil && job.owner == nil) {
            // Finished, or (fleet) waiting and released to whichever node has a worker free:
            // this node's run folders of it are of no more use (the job's files are shared).
            if node != nil, job.stage == .wait || job.stage == .segments, configuration.current.jobFilesApart {
                try? await removeScratch(job)
            }
            cache[id] = nil
            lastPersisted[id] = nil
            lastFrames[id] = nil
        } else {
            cache[id] = job
        }
        if before.state != job.state {
            logger.info(job.isSegmentJob ? "segment \(job.state.rawValue)" : "job \(job.state.rawValue)", metadata: meta(job))
            if !job.isSegmentJob {
                if job.state.isTerminal { metrics.jobFinished(job.state) }
                countsStale = true
            }
        }
        return actions
    }

    func refreshCounts() async {
        countsStale = false
        if let counts = try? await store.counts() { metrics.setCounts(counts) }
        metrics.setBusy(workers.count)
    }

    func perform(_ actions: [JobAction], for id: Int64) async {
        if countsStale { await refreshCounts() }
        for action in actions {
            var found = cache[id]
            if found == nil { found = try? await store.job(id: id) }
            guard let job = found else { return }
            do {
                switch action {
                case .completeClaim:
                    let claimed = try await completeClaim(job)
                    if !claimed, node != nil, job.origin == .inbox {
                        // Another node of the fleet took this file first: this row was never a job.
                        try await store.delete(id: id)
                        cache[id] = nil
                        return
                    }
                    await send(claimed ? .claimed : .claimLost(reason: "input vanished before it was claimed: \(job.source)"), to: id)
                case .spawnWorker(let unit, let attempt):
                    await spawn(job, unit: unit, attempt: attempt)
                case .stopWorker:
                    workers[id]?.stop(grace: configuration.current.workerStopGraceSeconds)
                case .killStaleWorker(let pid, let ticks):
                    await killStale(pid: pid, ticks: ticks)
                case .retry(let at):
                    logger.warning("job will be retried", metadata: meta(job).merging(["retry_at": "\(DaemonJSON.iso8601(at))"]) { a, _ in a })
                case .publishOutput:
                    if let failure = try await publish(job) {
                        // With run folders apart from the job's files, the unit may have run on a
                        // node that died before publishing: its output is on that node's disk.
                        let lost = configuration.current.jobFilesApart
                        await send(lost ? .outputLost(reason: failure) : .publishFailed(reason: failure), to: id)
                    } else {
                        await send(.published, to: id)
                    }
                case .archiveInput:
                    try await archive(job)
                    await send(.archived, to: id)
                case .quarantineInput:
                    try await quarantine(job)
                    await send(.quarantined, to: id)
                case .removeWorkFolder:
                    try await removeJobFolders(job)
                case .createSegments:
                    try await createSegments(job)
                case .cancelSegments:
                    await cancelSegments(job)
                case .segmentFinished:
                    try await segmentFinished(job)
                }
            } catch {
                logger.error("job step failed; will try again", metadata: meta(job).merging(["step": "\(action)", "error": "\(error)"]) { a, _ in a })
                stuck[id] = clock.monotonicSeconds() + 10
                return
            }
        }
    }

    nonisolated func meta(_ job: Job) -> Logger.Metadata {
        var m: Logger.Metadata = ["job": "\(job.id)", "name": "\(job.name)", "pipeline": "\(job.pipeline)", "state": "\(job.state.rawValue)"]
        if let parent = job.parentID, let segment = job.segment {
            m["job"] = "\(parent)"
            m["segment_job"] = "\(job.id)"
            m["segment"] = "\(segment.index)"
        }
        return m
    }
}

