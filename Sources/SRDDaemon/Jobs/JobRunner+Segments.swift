import Foundation
import Logging
import SRDMedia
import SRDPipeline

/// Segment jobs: once a plan cuts a video, each segment is a job of its own (`Job.parentID`),
/// so any free worker of any node may run one, and several run at once on one film. The cut job
/// waits in stage `segments`, held by nobody; whichever node finishes the last segment moves it on
/// to the join (`segmentsComplete`), and a segment that fails for good fails the whole job.
extension JobRunner {
    /// Inserts the segment jobs not stored yet, then checks on them. Idempotent: after a crash
    /// between inserts the missing ones are added (a unique source per segment keeps two nodes
    /// doing this at once from adding one twice).
    func createSegments(_ parent: Job) async throws {
        guard let plan = parent.segmentPlan, plan.isCut else { return }
        let children = try await store.children(of: parent.id)
        let stored = Set(children.compactMap(\.segment?.index))
        var added = 0
        for segment in plan.segments where !stored.contains(segment.index) {
            do {
                let child = try await store.insert(parent.segmentJob(segment, now: clock.now()))
                if node == nil { cache[child.id] = child }  // one machine holds every job; a fleet claims them
                added += 1
            } catch is JobStoreDuplicateClaim {
                continue  // another node added it meanwhile
            }
        }
        if added > 0 {
            logger.info("segments queued", metadata: meta(parent).merging(["segments": "\(added)"]) { a, _ in a })
        }
        // Nothing added: the children just read are the ones to check.
        await checkSegments(parent.id, children: added == 0 ? children : nil)
    }

    /// The segment jobs of `parentID` by segment, each as this node holds it if it does (the
    /// cache is ahead of the store by the progress writes it throttles).
    func currentChildren(of parentID: Int64, stored: [Job]? = nil) async -> [Job]? {
        var rows = stored
        if rows == nil { rows = try? await store.children(of: parentID) }
        return rows?.map { cache[$0.id] ?? $0 }.sorted { ($0.segment?.index ?? 0) < ($1.segment?.index ?? 0) }
    }

    /// Moves a cut job on once its segments have all finished: to the join when they are done
    /// (or to failed/ when it was cancelled), to failed/ as soon as one failed for good.
    func checkSegments(_ parentID: Int64, children stored: [Job]? = nil) async {
        var found = cache[parentID]
        if found == nil { found = try? await store.job(id: parentID) }
        guard let parent = found, parent.stage == .segments, let plan = parent.segmentPlan,
              let children = await currentChildren(of: parentID, stored: stored), children.count >= plan.segments.count
        else { return }
        if !parent.cancelRequested, let failed = children.first(where: { $0.state == .failed || $0.state == .cancelled }) {
            let reason = "segment \((failed.segment?.index ?? 0) + 1) of \(plan.segments.count): \(failed.error ?? failed.state.rawValue)"
            await send(.segmentFailed(reason: reason), to: parentID)
            return
        }
        guard children.allSatisfy({ $0.stage == .finished }) else { return }
        await send(.segmentsComplete(starts: children.map { $0.segmentStarts.first ?? 0 }), to: parentID)
    }

    /// Cancels the unfinished segments of a job, on this node or, for one another node holds, by
    /// marking its row for that node.
    func cancelSegments(_ parent: Job) async {
        guard let children = try? await store.children(of: parent.id) else { return }
        for child in children where child.stage != .finished && !child.cancelRequested {
            if let owner = child.owner, owner != node, let lease = child.leaseUntil, lease > clock.now() {
                _ = try? await requestRemoteCancel(id: child.id, owner: owner)
            } else {
                await send(.cancel, to: child.id)
            }
        }
        await checkSegments(parent.id)
    }

    /// A segment job ended (done, failed or cancelled): its scratch goes, its parent is checked.
    func segmentFinished(_ child: Job) async throws {
        try await removeScratch(child)
        if let parent = child.parentID { await checkSegments(parent) }
    }

    /// In a fleet a cut job waits held by nobody; if the node that finished its last segment died
    /// before moving it on (or the one that planned it before adding its segments), any node's
    /// heartbeat does it: cut jobs waiting on segments are checked once a lease.
    func checkWaitingCutJobs() async {
        guard let waiting = try? await store.jobs(states: [.running], limit: 100) else { return }
        for job in waiting where job.stage == .segments && job.owner == nil {
            try? await createSegments(job)
        }
    }

    /// A cut job as the status shows it while its segments run: segments done and started,
    /// progress (frames, fps, ETA) summed over its segment jobs wherever they run, and the first
    /// running segment as its unit and worker (its `owner` stays nil: nobody holds it).
    func withSegmentProgress(_ job: Job) async -> Job {
        guard job.stage == .segments, let plan = job.segmentPlan,
              let current = await currentChildren(of: job.id) else { return job }
        var view = job
        view.segmentsDone = current.filter { $0.state == .done }.count
        view.segmentStarts = current.map { $0.segmentStarts.first ?? 0 }
        let frames = current.map { $0.state == .done ? ($0.segment?.frames ?? 0) : ($0.progress?.framesDone ?? 0) }.reduce(0, +)
        let fps = current.compactMap { $0.state == .running ? $0.progress?.fps : nil }.reduce(0, +)
        // The first running segment's unit and worker, so `unit` says where the film is.
        if let running = current.first(where: { $0.stage == .run }) {
            view.unit = running.unit
            view.workerPID = running.workerPID
        }
        view.progress = JobProgress(framesDone: frames, framesTotal: plan.totalFrames, fps: fps > 0 ? fps : nil,
                                    etaSeconds: fps > 0 ? Double(max(plan.totalFrames - frames, 0)) / fps : nil)
        return view
    }
}
