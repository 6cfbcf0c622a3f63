#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle

/// A request the runner refuses, with the HTTP status that fits.
public struct JobRequestError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable { case notFound, conflict, invalid, unavailable }
    public let kind: Kind
    public let description: String
}

/// Owns every job: claims inputs, starts workers, applies events through the state machine,
/// stores the result, then performs the returned actions. The only writer of the job table.
///
/// Runs as a Service: recovery first (every stored job gets the `recover` event), then a
/// scheduling loop; on graceful shutdown it stops its workers (SIGTERM, then SIGKILL after
/// `worker_stop_grace_seconds`) and gives their attempts back, so a restart runs them again.
public actor JobRunner: Service {
    let store: JobStore
    let configuration: LiveConfiguration
    let clock: any DaemonClock
    let logger: Logger
    let metrics: DaemonMetrics
    nonisolated let startedAt: Date

    private var cache: [Int64: Job] = [:]
    private var workers: [Int64: WorkerProcess] = [:]
    private var consumers: [Int64: Task<Void, Never>] = [:]
    private var lastPersisted: [Int64: Double] = [:]
    private var lastFrames: [Int64: Int] = [:]
    private var stuck: [Int64: Double] = [:]
    private var recovered = false
    private var stopping = false
    private var pausedReason: String?
    private var catalog: PipelineCatalog
    private var builtinPipelines: String?

    public init(
        store: JobStore, configuration: LiveConfiguration, clock: any DaemonClock, logger: Logger,
        metrics: DaemonMetrics, builtinPipelines: String?
    ) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.startedAt = clock.now()
        self.builtinPipelines = builtinPipelines
        let config = configuration.current
        catalog = PipelineCatalog(folders: (builtinPipelines.map { [$0] } ?? []) + config.pipelineFolders)
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

    /// Rereads the pipeline folders (after SIGHUP).
    func reloadCatalog() {
        catalog = PipelineCatalog(folders: (builtinPipelines.map { [$0] } ?? []) + configuration.current.pipelineFolders)
        logger.info("pipelines", metadata: ["names": "\(catalog.names.joined(separator: " "))"])
    }

    var pipelineNames: [String] { catalog.names }

    private func recover() async throws {
        for job in try store.unfinished() {
            cache[job.id] = job
            logger.info("recovering job", metadata: meta(job))
            await send(.recover, to: job.id)
        }
        recovered = true
        refreshCounts()
    }

    private func tick() async {
        let now = clock.monotonicSeconds()
        for (id, due) in stuck where due <= now {
            stuck[id] = nil
            await send(.recover, to: id)
        }
        await startReadyJobs()
    }

    private func shutdown() async {
        stopping = true
        let grace = configuration.current.workerStopGraceSeconds
        if !workers.isEmpty {
            logger.notice("stopping workers", metadata: ["count": "\(workers.count)", "grace_seconds": "\(grace)"])
        }
        for worker in workers.values { worker.stop(grace: grace) }
        for consumer in consumers.values { await consumer.value }
        refreshCounts()
    }

    // MARK: Requests

    /// Takes `path` as a new job: stores it, then moves the file into the work folder.
    /// - Returns: the job, or nil when the runner is not ready yet or already has this file.
    public func claim(path: String, pipeline: String, origin: JobOrigin) async throws -> Job? {
        guard recovered, !stopping else { return nil }
        if try store.isClaiming(source: path) { return nil }
        var job = Job(name: (path as NSString).lastPathComponent, pipeline: pipeline, origin: origin, source: path, now: clock.now())
        job = try store.insert(job)
        cache[job.id] = job
        logger.info("job queued", metadata: meta(job))
        await perform([.completeClaim], for: job.id)
        refreshCounts()
        return cache[job.id] ?? (try? store.job(id: job.id))
    }

    /// `POST /v1/jobs`: checks the request, then claims the file.
    public func submit(path: String, pipeline: String?) async throws -> Job {
        let config = configuration.current
        let pipeline = pipeline ?? config.defaultPipeline
        guard path.hasPrefix("/") else { throw JobRequestError(kind: .invalid, description: "path must be absolute: \(path)") }
        guard catalog.accepts(pipeline) else {
            throw JobRequestError(kind: .invalid, description: "unknown pipeline '\(pipeline)' (known: \(catalog.names.joined(separator: ", ")))")
        }
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw JobRequestError(kind: .invalid, description: "not a regular file: \(path)")
        }
        guard let job = try await claim(path: path, pipeline: pipeline, origin: .api) else {
            throw JobRequestError(kind: stopping || !recovered ? .unavailable : .conflict, description: stopping || !recovered ? "daemon is not accepting jobs now" : "a job for \(path) exists already")
        }
        if job.state == .cancelled {
            throw JobRequestError(kind: .invalid, description: job.error ?? "could not claim \(path)")
        }
        return job
    }

    /// `DELETE /v1/jobs/{id}`.
    public func cancel(id: Int64) async throws -> Job {
        guard let job = try job(id: id) else { throw JobRequestError(kind: .notFound, description: "no job \(id)") }
        guard !job.state.isTerminal, job.stage == .claim || job.stage == .wait || job.stage == .run else {
            throw JobRequestError(kind: .conflict, description: "job \(id) is \(job.state.rawValue) and can no longer be cancelled")
        }
        logger.notice("cancel requested", metadata: meta(job))
        await send(.cancel, to: id)
        return try self.job(id: id) ?? job
    }

    public func job(id: Int64) throws -> Job? {
        if let job = cache[id] { return job }
        return try store.job(id: id)
    }

    /// Jobs newest first, with live progress of running ones.
    public func jobs(states: [JobState]? = nil, limit: Int = 100) throws -> [Job] {
        try store.jobs(states: states, limit: limit).map { cache[$0.id] ?? $0 }
    }

    /// What the daemon is doing now.
    public func snapshot() throws -> StatusSnapshot {
        let config = configuration.current
        let counts = try store.counts()
        let active = cache.values.filter { !$0.state.isTerminal }
            .sorted { ($0.state == .running ? 0 : 1, $0.id) < ($1.state == .running ? 0 : 1, $1.id) }
        let recent = try store.jobs(states: [.done, .failed, .cancelled], limit: 10)
        return StatusSnapshot(
            version: 1,
            daemon: .init(
                pid: getpid(), state: stopping ? "stopping" : (recovered ? "running" : "starting"),
                startedAt: startedAt, workers: config.workers, busyWorkers: workers.count,
                pausedReason: pausedReason, defaultPipeline: config.defaultPipeline, pipelines: catalog.names,
                inbox: config.inbox, outbox: config.outbox
            ),
            counts: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
            active: Array(active.prefix(50)).map(JobView.init),
            recent: recent.map(JobView.init),
            updatedAt: clock.now()
        )
    }

    // MARK: Scheduling

    private func startReadyJobs() async {
        guard recovered, !stopping else { return }
        let config = configuration.current
        let free = config.workers - workers.count
        guard free > 0 else { return }
        let now = clock.now()
        let ready = cache.values
            .filter { $0.stage == .wait && !$0.cancelRequested && ($0.notBefore ?? .distantPast) <= now }
            .sorted { $0.id < $1.id }
        guard !ready.isEmpty else { return }
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
    }

    private func lowDiskReason(_ config: DaemonConfiguration) -> String? {
        for folder in [config.work, config.outbox] {
            if let free = DurableFiles.freeBytes(folder), free < config.limits.minFreeDiskBytes {
                return "low disk space in \(folder): \(free / 1_048_576) MiB free, \(config.limits.minFreeDiskBytes / 1_048_576) MiB required"
            }
        }
        return nil
    }

    // MARK: Events

    /// Applies one event: state machine, store (write-ahead), then the actions.
    private func send(_ event: JobEvent, to id: Int64) async {
        let actions = apply(event, to: id)
        await perform(actions, for: id)
    }

    private func apply(_ event: JobEvent, to id: Int64) -> [JobAction] {
        guard var job = cache[id] ?? (try? store.job(id: id)) else { return [] }
        let before = job
        let machine = JobStateMachine(retry: configuration.current.retry)
        let actions: [JobAction]
        do {
            actions = try machine.handle(event, job: &job, now: clock.now())
        } catch {
            logger.debug("ignored event", metadata: meta(job).merging(["event": "\(event)"]) { a, _ in a })
            return []
        }
        let now = clock.monotonicSeconds()
        var persist = true
        if case .start = event { lastFrames[id] = 0 }
        if case .progress(let p) = event {
            metrics.framesProcessed(p.framesDone - (lastFrames[id] ?? 0))
            lastFrames[id] = p.framesDone
            persist = now - (lastPersisted[id] ?? 0) >= 2
        }
        if persist {
            do {
                try store.update(job)
                lastPersisted[id] = now
            } catch {
                // Without the write-ahead record the actions must not run.
                logger.error("cannot store job", metadata: meta(job).merging(["error": "\(error)"]) { a, _ in a })
                stuck[id] = now + 5
                return []
            }
        }
        if job.stage == .finished {
            cache[id] = nil
            lastPersisted[id] = nil
            lastFrames[id] = nil
        } else {
            cache[id] = job
        }
        if before.state != job.state {
            logger.info("job \(job.state.rawValue)", metadata: meta(job))
            if job.state.isTerminal { metrics.jobFinished(job.state) }
            refreshCounts()
        }
        return actions
    }

    private func refreshCounts() {
        if let counts = try? store.counts() { metrics.setCounts(counts) }
        metrics.setBusy(workers.count)
    }

    private func perform(_ actions: [JobAction], for id: Int64) async {
        for action in actions {
            guard let job = cache[id] ?? (try? store.job(id: id)) else { return }
            do {
                switch action {
                case .completeClaim:
                    let claimed = try await completeClaim(job)
                    await send(claimed ? .claimed : .claimLost(reason: "input vanished before it was claimed: \(job.source)"), to: id)
                case .spawnWorker(let attempt):
                    await spawn(job, attempt: attempt)
                case .stopWorker:
                    workers[id]?.stop(grace: configuration.current.workerStopGraceSeconds)
                case .killStaleWorker(let pid, let ticks):
                    await killStale(pid: pid, ticks: ticks)
                case .retry(let at):
                    logger.warning("job will be retried", metadata: meta(job).merging(["retry_at": "\(DaemonJSON.iso8601(at))"]) { a, _ in a })
                case .publishOutput:
                    if let failure = try await publish(job) {
                        await send(.publishFailed(reason: failure), to: id)
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
                    let folder = workFolder(job)
                    try await blocking { try DurableFiles.removeTree(folder) }
                }
            } catch {
                logger.error("job step failed; will try again", metadata: meta(job).merging(["step": "\(action)", "error": "\(error)"]) { a, _ in a })
                stuck[id] = clock.monotonicSeconds() + 10
                return
            }
        }
    }

    // MARK: Workers

    private func spawn(_ job: Job, attempt: Int) async {
        let config = configuration.current
        guard catalog.accepts(job.pipeline) else {
            let message = "unknown pipeline '\(job.pipeline)' (known: \(catalog.names.joined(separator: ", ")))"
            await workerEnded(job.id, .exited(code: WorkerOutcome.ExitCode.usage, message: message))
            return
        }
        let run = runFolder(job)
        let input = inputPath(job)
        let output = run + "/" + job.name
        let folder = workFolder(job)
        do {
            try await blocking {
                // Earlier attempts' leftovers (a stale worker was killed before this point).
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasPrefix("run-") {
                    try DurableFiles.removeTree(folder + "/" + entry)
                }
                try DurableFiles.makeDirectory(run + "/metrics")
            }
        } catch {
            await workerEnded(job.id, .launchFailed(reason: "cannot prepare \(run): \(error)"))
            return
        }
        var argv = workerExecutable(config) + [
            "upscale", input, output, "--pipeline", pipelineArgument(job.pipeline),
            "--metrics-dir", run + "/metrics", "--progress", "json",
        ]
        // The cores are shared between the daemon's concurrent jobs: each job's frame-parallel
        // workers get their share, so `workers: 2` on 2 cores does not run 4 networks at once.
        argv += ["--workers", String(max(1, ProcessInfo.processInfo.activeProcessorCount / max(config.workers, 1)))]
        if let w = config.limits.maxWidth { argv += ["--max-width", String(w)] }
        if let h = config.limits.maxHeight { argv += ["--max-height", String(h)] }
        if let d = config.limits.maxDurationSeconds { argv += ["--max-duration", String(d)] }
        let process: WorkerProcess
        do {
            process = try WorkerProcess(
                argv: argv, environment: ["SRD_JOB_ID": String(job.id), "SRD_ATTEMPT": String(attempt)],
                timeout: config.limits.jobTimeoutSeconds
            )
        } catch {
            await workerEnded(job.id, .launchFailed(reason: "\(error)"))
            return
        }
        workers[job.id] = process
        metrics.setBusy(workers.count)
        logger.info("worker started", metadata: meta(job).merging(["pid": "\(process.pid)", "attempt": "\(attempt)"]) { a, _ in a })
        _ = apply(.workerSpawned(pid: process.pid, startTicks: WorkerProcess.startTicks(of: process.pid)), to: job.id)
        let id = job.id
        consumers[id] = Task { [weak self] in
            var summary: String?
            var errorMessage: String?
            for await message in process.messages {
                switch message {
                case .progress(let p): await self?.progress(id, p)
                case .done(_, let s): summary = s
                case .error(let m): errorMessage = m
                case .exited(let termination):
                    await self?.workerExited(id, termination, summary: summary, errorMessage: errorMessage, stderr: process.lastErrorLines, output: output)
                }
            }
        }
    }

    /// The argv prefix of workers: `worker_command`, or this very executable.
    private func workerExecutable(_ config: DaemonConfiguration) -> [String] {
        if !config.workerCommand.isEmpty { return config.workerCommand }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return [exe]
    }

    /// A preset from the built-in folder is passed by name; one from an extra folder by path.
    private func pipelineArgument(_ name: String) -> String {
        guard let path = catalog.presets[name] else { return name }
        if let builtin = builtinPipelines, path.hasPrefix(builtin + "/") { return name }
        return path
    }

    private func progress(_ id: Int64, _ p: JobProgress) {
        _ = apply(.progress(p), to: id)
    }

    private func workerExited(
        _ id: Int64, _ termination: WorkerTermination, summary: String?, errorMessage: String?, stderr: [String], output: String
    ) async {
        workers[id] = nil
        consumers[id] = nil
        metrics.setBusy(workers.count)
        let message = errorMessage ?? Self.errorLine(stderr)
        let outcome: WorkerOutcome
        switch termination {
        case .exited(0):
            outcome = DurableFiles.exists(output) ? .succeeded(summary: summary) : .exited(code: 0, message: message)
        case .exited(let code): outcome = .exited(code: code, message: message)
        case .signalled(let s): outcome = .signalled(signal: s, message: message)
        case .timedOut(let t): outcome = .timedOut(seconds: t)
        case .launchFailed(let r): outcome = .launchFailed(reason: r)
        }
        if stopping, cache[id]?.cancelRequested != true {
            logger.notice("worker stopped for shutdown; attempt given back", metadata: ["job": "\(id)"])
            await send(.interrupted, to: id)
            return
        }
        await workerEnded(id, outcome)
    }

    private func workerEnded(_ id: Int64, _ outcome: WorkerOutcome) async {
        if case .succeeded = outcome {} else {
            metrics.workerFailed(outcome)
            logger.warning("worker failed", metadata: ["job": "\(id)", "reason": "\(outcome.reason)"])
        }
        await send(.workerExited(outcome), to: id)
    }

    /// The worker's `srd: error: <reason>` line, or its last stderr line.
    static func errorLine(_ lines: [String]) -> String? {
        if let line = lines.last(where: { $0.hasPrefix("srd: error: ") }) { return String(line.dropFirst("srd: error: ".count)) }
        if let line = lines.last(where: { $0.hasPrefix("Error: ") }) { return String(line.dropFirst("Error: ".count)) }
        if let line = lines.last(where: { $0.lowercased().contains("error") }) { return line }
        return lines.last
    }

    private func killStale(pid: Int32, ticks: Int64?) async {
        guard let current = WorkerProcess.startTicks(of: pid), ticks == nil || current == ticks else { return }
        logger.notice("killing worker left from before the restart", metadata: ["pid": "\(pid)"])
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        for _ in 0..<100 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return }
            if stat[stat.index(after: close)...].dropFirst().first == "Z" { return }
            try? await clock.sleep(seconds: 0.05)
        }
    }

    // MARK: Files

    private func workFolder(_ job: Job) -> String { configuration.current.work + "/\(job.id)" }
    private func inputPath(_ job: Job) -> String { workFolder(job) + "/input/" + job.name }
    private func runFolder(_ job: Job) -> String { workFolder(job) + "/run-\(job.attempts + job.interruptions)" }

    /// `<pipeline>/` for jobs of a pipeline other than the default, so outputs of the same
    /// name in different pipeline folders do not collide; outbox, done and failed mirror it.
    private func relativeFolder(_ job: Job) -> String {
        job.pipeline == configuration.current.defaultPipeline ? "" : "/" + job.pipeline
    }

    private func completeClaim(_ job: Job) async throws -> Bool {
        let destination = inputPath(job)
        let source = job.source
        let origin = job.origin
        return try await blocking {
            if DurableFiles.exists(destination) { return true }
            guard DurableFiles.exists(source) else { return false }
            try DurableFiles.makeDirectory(DurableFiles.parent(destination))
            if rename(source, destination) != 0 {
                guard errno == EXDEV else { throw FileOperationError(operation: "rename", path: source, code: errno) }
                let temp = DurableFiles.parent(destination) + "/.claim.tmp"
                unlink(temp)
                try DurableFiles.copyFile(source, to: temp)
                try DurableFiles.fsync(path: temp)
                guard rename(temp, destination) == 0 else { throw FileOperationError(operation: "rename", path: temp, code: errno) }
                // An inbox file is ours to remove; a submitted file elsewhere is left alone.
                if origin == .inbox { unlink(source) }
            }
            try DurableFiles.fsync(path: DurableFiles.parent(destination))
            try? DurableFiles.fsync(path: DurableFiles.parent(source))
            return true
        }
    }

    /// Moves output and metrics into the outbox; returns a reason when there is nothing to move.
    private func publish(_ job: Job) async throws -> String? {
        var job = job
        let config = configuration.current
        let produced = runFolder(job) + "/" + job.name
        let metricsFolder = runFolder(job) + "/metrics"
        if job.outputPath == nil {
            guard DurableFiles.exists(produced) else { return "worker output missing: \(produced)" }
            let folder = config.outbox + relativeFolder(job)
            let destination = DurableFiles.freeName(in: folder, for: job.name, tag: "\(job.id)", alsoFree: [".metrics"])
            job.outputPath = destination
            // The worker's summary names work-folder paths that are about to go away.
            job.summary = job.summary.flatMap(JSONValue.init(text:))?.replacingStrings([
                produced: destination, metricsFolder: destination + ".metrics", inputPath(job): job.source,
            ]).text ?? job.summary
            try store.update(job)  // chosen before moving, so a restart reuses the same name
            cache[job.id] = job
        }
        let destination = job.outputPath!
        let tag = "\(job.id)"
        let moved = try await blocking {
            if DurableFiles.exists(produced) { try DurableFiles.fsync(path: produced) }
            if DurableFiles.exists(metricsFolder) {
                try DurableFiles.moveDirectory(metricsFolder, to: destination + ".metrics", tag: tag)
            }
            return try DurableFiles.moveFile(produced, to: destination, tag: tag)
        }
        if !moved { return "worker output missing: \(produced)" }
        logger.info("output published", metadata: meta(job).merging(["output": "\(destination)"]) { a, _ in a })
        return nil
    }

    private func archive(_ job: Job) async throws {
        var job = job
        let config = configuration.current
        let input = inputPath(job)
        if config.onSuccess == .delete {
            try await blocking {
                if unlink(input) != 0 && errno != ENOENT { throw FileOperationError(operation: "unlink", path: input, code: errno) }
                try? DurableFiles.fsync(path: DurableFiles.parent(input))
            }
            return
        }
        if job.archivePath == nil {
            guard DurableFiles.exists(input) else { return }
            job.archivePath = DurableFiles.freeName(in: config.done + relativeFolder(job), for: job.name, tag: "\(job.id)")
            try store.update(job)
            cache[job.id] = job
        }
        let destination = job.archivePath!
        let tag = "\(job.id)"
        try await blocking { _ = try DurableFiles.moveFile(input, to: destination, tag: tag) }
    }

    private func quarantine(_ job: Job) async throws {
        var job = job
        let config = configuration.current
        let input = inputPath(job)
        if job.archivePath == nil {
            job.archivePath = DurableFiles.freeName(
                in: config.failed + relativeFolder(job), for: job.name, tag: "\(job.id)", alsoFree: [".error.json"]
            )
            try store.update(job)
            cache[job.id] = job
        }
        let destination = job.archivePath!
        let report = ErrorReport(job: job, failedAt: clock.now())
        let data = try DaemonJSON.encoder().encode(report)
        let tag = "\(job.id)"
        try await blocking {
            try DurableFiles.makeDirectory(DurableFiles.parent(destination))
            try DurableFiles.writeAtomically(data + Data("\n".utf8), to: destination + ".error.json")
            _ = try DurableFiles.moveFile(input, to: destination, tag: tag)
        }
        logger.notice("input moved to failed", metadata: meta(job).merging(["path": "\(destination)"]) { a, _ in a })
    }

    private nonisolated func meta(_ job: Job) -> Logger.Metadata {
        ["job": "\(job.id)", "name": "\(job.name)", "pipeline": "\(job.pipeline)", "state": "\(job.state.rawValue)"]
    }
}

/// `<name>.error.json` beside a failed input: why, in words a person can act on.
struct ErrorReport: Codable {
    var job: Int64
    var input: String
    var pipeline: String
    var state: JobState
    var error: String
    var attempts: Int
    var source: String
    var failedAt: Date

    init(job: Job, failedAt: Date) {
        self.job = job.id
        input = job.name
        pipeline = job.pipeline
        state = job.quarantineState
        error = job.error ?? "unknown error"
        attempts = job.attempts
        source = job.source
        self.failedAt = failedAt
    }

    enum CodingKeys: String, CodingKey {
        case job, input, pipeline, state, error, attempts, source, failedAt = "failed_at"
    }
}

/// Runs blocking file-system work on a Dispatch queue, off the cooperative thread pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
