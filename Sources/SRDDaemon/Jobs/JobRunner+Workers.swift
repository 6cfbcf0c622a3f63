#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import SRDMedia
import SRDPipeline

/// Worker child processes: starting one for an attempt, reading its events, and turning how it
/// ended into a `WorkerOutcome` for the state machine.
extension JobRunner {
    func spawn(_ job: Job, unit: WorkUnit, attempt: Int) async {
        let config = configuration.current
        guard catalog.accepts(job.pipeline) else {
            let message = "unknown pipeline '\(job.pipeline)' (known: \(catalog.names().joined(separator: ", ")))"
            await workerEnded(job.id, .exited(code: WorkerExitCode.usage, message: message))
            return
        }
        let run = runFolder(job)
        let folder = scratchFolder(job)
        let request: WorkerRequest
        do {
            request = try makeRequest(job, unit: unit, config: config)
            let requestData = try request.encoded()
            let segmentsFolder = segmentFolder(job)
            let segmentMetrics = unit.segmentIndex.map { segmentMetricsFolder(job, $0) }
            // Only this segment's partial file: the others may be being written by other workers.
            let partial = "." + (segmentFile(job, unit.segmentIndex ?? 0) as NSString).lastPathComponent + ".srd-partial-"
            try await blocking {
                // Earlier attempts' leftovers (a stale worker was killed before this point).
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasPrefix("run-") {
                    try DurableFiles.removeTree(folder + "/" + entry)
                }
                try DurableFiles.makeDirectory(run + "/metrics")
                if unit.segmentIndex != nil {
                    // A segment killed mid-way leaves only its hidden partial file and metrics.
                    try DurableFiles.makeDirectory(segmentsFolder)
                    for entry in (try? FileManager.default.contentsOfDirectory(atPath: segmentsFolder)) ?? [] where entry.hasPrefix(partial) {
                        try DurableFiles.removeTree(segmentsFolder + "/" + entry)
                    }
                    if let segmentMetrics { try DurableFiles.removeTree(segmentMetrics) }
                }
                try DurableFiles.writeAtomically(requestData, to: run + "/request.json")
            }
        } catch {
            await workerEnded(job.id, .launchFailed(reason: "cannot prepare \(run): \(error)"))
            return
        }
        let argv = workerExecutable(config) + ["worker", run + "/request.json"]
        let process: WorkerProcess
        do {
            process = try WorkerProcess(
                argv: argv, environment: ["SRD_JOB_ID": String(job.id), "SRD_ATTEMPT": String(attempt), "SRD_UNIT": unit.text],
                timeout: config.limits.jobTimeoutSeconds
            )
        } catch {
            await workerEnded(job.id, .launchFailed(reason: "\(error)"))
            return
        }
        workers[job.id] = process
        metrics.setBusy(workers.count)
        logger.info("worker started", metadata: meta(job).merging(["pid": "\(process.pid)", "attempt": "\(attempt)", "unit": "\(unit.text)"]) { a, _ in a })
        await send(.workerSpawned(pid: process.pid, startTicks: WorkerProcess.startTicks(of: process.pid)), to: job.id)
        let id = job.id
        let output = request.output
        consumers[id] = Task { [weak self] in
            var summary: String?
            var errorMessage: String?
            for await message in process.messages {
                switch message {
                case .event(.progress(let p)): await self?.progress(id, p)
                case .event(.done(_, let s)): summary = s
                case .event(.error(let m)): errorMessage = m
                case .event(.plan(let plan)): await self?.planned(id, plan)
                case .exited(let termination):
                    await self?.workerExited(id, termination, summary: summary, errorMessage: errorMessage,
                                             stderr: process.lastErrorLines, output: unit == .plan ? nil : output)
                }
            }
        }
    }

    /// The typed request for `unit`: a whole pass and the join write into the attempt's run
    /// folder (publish moves it from there); a segment writes into the job's segments folder,
    /// which outlives attempts and restarts.
    func makeRequest(_ job: Job, unit: WorkUnit, config: DaemonConfiguration) throws -> WorkerRequest {
        let run = runFolder(job)
        // The cores are shared between the daemon's concurrent jobs: each job's frame-parallel
        // workers get their share, so `workers: 2` on 2 cores does not run 4 networks at once.
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(config.workers, 1))
        func request(_ task: WorkerRequest.Task, output: String, metrics: String) -> WorkerRequest {
            WorkerRequest(task: task, input: inputPath(job), output: output, pipeline: pipelineArgument(job.pipeline),
                          metricsDirectory: metrics, workers: threads, maxWidth: config.limits.maxWidth,
                          maxHeight: config.limits.maxHeight, maxDurationSeconds: config.limits.maxDurationSeconds)
        }
        switch unit {
        case .plan:
            return request(.plan(segmentSeconds: config.segmentSeconds), output: run + "/" + job.name, metrics: run + "/metrics")
        case .whole:
            return request(.whole, output: run + "/" + job.name, metrics: run + "/metrics")
        case .segment(let n):
            guard let segment = job.segment ?? job.segmentPlan.flatMap({ n < $0.segments.count ? $0.segments[n] : nil }) else {
                throw FileOperationError(operation: "plan", path: inputPath(job), code: EINVAL)
            }
            let work = SegmentWork(segment: segment, finalOutput: jobFolder(job) + "/" + job.name)
            return request(.segment(work: work), output: segmentFile(job, n), metrics: segmentMetricsFolder(job, n))
        case .join:
            let count = job.segmentPlan?.segments.count ?? 0
            return request(.join(segments: (0..<count).map { segmentFile(job, $0) },
                                 metrics: (0..<count).map { segmentMetricsFolder(job, $0) }),
                           output: run + "/" + job.name, metrics: run + "/metrics")
        }
    }

    func planned(_ id: Int64, _ plan: SegmentPlan) async {
        if let job = cache[id], plan.isCut {
            logger.info("input cut into segments", metadata: meta(job).merging(["segments": "\(plan.segments.count)"]) { a, _ in a })
        }
        await send(.planned(plan), to: id)
    }

    /// The argv prefix of workers: `worker_command`, or this very executable.
    func workerExecutable(_ config: DaemonConfiguration) -> [String] {
        if !config.workerCommand.isEmpty { return config.workerCommand }
        return [PresetCatalog.executablePath]
    }

    /// A preset from the built-in folder is passed by name; one from an extra folder by path.
    func pipelineArgument(_ name: String) -> String {
        guard let path = catalog.presets[name] else { return name }
        if let builtin = builtinPipelines, path.hasPrefix(builtin + "/") { return name }
        return path
    }

    func progress(_ id: Int64, _ p: JobProgress) async {
        await send(.progress(p), to: id)
    }

    func workerExited(
        _ id: Int64, _ termination: WorkerTermination, summary: String?, errorMessage: String?, stderr: [String], output: String?
    ) async {
        workers[id] = nil
        consumers[id] = nil
        metrics.setBusy(workers.count)
        let message = errorMessage ?? Self.errorLine(stderr)
        let outcome: WorkerOutcome
        switch termination {
        case .exited(0):
            outcome = output.map(DurableFiles.exists) ?? true ? .succeeded(summary: summary) : .exited(code: 0, message: message)
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

    func workerEnded(_ id: Int64, _ outcome: WorkerOutcome) async {
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

    func killStale(pid: Int32, ticks: Int64?) async {
        // The start time must match, so a recycled pid is never killed; in a fleet a job taken
        // over may name another machine's process, so there an unknown start time kills nothing.
        guard let current = WorkerProcess.startTicks(of: pid), ticks.map({ $0 == current }) ?? (node == nil) else { return }
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
}
