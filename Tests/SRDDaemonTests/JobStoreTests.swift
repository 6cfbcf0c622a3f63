import Foundation
import XCTest
@testable import SRDDaemon
import SRDPipeline

/// The job table in a real SQLite file.
final class JobStoreTests: XCTestCase {
    func testJobsSurviveReopeningWithEveryField() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let path = folder.path + "/jobs.sqlite"
        let now = Date(timeIntervalSince1970: 1_700_000_000.5)
        var job: Job
        do {
            let store = try JobStore(path: path)
            job = try await store.insert(Job(name: "a.mp4", pipeline: "fast-x2", origin: .api, source: "/x/a.mp4", now: now))
            XCTAssertEqual(job.id, 1)
            job.stage = .run
            job.state = .running
            job.attempts = 2
            job.progress = JobProgress(framesDone: 3, framesTotal: 9, fps: 1.5, etaSeconds: 4)
            job.workerPID = 1234
            job.workerStartTicks = 99
            job.summary = #"{"psnr":31.5}"#
            job.outputPath = "/out/a.mp4"
            job.notBefore = now.addingTimeInterval(5)
            job = try await store.update(job)
            let second = try await store.insert(Job(name: "b.mp4", pipeline: "p", origin: .inbox, source: "/in/b.mp4", now: now))
            XCTAssertEqual(second.id, 2)
        }
        let reopened = try JobStore(path: path)
        let found = try await reopened.job(id: 1)
        let loaded = try XCTUnwrap(found)
        XCTAssertEqual(loaded.progress, job.progress)
        XCTAssertEqual(loaded.summary, job.summary)
        XCTAssertEqual(loaded.workerPID, 1234)
        XCTAssertEqual(loaded.workerStartTicks, 99)
        XCTAssertEqual(loaded.stage, .run)
        XCTAssertEqual(loaded.origin, .api)
        XCTAssertEqual(loaded.notBefore!.timeIntervalSince1970, job.notBefore!.timeIntervalSince1970, accuracy: 0.001)
        let unfinished = try await reopened.unfinished(), counts = try await reopened.counts()
        let queued = try await reopened.jobs(states: [.queued]), all = try await reopened.jobs()
        let claimingB = try await reopened.isClaiming(source: "/in/b.mp4")
        let claimingA = try await reopened.isClaiming(source: "/x/a.mp4")
        XCTAssertEqual(unfinished.map(\.id), [1, 2])
        XCTAssertEqual(counts, [.running: 1, .queued: 1])
        XCTAssertEqual(queued.map(\.name), ["b.mp4"])
        XCTAssertEqual(all.map(\.id), [2, 1], "newest first")
        XCTAssertTrue(claimingB)
        XCTAssertFalse(claimingA, "only jobs still claiming their source count")
    }

    func testDatabaseIsInWALMode() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let store = try JobStore(path: folder.path + "/j.sqlite")
        XCTAssertEqual(try store.journalMode(), "wal")
    }
}
