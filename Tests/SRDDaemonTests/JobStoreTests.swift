import Foundation
import XCTest
@testable import SRDDaemon
import SRDPipeline

/// The job table in a real SQLite file.
final class JobStoreTests: XCTestCase {
    func testJobsSurviveReopeningWithEveryField() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let path = folder.path + "/jobs.sqlite"
        let now = Date(timeIntervalSince1970: 1_700_000_000.5)
        var job: Job
        do {
            let store = try JobStore(path: path)
            job = try store.insert(Job(name: "a.mp4", pipeline: "fast-x2", origin: .api, source: "/x/a.mp4", now: now))
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
            job = try store.update(job)
            let second = try store.insert(Job(name: "b.mp4", pipeline: "p", origin: .inbox, source: "/in/b.mp4", now: now))
            XCTAssertEqual(second.id, 2)
        }
        let reopened = try JobStore(path: path)
        let loaded = try XCTUnwrap(reopened.job(id: 1))
        XCTAssertEqual(loaded.progress, job.progress)
        XCTAssertEqual(loaded.summary, job.summary)
        XCTAssertEqual(loaded.workerPID, 1234)
        XCTAssertEqual(loaded.workerStartTicks, 99)
        XCTAssertEqual(loaded.stage, .run)
        XCTAssertEqual(loaded.origin, .api)
        XCTAssertEqual(loaded.notBefore!.timeIntervalSince1970, job.notBefore!.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try reopened.unfinished().map(\.id), [1, 2])
        XCTAssertEqual(try reopened.counts(), [.running: 1, .queued: 1])
        XCTAssertEqual(try reopened.jobs(states: [.queued]).map(\.name), ["b.mp4"])
        XCTAssertEqual(try reopened.jobs().map(\.id), [2, 1], "newest first")
        XCTAssertTrue(try reopened.isClaiming(source: "/in/b.mp4"))
        XCTAssertFalse(try reopened.isClaiming(source: "/x/a.mp4"), "only jobs still claiming their source count")
    }

    func testDatabaseIsInWALMode() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let store = try JobStore(path: folder.path + "/j.sqlite")
        XCTAssertEqual(try store.journalMode(), "wal")
    }
}
