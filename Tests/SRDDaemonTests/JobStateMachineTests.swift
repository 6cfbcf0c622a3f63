import Foundation
import XCTest
@testable import SRDDaemon
import SRDMedia
import SRDPipeline

/// The pure state machine, driven event by event with a fixed clock: no files, no processes.
final class JobStateMachineTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let machine = JobStateMachine(retry: RetryPolicy(maxAttempts: 3, backoffSeconds: 5, maxBackoffSeconds: 300))

    func newJob() -> Job {
        var job = Job(name: "a.mp4", pipeline: "fast-x2", origin: .inbox, source: "/in/a.mp4", now: t0)
        job.id = 7
        return job
    }

    /// A job claimed and started, as the runner would leave it.
    func runningJob() throws -> Job {
        var job = newJob()
        XCTAssertEqual(try machine.handle(.claimed, job: &job, now: t0), [])
        XCTAssertEqual(try machine.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 1)])
        return job
    }

    func testHappyPathPublishesThenArchivesThenCleansUp() throws {
        var job = try runningJob()
        XCTAssertEqual(job.state, .running)
        XCTAssertEqual(job.attempts, 1)
        _ = try machine.handle(.workerSpawned(pid: 42, startTicks: 1000), job: &job, now: t0)
        XCTAssertEqual(job.workerPID, 42)
        _ = try machine.handle(.progress(JobProgress(framesDone: 5, framesTotal: 10, fps: 2, etaSeconds: 2.5)), job: &job, now: t0)
        XCTAssertEqual(job.progress?.framesDone, 5)
        XCTAssertEqual(try machine.handle(.workerExited(.succeeded(summary: #"{"psnr":30}"#)), job: &job, now: t0), [.publishOutput])
        XCTAssertEqual(job.stage, .publish)
        XCTAssertEqual(job.state, .running, "not done until the output is safely in the outbox")
        XCTAssertNil(job.workerPID)
        XCTAssertEqual(job.summary, #"{"psnr":30}"#)
        XCTAssertEqual(try machine.handle(.published, job: &job, now: t0), [.archiveInput])
        XCTAssertEqual(job.state, .running, "not done until the input is archived")
        let t1 = t0.addingTimeInterval(9)
        XCTAssertEqual(try machine.handle(.archived, job: &job, now: t1), [.removeWorkFolder])
        XCTAssertEqual(job.state, .done)
        XCTAssertEqual(job.stage, .finished)
        XCTAssertEqual(job.finishedAt, t1)
    }

    func testCrashIsRetriedWithDoublingBackoffThenFailsWithTheReason() throws {
        var job = try runningJob()
        let killed = WorkerOutcome.signalled(signal: 9, message: nil)
        XCTAssertEqual(try machine.handle(.workerExited(killed), job: &job, now: t0), [.retry(at: t0.addingTimeInterval(5))])
        XCTAssertEqual(job.state, .queued)
        XCTAssertEqual(job.stage, .wait)
        XCTAssertEqual(job.error, "worker killed by signal 9 (SIGKILL)")

        XCTAssertEqual(try machine.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 2)])
        XCTAssertNil(job.notBefore)
        XCTAssertEqual(try machine.handle(.workerExited(.exited(code: 1, message: "boom")), job: &job, now: t0), [.retry(at: t0.addingTimeInterval(10))])

        XCTAssertEqual(try machine.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 3)])
        XCTAssertEqual(try machine.handle(.workerExited(killed), job: &job, now: t0), [.quarantineInput])
        XCTAssertEqual(job.state, .running, "failed only once the input is in failed/")
        XCTAssertEqual(job.stage, .quarantine)
        XCTAssertEqual(job.error, "gave up after 3 attempts: worker killed by signal 9 (SIGKILL)")
        XCTAssertEqual(try machine.handle(.quarantined, job: &job, now: t0), [.removeWorkFolder])
        XCTAssertEqual(job.stage, .finished)
        XCTAssertEqual(job.state, .failed)
    }

    func testBadInputFailsAtOnceWithoutRetry() throws {
        var job = try runningJob()
        let actions = try machine.handle(.workerExited(.exited(code: 2, message: "no video stream in a.mp4")), job: &job, now: t0)
        XCTAssertEqual(actions, [.quarantineInput])
        XCTAssertEqual(job.quarantineState, .failed)
        XCTAssertEqual(job.attempts, 1)
        XCTAssertEqual(job.error, "bad input: no video stream in a.mp4")
    }

    func testUsageErrorIsPermanentButExitOneIsNot() {
        XCTAssertTrue(WorkerOutcome.exited(code: 64, message: nil).isPermanent)
        XCTAssertTrue(WorkerOutcome.exited(code: 2, message: nil).isPermanent)
        XCTAssertFalse(WorkerOutcome.exited(code: 1, message: nil).isPermanent)
        XCTAssertFalse(WorkerOutcome.exited(code: 0, message: nil).isPermanent, "exit 0 without output is a crash")
        XCTAssertFalse(WorkerOutcome.signalled(signal: 6, message: nil).isPermanent)
        XCTAssertFalse(WorkerOutcome.timedOut(seconds: 60).isPermanent)
    }

    func testCancelQueuedJobQuarantinesItsInput() throws {
        var job = newJob()
        _ = try machine.handle(.claimed, job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.cancel, job: &job, now: t0), [.quarantineInput])
        XCTAssertEqual(job.state, .queued)
        XCTAssertEqual(job.error, "cancelled by request")
        XCTAssertThrowsError(try machine.handle(.start, job: &job, now: t0))
        XCTAssertEqual(try machine.handle(.quarantined, job: &job, now: t0), [.removeWorkFolder])
        XCTAssertEqual(job.state, .cancelled)
    }

    func testCancelRunningJobStopsTheWorkerAndWinsOverItsExit() throws {
        var job = try runningJob()
        XCTAssertEqual(try machine.handle(.cancel, job: &job, now: t0), [.stopWorker])
        XCTAssertEqual(job.state, .running, "still running until the worker is gone")
        XCTAssertEqual(try machine.handle(.workerExited(.signalled(signal: 15, message: nil)), job: &job, now: t0), [.quarantineInput])
        _ = try machine.handle(.quarantined, job: &job, now: t0)
        XCTAssertEqual(job.state, .cancelled)
    }

    func testCancelDuringClaimTakesEffectOnceClaimed() throws {
        var job = newJob()
        XCTAssertEqual(try machine.handle(.cancel, job: &job, now: t0), [])
        XCTAssertEqual(try machine.handle(.claimed, job: &job, now: t0), [.quarantineInput])
        XCTAssertEqual(job.quarantineState, .cancelled)
    }

    func testFinishedOrPublishingJobsCannotBeCancelled() throws {
        var job = try runningJob()
        _ = try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        XCTAssertThrowsError(try machine.handle(.cancel, job: &job, now: t0)) { error in
            XCTAssertEqual((error as? InvalidJobTransition)?.stage, .publish)
        }
    }

    func testInterruptedAttemptIsGivenBack() throws {
        var job = try runningJob()
        _ = try machine.handle(.workerSpawned(pid: 99, startTicks: 5), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.interrupted, job: &job, now: t0), [.killStaleWorker(pid: 99, startTicks: 5)])
        XCTAssertEqual(job.attempts, 0)
        XCTAssertEqual(job.interruptions, 1)
        XCTAssertEqual(job.state, .queued)
        XCTAssertEqual(try machine.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 1)])
    }

    /// After a crash each stage redoes its own idempotent step.
    func testRecoveryRedoesTheStoredStagesStep() throws {
        var job = newJob()
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [.completeClaim])

        job = try runningJob()
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [], "no pid recorded: nothing to kill")
        XCTAssertEqual(job.stage, .wait)
        XCTAssertEqual(job.attempts, 0)

        job = try runningJob()
        _ = try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [.publishOutput])
        _ = try machine.handle(.published, job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [.archiveInput])
        _ = try machine.handle(.archived, job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [.removeWorkFolder])
        XCTAssertEqual(job.state, .done)

        job = try runningJob()
        _ = try machine.handle(.workerExited(.exited(code: 2, message: nil)), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.recover, job: &job, now: t0), [.quarantineInput])
    }

    func testEventsOutOfOrderAreRejected() throws {
        var job = newJob()
        XCTAssertThrowsError(try machine.handle(.start, job: &job, now: t0))
        XCTAssertThrowsError(try machine.handle(.published, job: &job, now: t0))
        XCTAssertThrowsError(try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0))
        XCTAssertEqual(job.stage, .claim, "a rejected event changes nothing")
    }

    func testBackoffDoublesAndIsCapped() {
        let p = RetryPolicy(maxAttempts: 10, backoffSeconds: 5, maxBackoffSeconds: 30)
        XCTAssertEqual((1...5).map { p.delay(afterAttempt: $0) }, [5, 10, 20, 30, 30])
    }

    func testMissingOutputFailsThePublishWithTheReason() throws {
        var job = try runningJob()
        _ = try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.publishFailed(reason: "worker output missing: x"), job: &job, now: t0), [.quarantineInput])
        _ = try machine.handle(.quarantined, job: &job, now: t0)
        XCTAssertEqual(job.state, .failed)
        XCTAssertEqual(job.error, "worker output missing: x")
    }


    /// A fleet node that took over a job in publish finds the output on the silent node's disk:
    /// the unit runs again (with the next attempt number), and the job fails only once it has
    /// lost its output as often as attempts allow.
    func testOutputLostOnAnotherNodeRunsTheUnitAgainWithinTheAttempts() throws {
        var job = try runningJob()
        _ = try machine.handle(.workerExited(.succeeded(summary: #"{"frames":3}"#)), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.outputLost(reason: "worker output missing: r"), job: &job, now: t0), [])
        XCTAssertEqual(job.stage, .wait)
        XCTAssertEqual(job.state, .queued)
        XCTAssertNil(job.summary, "the summary belonged to the lost output")
        XCTAssertEqual(try machine.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 2)])
        _ = try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        _ = try machine.handle(.outputLost(reason: "lost"), job: &job, now: t0)
        _ = try machine.handle(.start, job: &job, now: t0)
        _ = try machine.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        XCTAssertEqual(try machine.handle(.outputLost(reason: "lost"), job: &job, now: t0), [.quarantineInput])
        XCTAssertEqual(job.error, "output lost 3 times: lost")
    }
    // MARK: Segments

    private func segmentPlan(_ count: Int) -> SegmentPlan {
        SegmentPlan(segments: (0..<count).map {
            VideoSegment(index: $0, seekPTS: Int64($0 * 100), warmupPTS: Int64($0 * 100), startPTS: Int64($0 * 100),
                         endPTS: $0 + 1 < count ? Int64($0 * 100 + 100) : nil, firstFrame: $0 * 10, frames: 10, warmupFrames: 0)
        }, totalFrames: count * 10, uncutReason: nil)
    }

    /// A job planned into `count` segments, waiting on them, and its segment jobs.
    private func cutJob(_ count: Int) throws -> (Job, [Job]) {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var job = newJob()
        _ = try cutting.handle(.claimed, job: &job, now: t0)
        XCTAssertEqual(try cutting.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .plan, attempt: 1)])
        _ = try cutting.handle(.planned(segmentPlan(count)), job: &job, now: t0)
        XCTAssertEqual(try cutting.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0), [.createSegments])
        XCTAssertEqual(job.stage, .segments)
        XCTAssertEqual(job.state, .running, "a job waiting on its segments is still running for its user")
        XCTAssertEqual(job.attempts, 0)
        let children = job.segmentPlan!.segments.enumerated().map { i, segment in
            var child = job.segmentJob(segment, now: t0)
            child.id = Int64(100 + i)
            return child
        }
        return (job, children)
    }

    func testACutJobWaitsOnItsSegmentJobsThenJoins() throws {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var (job, children) = try cutJob(3)
        XCTAssertEqual(Set(children.map(\.source)).count, 3, "each segment job has a source of its own")
        XCTAssertEqual(children.map(\.parentID), [7, 7, 7])
        XCTAssertEqual(children.map(\.stage), [.wait, .wait, .wait], "ready for any worker at once")
        for n in 0..<3 {
            var child = children[n]
            XCTAssertEqual(try cutting.handle(.start, job: &child, now: t0), [.spawnWorker(unit: .segment(n), attempt: 1)])
            _ = try cutting.handle(.progress(JobProgress(framesDone: 4, fps: 2)), job: &child, now: t0)
            XCTAssertEqual(child.progress?.framesDone, 4, "a segment job counts its own frames")
            if n == 1 {
                // A failure retries the same segment with the segment's own attempts.
                _ = try cutting.handle(.workerExited(.signalled(signal: 9, message: nil)), job: &child, now: t0)
                XCTAssertEqual(child.stage, .wait)
                child.notBefore = nil
                XCTAssertEqual(try cutting.handle(.start, job: &child, now: t0), [.spawnWorker(unit: .segment(1), attempt: 2)])
            }
            XCTAssertEqual(try cutting.handle(.workerExited(.succeeded(summary: nil)), job: &child, now: t0), [.segmentFinished])
            XCTAssertEqual(child.state, .done)
            XCTAssertEqual(child.stage, .finished)
            children[n] = child
        }
        XCTAssertEqual(children.map(\.segmentStarts), [[1], [2], [1]])
        XCTAssertEqual(try cutting.handle(.segmentsComplete(starts: [1, 2, 1]), job: &job, now: t0), [])
        XCTAssertEqual(job.segmentStarts, [1, 2, 1])
        XCTAssertEqual(job.segmentsDone, 3)
        XCTAssertEqual(try cutting.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .join, attempt: 1)])
        XCTAssertEqual(try cutting.handle(.workerExited(.succeeded(summary: "{}")), job: &job, now: t0), [.publishOutput])
        XCTAssertEqual(job.summary, "{}")
        XCTAssertEqual(try cutting.handle(.recover, job: &children[0], now: t0), [.segmentFinished], "a finished segment only checks on its parent again")
    }

    func testASegmentThatFailsForGoodFailsTheWholeJobAndCancelsTheOthers() throws {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var (job, children) = try cutJob(2)
        var child = children[0]
        _ = try cutting.handle(.start, job: &child, now: t0)
        XCTAssertEqual(try cutting.handle(.workerExited(.exited(code: WorkerExitCode.badInput, message: "corrupt packet")), job: &child, now: t0),
                       [.segmentFinished], "a segment has no input of its own to quarantine")
        XCTAssertEqual(child.state, .failed)
        XCTAssertEqual(child.stage, .finished)
        XCTAssertEqual(try cutting.handle(.segmentFailed(reason: "segment 1 of 2: corrupt packet"), job: &job, now: t0),
                       [.cancelSegments, .quarantineInput])
        _ = try cutting.handle(.quarantined, job: &job, now: t0)
        XCTAssertEqual(job.state, .failed)
        XCTAssertEqual(job.error, "segment 1 of 2: corrupt packet")
    }

    func testCancellingACutJobCancelsItsSegmentsThenQuarantinesTheInput() throws {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var (job, children) = try cutJob(2)
        XCTAssertEqual(try cutting.handle(.cancel, job: &job, now: t0), [.cancelSegments])
        XCTAssertEqual(try cutting.handle(.cancel, job: &children[0], now: t0), [.segmentFinished])
        XCTAssertEqual(children[0].state, .cancelled)
        _ = try cutting.handle(.start, job: &children[1], now: t0)
        XCTAssertEqual(try cutting.handle(.cancel, job: &children[1], now: t0), [.stopWorker])
        XCTAssertEqual(try cutting.handle(.workerExited(.signalled(signal: 15, message: nil)), job: &children[1], now: t0), [.segmentFinished])
        XCTAssertEqual(try cutting.handle(.segmentsComplete(starts: [0, 1]), job: &job, now: t0), [.quarantineInput])
        _ = try cutting.handle(.quarantined, job: &job, now: t0)
        XCTAssertEqual(job.state, .cancelled)
        XCTAssertEqual(try cutting.handle(.recover, job: &job, now: t0), [.removeWorkFolder])
    }

    func testACrashMidSegmentRedoesOnlyThatSegmentAndAWaitingJobChecksItsSegments() throws {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var (job, children) = try cutJob(6)
        var child = children[4]
        _ = try cutting.handle(.start, job: &child, now: t0)
        _ = try cutting.handle(.workerSpawned(pid: 99, startTicks: 5), job: &child, now: t0)
        // The daemon was killed; on restart it recovers the segment job and the job waiting on it.
        XCTAssertEqual(try cutting.handle(.recover, job: &child, now: t0), [.killStaleWorker(pid: 99, startTicks: 5)])
        XCTAssertEqual(try cutting.handle(.start, job: &child, now: t0), [.spawnWorker(unit: .segment(4), attempt: 1)])
        XCTAssertEqual(child.segmentStarts, [2])
        XCTAssertEqual(try cutting.handle(.recover, job: &job, now: t0), [.createSegments])
        XCTAssertThrowsError(try cutting.handle(.start, job: &job, now: t0), "a job waiting on its segments runs nothing itself")
    }

    func testAnUncutPlanRunsTheWholeFile() throws {
        let cutting = JobStateMachine(retry: machine.retry, cutting: true)
        var job = newJob()
        _ = try cutting.handle(.claimed, job: &job, now: t0)
        _ = try cutting.handle(.start, job: &job, now: t0)
        let plan = SegmentPlan(segments: [], totalFrames: 0, uncutReason: "short")
        _ = try cutting.handle(.planned(plan), job: &job, now: t0)
        _ = try cutting.handle(.workerExited(.succeeded(summary: nil)), job: &job, now: t0)
        XCTAssertEqual(try cutting.handle(.start, job: &job, now: t0), [.spawnWorker(unit: .whole, attempt: 1)])
    }
}
