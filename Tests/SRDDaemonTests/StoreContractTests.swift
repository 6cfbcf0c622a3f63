import Foundation
import Logging
import SRDDaemon
import SRDMedia
import SRDPipeline
import SRDTesting
import XCTest

/// One contract, two stores: the embedded SQLite file and a real PostgreSQL server (a throwaway
/// cluster started here with initdb/pg_ctl; skipped with a message where PostgreSQL is absent).
final class StoreContractTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func newJob(_ name: String) -> Job {
        Job(name: name, pipeline: "fast-x2", origin: .inbox, source: "/in/" + name, now: t0)
    }

    /// A job claimed into the work folder and waiting for a worker.
    private func waiting(_ store: any JobStoring, _ name: String) async throws -> Job {
        var job = try await store.insert(newJob(name))
        job.stage = .wait
        return try await store.update(job)
    }

    /// The checks, run against `stores` (several handles on one database: the nodes).
    private func checkContract(_ stores: [any JobStoring]) async throws {
        let store = stores[0]
        // Insert and compare-and-swap.
        var a = try await store.insert(newJob("a.mp4"))
        XCTAssertGreaterThan(a.id, 0)
        XCTAssertEqual(a.version, 1)
        a.stage = .wait
        a.progress = JobProgress(framesDone: 3, framesTotal: 9, fps: 1.5)
        let stale = a
        a = try await store.update(a)
        XCTAssertEqual(a.version, 2)
        let loaded = try await store.job(id: a.id)
        XCTAssertEqual(loaded?.progress, a.progress)
        XCTAssertEqual(loaded?.version, 2)
        do {
            _ = try await stores.last!.update(stale)
            XCTFail("a write from a stale read must be refused")
        } catch let conflict as JobStoreConflict {
            XCTAssertEqual(conflict.id, a.id)
        }
        let counts = try await store.counts()
        XCTAssertEqual(counts[.queued], 1)

        // Ten waiting jobs claimed by every node at once: each job exactly once.
        var ids: Set<Int64> = [a.id]
        for i in 0..<9 { ids.insert(try await waiting(store, "c\(i).mp4").id) }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (n, node) in stores.enumerated() {
                group.addTask {
                    var mine: [Int64] = []
                    while let job = try await node.claim(node: "node\(n)", leaseSeconds: 30, now: self.t0) {
                        XCTAssertEqual(job.owner, "node\(n)")
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await part in group { all += part }
            return all
        }
        XCTAssertEqual(claimed.count, 10, "every job claimed once: \(claimed.sorted())")
        XCTAssertEqual(Set(claimed), ids)
        let none = try await store.claim(node: "node9", leaseSeconds: 30, now: t0)
        XCTAssertNil(none, "nothing left while the leases run")

        // Leases: renewing keeps a job; an expired lease lets another node take it over, and the
        // old owner then learns it lost the job.
        let fetched = try await store.job(id: a.id)
        let first = try XCTUnwrap(fetched)
        let owner = try XCTUnwrap(first.owner)
        let renewed = try await store.renewLeases(node: owner, ids: [a.id], leaseSeconds: 30, now: t0.addingTimeInterval(20))
        XCTAssertEqual(renewed, [a.id])
        let early = try await stores.last!.claim(node: "rescuer", leaseSeconds: 30, now: t0.addingTimeInterval(40))
        XCTAssertNotEqual(early?.id, a.id, "a renewed lease is not taken")
        var rescued: [Int64] = early.map { [$0.id] } ?? []
        while let job = try await stores.last!.claim(node: "rescuer", leaseSeconds: 30, now: t0.addingTimeInterval(60)) {
            XCTAssertEqual(job.owner, "rescuer")
            rescued.append(job.id)
        }
        XCTAssertEqual(Set(rescued), ids, "every job of the silent nodes is taken over once their leases ran out")
        let lost = try await store.renewLeases(node: owner, ids: [a.id], leaseSeconds: 30, now: t0.addingTimeInterval(61))
        XCTAssertEqual(lost, [], "the old owner's renewal tells it the job is gone")

        // A cancelled or future-retry waiting job is not claimed; a finished one never.
        var later = try await waiting(store, "later.mp4")
        later.notBefore = t0.addingTimeInterval(65)
        later = try await store.update(later)
        let notYet = try await store.claim(node: "n", leaseSeconds: 30, now: t0.addingTimeInterval(61))
        XCTAssertNil(notYet)
        let due = try await store.claim(node: "n", leaseSeconds: 30, now: t0.addingTimeInterval(66))
        XCTAssertEqual(due?.id, later.id)

        // Nodes.
        try await store.register(NodeRecord(name: "b", host: "h2", pid: 2, startedAt: t0, heartbeatAt: t0, state: "running", jobs: 1, fps: 3.5))
        try await store.register(NodeRecord(name: "a", host: "h1", pid: 1, startedAt: t0, heartbeatAt: t0, state: "running", jobs: 0, fps: 0))
        try await store.register(NodeRecord(name: "b", host: "h2", pid: 2, startedAt: t0, heartbeatAt: t0.addingTimeInterval(5), state: "draining", jobs: 0, fps: 0))
        let nodes = try await stores.last!.nodes()
        XCTAssertEqual(nodes.map(\.name), ["a", "b"])
        XCTAssertEqual(nodes.last?.state, "draining")
        XCTAssertEqual(nodes.last?.heartbeatAt, t0.addingTimeInterval(5))
        let unfinished = try await store.unfinished()
        XCTAssertEqual(unfinished.count, 11)
        let queued = try await store.jobs(states: [.queued], limit: 100)
        XCTAssertEqual(queued.count, 11)

        // Two nodes offered the same inbox file: one row claims it, the other insert is refused.
        let claiming = try await store.insert(newJob("dup.mp4"))
        do {
            _ = try await stores.last!.insert(newJob("dup.mp4"))
            XCTFail("a second job claiming the same file must be refused")
        } catch is JobStoreDuplicateClaim {}
        try await store.delete(id: claiming.id)

        // Segment jobs: rows of their own under their parent, never listed or counted as jobs,
        // one per segment, and a film's segments are claimed before jobs that came after it.
        var film = try await waiting(store, "film.mp4")
        let next = try await waiting(store, "next.mp4")
        film.stage = .segments
        film.state = .running
        film = try await store.update(film)
        let countsBefore = try await store.counts()
        var segment = newJob("film.mp4")
        segment.source = "/in/film.mp4#job-\(film.id)-segment-0"
        segment.parentID = film.id
        segment.segment = VideoSegment(index: 0, seekPTS: 0, warmupPTS: 0, startPTS: 0, endPTS: 512, firstFrame: 0, frames: 24, warmupFrames: 0)
        segment.stage = .wait
        segment = try await store.insert(segment)
        do {
            _ = try await stores.last!.insert(segment)
            XCTFail("a second row for the same segment must be refused")
        } catch is JobStoreDuplicateClaim {}
        let children = try await stores.last!.children(of: film.id)
        XCTAssertEqual(children.map(\.id), [segment.id])
        XCTAssertEqual(children.first?.segment?.frames, 24)
        let countsAfter = try await store.counts()
        XCTAssertEqual(countsAfter, countsBefore, "a segment job is not counted")
        let listed = try await store.jobs(limit: 200)
        XCTAssertFalse(listed.contains { $0.id == segment.id }, "a segment job is not listed")
        let open = try await store.unfinished()
        XCTAssertTrue(open.contains { $0.id == segment.id }, "but recovered like any unfinished job")
        let firstClaim = try await store.claim(node: "n", leaseSeconds: 30, now: t0.addingTimeInterval(67))
        XCTAssertEqual(firstClaim?.id, segment.id, "the earlier film's segment before the later job")
        let secondClaim = try await store.claim(node: "n", leaseSeconds: 30, now: t0.addingTimeInterval(67))
        XCTAssertEqual(secondClaim?.id, next.id)
    }

    func testSQLiteStore() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("srd.sqlite")
        let stores: [any JobStoring] = try (0..<3).map { _ in try JobStore(path: path) }
        try await checkContract(stores)
    }

    func testPostgreSQLStore() async throws {
        let server: PostgresTestServer
        do { server = try PostgresTestServer() } catch {
            throw XCTSkip("no PostgreSQL server for the fleet store tests: \(error)")
        }
        defer { server.stop() }
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["SRD_PG_TRACE"] == "1" ? .trace : .warning
        var stores: [PostgresJobStore] = []
        for _ in 0..<3 { stores.append(try await PostgresJobStore(url: server.url, logger: logger)) }
        defer { stores.forEach { $0.shutdown() } }
        try await checkContract(stores)
    }
}
