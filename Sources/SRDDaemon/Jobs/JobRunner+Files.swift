#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SRDPipeline

/// The runner's file moves: inbox -> work folder (claim), output -> outbox (publish), input ->
/// done/ (archive) or failed/ with an error report (quarantine). Each step is durable (fsync)
/// and idempotent, so a restart in the middle of one repeats it safely.
extension JobRunner {
    /// The job's durable files (claimed input, finished segments): under `job_folders`, which
    /// every node of a fleet sees, so whichever node runs the next unit finds them.
    /// A segment job works in its parent's.
    func jobFolder(_ job: Job) -> String { configuration.current.jobRoot + "/\(job.parentID ?? job.id)" }
    /// This node's scratch for the job: the run folders of its attempts.
    func scratchFolder(_ job: Job) -> String { configuration.current.work + "/\(job.id)" }
    func inputPath(_ job: Job) -> String { jobFolder(job) + "/input/" + job.name }
    func runFolder(_ job: Job) -> String { scratchFolder(job) + "/run-\(job.attempts + job.interruptions)" }
    /// Finished segments (and their metrics) live here until the job ends: a restart keeps them.
    func segmentFolder(_ job: Job) -> String { jobFolder(job) + "/segments" }
    func segmentFile(_ job: Job, _ n: Int) -> String { segmentFolder(job) + String(format: "/%05d.nut", n) }
    func segmentMetricsFolder(_ job: Job, _ n: Int) -> String { segmentFolder(job) + String(format: "/%05d.metrics", n) }

    /// `<pipeline>/` for jobs of a pipeline other than the default, so outputs of the same
    /// name in different pipeline folders do not collide; outbox, done and failed mirror it.
    func relativeFolder(_ job: Job) -> String {
        job.pipeline == configuration.current.defaultPipeline ? "" : "/" + job.pipeline
    }

    /// Removes this node's scratch of the job (its run folders).
    func removeScratch(_ job: Job) async throws {
        let scratch = scratchFolder(job)
        try await blocking { try DurableFiles.removeTree(scratch) }
    }

    /// Removes the job's folders (its durable files and this node's scratch).
    func removeJobFolders(_ job: Job) async throws {
        let folders = Set([jobFolder(job), scratchFolder(job)])
        try await blocking { for folder in folders { try DurableFiles.removeTree(folder) } }
    }

    /// Folders left from before a crash: a job killed while its folder was being removed (it
    /// is stored as finished, so recovery never sees it again), or, with `job_folders` apart
    /// from `work`, this node's scratch of jobs it no longer holds. Called at start, once the
    /// node's own jobs are in the cache; a job folder is removed only when the store says its
    /// job is finished (in a fleet another node may be creating new ones meanwhile).
    func sweepLeftovers() async {
        let config = configuration.current
        func entries(_ folder: String) -> [Int64] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap { Int64($0) }.filter { cache[$0] == nil }
        }
        var stale: [String] = []
        for id in entries(config.jobRoot) {
            guard let job = try? await store.job(id: id) else { continue }  // store unreachable: leave it
            if job.stage == .finished { stale.append(config.jobRoot + "/\(id)") }
        }
        if config.jobFilesApart { stale += entries(config.work).map { config.work + "/\($0)" } }
        guard !stale.isEmpty else { return }
        logger.info("removing folders left from before", metadata: ["folders": "\(stale.joined(separator: ", "))"])
        let folders = stale
        try? await blocking { for folder in folders { try DurableFiles.removeTree(folder) } }
    }

    /// Brings the input into the job's work folder: an inbox file is moved (renamed, or copied
    /// then removed across filesystems); a file from a submit root is copied and left alone.
    func completeClaim(_ job: Job) async throws -> Bool {
        let destination = inputPath(job)
        let source = job.source
        let inbox = configuration.current.inbox
        return try await blocking {
            if DurableFiles.exists(destination) { return true }
            guard DurableFiles.exists(source) else { return false }
            let move = SubmissionPolicy.isInside(SubmissionPolicy.resolved(source), SubmissionPolicy.resolved(inbox))
            try DurableFiles.makeDirectory(DurableFiles.parent(destination))
            if !move || rename(source, destination) != 0 {
                guard !move || errno == EXDEV else { throw FileOperationError(operation: "rename", path: source, code: errno) }
                let temp = DurableFiles.parent(destination) + "/.claim.tmp"
                unlink(temp)
                try DurableFiles.copyFile(source, to: temp)
                try DurableFiles.fsync(path: temp)
                guard rename(temp, destination) == 0 else { throw FileOperationError(operation: "rename", path: temp, code: errno) }
                if move { unlink(source) }
            }
            try DurableFiles.fsync(path: DurableFiles.parent(destination))
            try? DurableFiles.fsync(path: DurableFiles.parent(source))
            return true
        }
    }

    /// Moves output and metrics into the outbox; returns a reason when there is nothing to move.
    func publish(_ job: Job) async throws -> String? {
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
            job = try await persist(job)  // chosen before moving, so a restart reuses the same name
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

    func archive(_ job: Job) async throws {
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
            job = try await persist(job)
        }
        let destination = job.archivePath!
        let tag = "\(job.id)"
        try await blocking { _ = try DurableFiles.moveFile(input, to: destination, tag: tag) }
    }

    func quarantine(_ job: Job) async throws {
        var job = job
        let config = configuration.current
        let input = inputPath(job)
        if job.archivePath == nil {
            job.archivePath = DurableFiles.freeName(
                in: config.failed + relativeFolder(job), for: job.name, tag: "\(job.id)", alsoFree: [".error.json"]
            )
            job = try await persist(job)
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
}
