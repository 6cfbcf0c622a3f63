import Foundation
import SRDMedia
import SRDPipeline

/// Something that happened to a job.
public enum JobEvent: Sendable, Equatable {
    /// The input now lies in the job's work folder.
    case claimed
    /// The input vanished before it could be claimed.
    case claimLost(reason: String)
    /// A worker slot is free: start the next attempt.
    case start
    /// The worker child is running with this process id and start time.
    case workerSpawned(pid: Int32, startTicks: Int64?)
    /// The worker reported progress.
    case progress(JobProgress)
    /// A plan worker reported how the input is cut.
    case planned(SegmentPlan)
    /// Every segment job of a cut job has finished (done, or cancelled on request); `starts`
    /// counts the workers started for each segment.
    case segmentsComplete(starts: [Int])
    /// A segment job failed for good: the whole job fails with its reason.
    case segmentFailed(reason: String)
    /// The worker child ended.
    case workerExited(WorkerOutcome)
    /// Output and metrics are in the outbox, fsynced.
    case published
    /// Publishing found the worker's output missing (work folder damaged by hand).
    case publishFailed(reason: String)
    /// Publishing found no output because the unit ran on another node of the fleet, which went
    /// silent before publishing it: its run folder is on that node's own disk.
    case outputLost(reason: String)
    /// The input has been moved to done/ (or deleted).
    case archived
    /// The input has been moved to failed/ with its error report.
    case quarantined
    /// Someone asked to cancel the job.
    case cancel
    /// The daemon is stopping: the running attempt is abandoned and given back.
    case interrupted
    /// The daemon started again and found the job in its stored stage.
    case recover
}

/// What the daemon must do after a transition. Every action is idempotent, so after a crash
/// the same action can run again from the stored stage without duplicating anything.
public enum JobAction: Sendable, Equatable {
    /// Rename the input from its source into work/<id>/ (or confirm it is already there).
    case completeClaim
    /// Start attempt `attempt` of `unit` in a worker child process.
    case spawnWorker(unit: WorkUnit, attempt: Int)
    /// Stop the running worker (SIGTERM, then SIGKILL after the grace time).
    case stopWorker
    /// Kill a worker left over from before a daemon crash, if that process still exists.
    case killStaleWorker(pid: Int32, startTicks: Int64?)
    /// Try again at this time.
    case retry(at: Date)
    /// Move output and metrics into the outbox (temp name, fsync, rename).
    case publishOutput
    /// Move the input to done/ or delete it, per `on_success`.
    case archiveInput
    /// Move the input to failed/ and write `<name>.error.json`.
    case quarantineInput
    /// Remove work/<id>/.
    case removeWorkFolder
    /// Insert the segment jobs of a cut job that are not stored yet, then check on them.
    case createSegments
    /// Cancel the segment jobs of this job that have not finished (wherever they run).
    case cancelSegments
    /// A segment job ended: remove its scratch and check on its parent.
    case segmentFinished
}

/// An event that makes no sense in the job's current stage.
public struct InvalidJobTransition: Error, CustomStringConvertible, Equatable {
    public let stage: JobStage
    public let event: JobEvent
    public var description: String { "event \(event) is not valid for a job in stage \(stage.rawValue)" }
}

extension Job {
    /// The state a job in quarantine ends in: cancelled if someone asked, failed otherwise.
    public var quarantineState: JobState { cancelRequested ? .cancelled : .failed }
}

/// The one place where job states change: a pure function of (job, event, now) that
/// returns the actions to perform. It does no I/O, so it is tested without files or processes;
/// the daemon stores the new job before performing the actions (write-ahead).
public struct JobStateMachine: Sendable {
    public var retry: RetryPolicy
    /// Cut inputs into segments (the configuration's `segment_seconds` > 0).
    public var cutting: Bool

    public init(retry: RetryPolicy, cutting: Bool = false) {
        self.retry = retry
        self.cutting = cutting
    }

    /// Applies `event` to `job` and returns the actions to carry out.
    public func handle(_ event: JobEvent, job: inout Job, now: Date) throws -> [JobAction] {
        let invalid = InvalidJobTransition(stage: job.stage, event: event)
        defer { job.updatedAt = now }
        switch (job.stage, event) {
        case (.claim, .claimed):
            job.stage = .wait
            if job.cancelRequested { return finishUnsuccessfully(&job, .cancelled, "cancelled by request", now) }
            return []
        case (.claim, .claimLost(let reason)):
            job.state = .cancelled
            job.stage = .finished
            job.error = reason
            job.finishedAt = now
            return [.removeWorkFolder]

        case (.wait, .start):
            guard !job.cancelRequested else { throw invalid }
            job.stage = .run
            job.state = .running
            job.attempts += 1
            job.progress = nil
            job.notBefore = nil
            job.workerPID = nil
            job.workerStartTicks = nil
            if job.startedAt == nil { job.startedAt = now }
            let unit = job.nextUnit(cutting: cutting)
            job.unit = unit
            if job.isSegmentJob {
                job.segmentStarts = [(job.segmentStarts.first ?? 0) + 1]
            } else if case .segment(let n) = unit, n < job.segmentStarts.count {
                job.segmentStarts[n] += 1
            }
            return [.spawnWorker(unit: unit, attempt: job.attempts)]

        case (.run, .workerSpawned(let pid, let ticks)):
            job.workerPID = pid
            job.workerStartTicks = ticks
            return []
        case (.run, .progress(let p)):
            job.progress = jobProgress(p, job)
            return []
        case (.run, .planned(let plan)):
            guard job.unit == .plan else { throw invalid }
            job.segmentPlan = plan
            job.segmentsDone = 0
            job.segmentStarts = [Int](repeating: 0, count: plan.isCut ? plan.segments.count : 0)
            return []
        case (.run, .workerExited(let outcome)):
            job.workerPID = nil
            job.workerStartTicks = nil
            if job.cancelRequested { return finishUnsuccessfully(&job, .cancelled, "cancelled by request", now) }
            if case .succeeded(let summary) = outcome {
                if job.isSegmentJob {
                    job.state = .done
                    job.stage = .finished
                    job.error = nil
                    job.finishedAt = now
                    return [.segmentFinished]
                }
                if job.unit == .plan, let plan = job.segmentPlan, plan.isCut {
                    // Each segment becomes a job any free worker (of any node) may take.
                    job.stage = .segments
                    job.attempts = 0
                    job.error = nil
                    return [.createSegments]
                }
                switch job.unit {
                case .plan?, .segment?:
                    // One unit done; the next waits for a slot with fresh attempts.
                    if job.unit == .plan, job.segmentPlan == nil {
                        job.segmentPlan = SegmentPlan(segments: [], totalFrames: 0, uncutReason: "the plan worker reported no plan")
                    }
                    if case .segment(let n)? = job.unit { job.segmentsDone = n + 1 }
                    job.stage = .wait
                    job.attempts = 0
                    job.error = nil
                    return []
                case .whole?, .join?, nil:
                    job.summary = summary
                    job.stage = .publish
                    return [.publishOutput]
                }
            }
            let reason = outcome.reason
            if outcome.isPermanent {
                return finishUnsuccessfully(&job, .failed, reason, now)
            }
            if job.attempts >= retry.maxAttempts {
                let tries = job.attempts == 1 ? "1 attempt" : "\(job.attempts) attempts"
                return finishUnsuccessfully(&job, .failed, "gave up after \(tries): \(reason)", now)
            }
            job.error = reason
            job.stage = .wait
            job.state = .queued
            let at = now.addingTimeInterval(retry.delay(afterAttempt: job.attempts))
            job.notBefore = at
            return [.retry(at: at)]
        case (.run, .interrupted):
            job.attempts = max(0, job.attempts - 1)
            job.interruptions += 1
            job.stage = .wait
            job.state = .queued
            job.progress = nil
            let stale = job.workerPID.map { JobAction.killStaleWorker(pid: $0, startTicks: job.workerStartTicks) }
            job.workerPID = nil
            job.workerStartTicks = nil
            if job.cancelRequested {
                return (stale.map { [$0] } ?? []) + finishUnsuccessfully(&job, .cancelled, "cancelled by request", now)
            }
            return stale.map { [$0] } ?? []

        case (.segments, .segmentsComplete(let starts)):
            job.segmentsDone = job.segmentPlan?.segments.count ?? starts.count
            job.segmentStarts = starts
            job.progress = nil
            if job.cancelRequested { return finishUnsuccessfully(&job, .cancelled, "cancelled by request", now) }
            job.stage = .wait  // for the join
            return []
        case (.segments, .segmentFailed(let reason)):
            return [.cancelSegments] + finishUnsuccessfully(&job, job.quarantineState, reason, now)
        case (.segments, .cancel):
            job.cancelRequested = true
            return [.cancelSegments]

        case (.publish, .published):
            job.stage = .archive
            return [.archiveInput]
        case (.publish, .publishFailed(let reason)):
            return finishUnsuccessfully(&job, .failed, reason, now)
        case (.publish, .outputLost(let reason)):
            // The unit is run again (a join only copies packets); not forever, though.
            if job.attempts >= retry.maxAttempts {
                return finishUnsuccessfully(&job, .failed, "output lost \(job.attempts) times: \(reason)", now)
            }
            job.stage = .wait
            job.state = .queued
            job.summary = nil
            job.progress = nil
            job.error = reason
            return []
        case (.archive, .archived):
            job.stage = .finished
            job.state = .done
            job.error = nil
            job.finishedAt = now
            return [.removeWorkFolder]
        case (.quarantine, .quarantined):
            // Failed or cancelled only now, once the input and its report are in failed/, just
            // as done waits for the input to be archived: a reader who sees the state finds the files.
            job.state = job.quarantineState
            job.stage = .finished
            job.finishedAt = now
            return [.removeWorkFolder]

        case (.claim, .cancel):
            job.cancelRequested = true
            return []
        case (.wait, .cancel):
            job.cancelRequested = true
            return finishUnsuccessfully(&job, .cancelled, "cancelled by request", now)
        case (.run, .cancel):
            job.cancelRequested = true
            return [.stopWorker]
        case (_, .cancel):
            throw invalid

        case (_, .recover):
            return recover(&job, now: now)

        default:
            throw invalid
        }
    }

    /// A segment worker counts its own frames; the job's progress counts the whole video's.
    private func jobProgress(_ p: JobProgress, _ job: Job) -> JobProgress {
        guard case .segment(let n)? = job.unit, let plan = job.segmentPlan else { return p }
        let done = job.framesBefore(segment: n) + p.framesDone
        let eta = p.fps.flatMap { $0 > 0 ? Double(max(plan.totalFrames - done, 0)) / $0 : nil }
        return JobProgress(framesDone: done, framesTotal: plan.totalFrames, fps: p.fps, etaSeconds: eta)
    }

    private func recover(_ job: inout Job, now: Date) -> [JobAction] {
        switch job.stage {
        case .claim: return [.completeClaim]
        case .wait: return []
        case .segments: return [.createSegments]
        case .run: return (try? handle(.interrupted, job: &job, now: now)) ?? []
        case .publish: return [.publishOutput]
        case .archive: return [.archiveInput]
        case .quarantine: return [.quarantineInput]
        case .finished: return job.isSegmentJob ? [.segmentFinished] : [.removeWorkFolder]  // never the parent's folder
        }
    }

    private func finishUnsuccessfully(_ job: inout Job, _ state: JobState, _ reason: String, _ now: Date) -> [JobAction] {
        assert(state == job.quarantineState, "a cancel request decides between cancelled and failed")
        if job.isSegmentJob {
            // A segment has no input of its own to keep: it ends, and its parent decides.
            job.state = state
            job.stage = .finished
            job.error = reason
            job.notBefore = nil
            job.finishedAt = now
            return [.segmentFinished]
        }
        job.stage = .quarantine
        job.error = reason
        job.notBefore = nil
        return [.quarantineInput]
    }
}
