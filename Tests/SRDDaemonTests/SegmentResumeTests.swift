import Foundation
import SRDDaemon
import SRDMedia
import SRDTesting
import XCTest

/// Long inputs are cut into segments that survive a crash: the real daemon, killed with SIGKILL
/// mid-job, resumes at the segment that was running.
final class SegmentResumeTests: XCTestCase {
    /// 12 s at 24 fps with a keyframe every second and 1.5 s segments: cuts at 2, 4, 6, 8 and
    /// 10 s, six segments of 48 frames; with audio and subtitles, which the join copies.
    private func makeInput(at path: String) throws {
        let scratch = try TemporaryDirectory(prefix: "srd-segment-clip")
        let made = try makeClip(in: scratch, name: "long.mp4") {
            $0.width = 320; $0.height = 240; $0.frames = 288; $0.keyframeInterval = 24
            $0.audio = true; $0.subtitles = true
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: made, toPath: path)
    }

    func testDaemonKilledMidSegmentResumesThereAndRedoesAtMostThatSegment() throws {
        try DaemonHarness.requireUpscale()
        let d = try makeDaemon(config: "workers: 1\nsegment_seconds: 1.5")
        try makeInput(at: d.root + "/staging/long.mp4")
        try d.start()
        try FileManager.default.moveItem(atPath: d.root + "/staging/long.mp4", toPath: d.root + "/inbox/long.mp4")

        // Kill the daemon while segment 2 or later runs, two segments already kept.
        var running: Int?
        XCTAssertTrue(waitUntil(timeout: 90, interval: 0.02, "a segment running after two finished") {
            guard let job = (try? d.jobs())?.first, let segments = job.segments, segments.done >= 2,
                  let unit = job.unit, unit.hasPrefix("segment:"), job.workerPID != nil,
                  job.progress?.framesTotal != nil else { return false }
            running = Int(unit.dropFirst("segment:".count))
            return true
        }, d.logs)
        let before = try XCTUnwrap(try d.jobs().first)
        XCTAssertEqual(before.segments?.total, 6, "the clip is cut into six segments")
        XCTAssertEqual(before.progress?.framesTotal, 288, "progress counts the whole video")
        XCTAssertGreaterThanOrEqual(before.progress?.framesDone ?? 0, 96, "two segments' frames are done")
        d.killHard()
        try d.start()
        XCTAssertTrue(waitUntil(timeout: 120, interval: 0.1, "the job finished") {
            (try? d.jobs())?.first?.state.isTerminal == true
        }, d.logs)

        let job = try XCTUnwrap(try d.jobs().first)
        XCTAssertEqual(job.state, .done, job.error ?? d.logs)
        let starts = try XCTUnwrap(job.segments?.starts)
        XCTAssertEqual(starts.count, 6)
        let redone = try XCTUnwrap(running)
        for (n, count) in starts.enumerated() {
            XCTAssertEqual(count, n == redone ? 2 : 1, "segment \(n) started \(count) times (segment \(redone) was running at the kill): \(starts)")
        }
        // Exactly one complete output: every frame once, timestamps and audio as in the input.
        XCTAssertEqual(d.folder.files(under: "outbox").filter { !$0.contains(".metrics/") }, ["long.mp4"])
        let output = d.root + "/outbox/long.mp4"
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: output).pts, try MediaProbe.videoFramePTS(of: d.root + "/done/long.mp4").pts)
        XCTAssertEqual(try MediaProbe.packets(of: output, streamType: .audio).map(\.data),
                       try MediaProbe.packets(of: d.root + "/done/long.mp4", streamType: .audio).map(\.data))
        guard case .object(let summary)? = job.summary else { return XCTFail("no summary") }
        XCTAssertEqual(summary["frames"], .number(288))
        XCTAssertEqual(summary["segments"], .number(6))
        XCTAssertTrue(waitUntil(timeout: 5, "work folder emptied") { d.folder.files(under: "work").isEmpty })
        XCTAssertEqual(d.workerProcesses(), [], "the worker orphaned by the crash was killed")
    }
}
