import XCTest
@testable import SRDDaemon

/// When is an inbox file complete? Time is an argument, so nothing here sleeps.
final class StabilityTrackerTests: XCTestCase {
    let a = FileObservation(size: 100, modifiedNanoseconds: 1)
    let b = FileObservation(size: 200, modifiedNanoseconds: 2)

    func testClosedFileIsTakenAfterTheWindowOfStableSize() {
        var t = StabilityTracker(window: 5)
        t.noteWriting("/in/x", now: 0)
        XCTAssertFalse(t.observe("/in/x", a, now: 1))
        t.noteClosed("/in/x", now: 2)
        XCTAssertFalse(t.observe("/in/x", a, now: 2))
        XCTAssertFalse(t.observe("/in/x", a, now: 6.9))
        XCTAssertTrue(t.observe("/in/x", a, now: 7))
    }

    func testFileStillOpenForWritingIsNeverTakenHoweverLongItPauses() {
        var t = StabilityTracker(window: 1)
        t.noteWriting("/in/slow", now: 0)
        XCTAssertFalse(t.observe("/in/slow", a, now: 0))
        XCTAssertFalse(t.observe("/in/slow", a, now: 1000), "a paused writer keeps the file open")
        t.noteClosed("/in/slow", now: 1000)
        XCTAssertFalse(t.observe("/in/slow", a, now: 1000.5))
        XCTAssertTrue(t.observe("/in/slow", a, now: 1001))
    }

    func testGrowthRestartsTheWindow() {
        var t = StabilityTracker(window: 5)
        t.noteClosed("/in/x", now: 0)
        XCTAssertFalse(t.observe("/in/x", a, now: 0))
        XCTAssertFalse(t.observe("/in/x", b, now: 4), "size changed: the window starts again")
        XCTAssertFalse(t.observe("/in/x", b, now: 8.9))
        XCTAssertTrue(t.observe("/in/x", b, now: 9))
    }

    func testModifyAfterCloseMeansWritingAgain() {
        var t = StabilityTracker(window: 0)
        t.noteClosed("/in/x", now: 0)
        t.noteWriting("/in/x", now: 1)
        XCTAssertFalse(t.observe("/in/x", a, now: 50))
    }

    func testFileFoundByScanWithoutEventsNeedsOnlyStability() {
        var t = StabilityTracker(window: 3)
        t.noteFound("/in/old", now: 10)
        XCTAssertEqual(t.state(of: "/in/old"), .unknown)
        XCTAssertFalse(t.observe("/in/old", a, now: 10))
        XCTAssertTrue(t.observe("/in/old", a, now: 13))
    }

    func testScanDoesNotOverrideWhatEventsSaid() {
        var t = StabilityTracker(window: 0)
        t.noteWriting("/in/x", now: 0)
        t.noteFound("/in/x", now: 1)
        XCTAssertEqual(t.state(of: "/in/x"), .writing)
    }

    func testVanishedFileIsForgotten() {
        var t = StabilityTracker(window: 0)
        t.noteClosed("/in/x", now: 0)
        XCTAssertFalse(t.observe("/in/x", nil, now: 1))
        XCTAssertEqual(t.paths, [])
    }

    func testInboxLayoutPicksPipelinesAndIgnoresTemporaryNames() {
        let layout = InboxLayout(inbox: "/srv/in", defaultPipeline: "fast-x2")
        XCTAssertEqual(layout.pipeline(for: "/srv/in/a.mp4"), "fast-x2")
        XCTAssertEqual(layout.pipeline(for: "/srv/in/bicubic-x2/a.mp4"), "bicubic-x2")
        XCTAssertNil(layout.pipeline(for: "/srv/in/p/q/a.mp4"), "only one level of pipeline folders")
        XCTAssertNil(layout.pipeline(for: "/srv/other/a.mp4"))
        for name in [".a.mp4", "a.mp4.part", "a.mp4.tmp", "a.mp4~", "a.MP4.PART", "a.crdownload"] {
            XCTAssertNil(layout.pipeline(for: "/srv/in/" + name), name)
        }
        XCTAssertNil(layout.pipeline(for: "/srv/in/.hidden/a.mp4"))
    }
}
