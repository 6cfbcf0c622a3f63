import Foundation
import Logging

/// Fleet mode (`job_store: postgresql://...`): several nodes share one queue. A node holds the jobs
/// it works on under a lease it renews on a heartbeat; a waiting job belongs to nobody, so any node
/// with a free worker claims it (`JobStoring.claim`, oldest first); a job whose node died comes
/// back when its lease runs out and the next claimer recovers it from its stored stage, exactly as
/// a restart would.
extension JobRunner {
    var leaseSeconds: Double { configuration.current.leaseSeconds }
    /// How long a heartbeat or claim waits on the store: a third of the lease (at least 2 s), and
    /// 2 s once stopping, so an unreachable database neither stalls the loop nor a SIGTERM.
    var storeTimeout: Double { leaving ? 2 : max(2, leaseSeconds / 3) }
    /// Stopping, or asked to (SIGTERM) while the loop is still in a heartbeat.
    var leaving: Bool { stopping || Task.isShuttingDownGracefully }

    /// Claims jobs from the shared store while workers are free (one store round trip each); after
    /// finding nothing it asks again only after half a second, not every scheduling tick.
    func claimFromFleet(free: Int) async {
        guard let node, free > 0, !stopping, clock.monotonicSeconds() >= nextClaimAt else { return }
        for _ in 0..<free {
            let claimed: Job?
            do {
                // A claim that answers after the timeout is not lost: its lease runs out unrenewed
                // and the job comes back to the fleet.
                let (store, lease, now) = (self.store, leaseSeconds, clock.now())
                claimed = try await bounded(storeTimeout, "the job store (claiming)") {
                    try await store.claim(node: node, leaseSeconds: lease, now: now)
                }
            } catch {
                logger.error("cannot claim from the job store", metadata: ["error": "\(error)"])
                return
            }
            guard let job = claimed else {
                nextClaimAt = clock.monotonicSeconds() + 0.5
                return
            }
            cache[job.id] = job
            lastPersisted[job.id] = nil
            if job.stage == .wait {
                logger.info("job claimed", metadata: meta(job))
                // Marked cancelled by a node that did not hold it while it waited.
                await send(job.cancelRequested ? .cancel : .start, to: job.id)
            } else {
                // Another node held it and went silent: carry on from the stored stage.
                logger.notice("job taken over from a silent node", metadata: meta(job).merging(["stage": "\(job.stage.rawValue)"]) { a, _ in a })
                await send(.recover, to: job.id)
            }
        }
    }

    /// Every third of the lease: renew the leases of this node's jobs (a job whose lease was
    /// taken over is let go and its worker stopped) and refresh the node's row.
    func heartbeat() async {
        guard let node else { return }
        let now = clock.monotonicSeconds()
        guard now - lastHeartbeat >= leaseSeconds / 3 else { return }
        lastHeartbeat = now
        let held = Array(cache.keys)
        do {
            let (store, lease, now, limit) = (self.store, leaseSeconds, clock.now(), storeTimeout)
            let renewed = Set(try await bounded(limit, "the job store (renewing leases)") {
                try await store.renewLeases(node: node, ids: held, leaseSeconds: lease, now: now)
            })
            for id in held where !renewed.contains(id) && cache[id] != nil { letGo(id, reason: "its lease was taken over") }
            if !leaving {
                await checkWaitingCutJobs()
            }
            for id in leaving ? [] : await adoptRemoteChanges(renewed.sorted()) {
                logger.notice("cancel requested from another node", metadata: ["job": "\(id)"])
                await send(.cancel, to: id)
            }
            let fps = cache.values.compactMap { $0.state == .running ? $0.progress?.fps : nil }.reduce(0, +)
            let record = NodeRecord(
                name: node, host: ProcessInfo.processInfo.hostName, pid: getpid(), startedAt: startedAt, heartbeatAt: clock.now(),
                state: stopping ? "stopped" : "running", jobs: cache.count, fps: fps)
            let nodes = try await bounded(limit, "the job store (registering the node)") {
                try await store.register(record)
                return try await store.nodes()
            }
            metrics.setNodes(nodes, now: clock.now())
        } catch {
            logger.error("heartbeat to the job store failed", metadata: ["error": "\(error)"])
        }
    }

    /// Forgets a job this node no longer holds and stops its worker.
    func letGo(_ id: Int64, reason: String) {
        logger.warning("letting a job go", metadata: ["job": "\(id)", "reason": "\(reason)"])
        cache[id] = nil
        lastPersisted[id] = nil
        workers[id]?.stop(grace: configuration.current.workerStopGraceSeconds)
    }

    /// In fleet mode a job this node starts to act on becomes its own (owner and lease); a job
    /// back in `wait` (or waiting on its segments) is released to the fleet, so whichever node has a worker free runs it next.
    func assignOwnership(_ job: inout Job) -> Bool {
        guard let node else { return false }
        if job.stage == .wait || job.stage == .segments || job.stage == .finished {
            let changed = job.owner != nil
            job.owner = nil
            job.leaseUntil = nil
            return changed
        }
        job.owner = node
        job.leaseUntil = clock.now().addingTimeInterval(leaseSeconds)
        return true
    }
}

/// Cancelling a job another node holds: this node only marks the stored row (`cancelRequested`,
/// a compare-and-swap like every write); the holder finds the mark at its next write or
/// heartbeat (`adoptRemoteChanges`) and stops its worker, and the job ends cancelled there.
extension JobRunner {
    func requestRemoteCancel(id: Int64, owner: String) async throws -> Job {
        for _ in 0..<20 {
            guard var job = try await store.job(id: id) else { throw JobRequestError(kind: .notFound, description: "no job \(id)") }
            guard !job.state.isTerminal else {
                throw JobRequestError(kind: .conflict, description: "job \(id) is \(job.state.rawValue) and can no longer be cancelled")
            }
            if job.cancelRequested { return job }
            job.cancelRequested = true
            do {
                let stored = try await store.update(job)
                logger.notice("cancel requested of the node holding the job", metadata: meta(stored).merging(["owner": "\(owner)"]) { a, _ in a })
                return stored
            } catch is JobStoreConflict {
                continue  // the holder wrote meanwhile (progress): read again
            }
        }
        throw JobRequestError(kind: .unavailable, description: "job \(id) changes too often to mark it cancelled; try again")
    }

    /// Reads back jobs this node holds whose stored row changed under it: in a fleet the only
    /// change another node makes to a job it does not hold is a cancel request. Takes the stored
    /// version (so the next write does not conflict) and returns the ids newly asked to cancel.
    func adoptRemoteChanges(_ ids: [Int64]) async -> [Int64] {
        guard let node else { return [] }
        var cancelled: [Int64] = []
        await enterGate()
        defer { leaveGate() }
        for id in ids {
            guard let cached = cache[id], let stored = try? await store.job(id: id), stored.version != cached.version,
                  stored.owner == node else { continue }
            var merged = cached
            merged.version = stored.version
            if stored.cancelRequested && !cached.cancelRequested { cancelled.append(id) }
            cache[id] = merged
        }
        return cancelled
    }
}
