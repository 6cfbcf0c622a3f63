import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import XCTest

/// The worker contract the daemon relies on: which failures are permanent, and event lines
/// that read back as what was written.
final class WorkerContractTests: XCTestCase {
    func testExitCodesSayWhetherARetryCanHelp() throws {
        // A corrupt or mismatched weight file is bad input, never retried.
        XCTAssertEqual(WorkerExitCode.code(for: EngineError(.shapeMismatch, "w.safetensors: conv1.weight")), WorkerExitCode.badInput)
        XCTAssertEqual(WorkerExitCode.code(for: PipelineError.unknownModel("x")), WorkerExitCode.badInput)
        XCTAssertEqual(WorkerExitCode.code(for: PipelineError.outputNotWritable("/o", "disk full")), WorkerExitCode.failure)
        XCTAssertEqual(WorkerExitCode.code(for: PipelineError.cancelled), WorkerExitCode.failure)
        XCTAssertEqual(WorkerExitCode.code(for: CocoaError(.fileWriteOutOfSpace)), WorkerExitCode.failure)
        XCTAssertTrue(WorkerExitCode.isPermanent(WorkerExitCode.badInput))
        XCTAssertTrue(WorkerExitCode.isPermanent(WorkerExitCode.usage))
        XCTAssertFalse(WorkerExitCode.isPermanent(WorkerExitCode.failure))
        // A weight file that is not a weight file, loaded the way every command loads models.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srd-contract-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data("not a safetensors file".utf8).write(to: bad)
        XCTAssertThrowsError(try ModelResolver.load(bad.path, scale: 2)) { error in
            XCTAssertEqual(WorkerExitCode.code(for: error), WorkerExitCode.badInput, "\(error)")
        }
    }

    func testEventLinesReadBackAsWritten() {
        let events: [WorkerEvent] = [
            .progress(JobProgress(framesDone: 7, framesTotal: 20, fps: 3.25, etaSeconds: 4)),
            .progress(JobProgress(framesDone: 1)),
            .done(output: "/out/a.mkv", summary: #"{"frames":20,"psnr_y":31.5}"#),
            .error("input ends at 0.37 s of 2.02 s"),
            .plan(SegmentPlan(segments: [
                VideoSegment(index: 0, seekPTS: 0, warmupPTS: 0, startPTS: 0, endPTS: 512, firstFrame: 0, frames: 24, warmupFrames: 0),
                VideoSegment(index: 1, seekPTS: 512, warmupPTS: 400, startPTS: 512, endPTS: nil, firstFrame: 24, frames: 30, warmupFrames: 8),
            ], totalFrames: 54, uncutReason: nil)),
        ]
        for e in events {
            XCTAssertFalse(e.jsonLine.contains("\n"))
            XCTAssertEqual(WorkerEvent.parse(line: e.jsonLine), e, e.jsonLine)
        }
        XCTAssertEqual(WorkerEvent.progress(JobProgress(framesDone: 7, framesTotal: 20, fps: 3.25, etaSeconds: 4)).jsonLine,
                       #"{"eta_seconds":4,"event":"progress","fps":3.25,"frames_done":7,"frames_total":20}"#)
        XCTAssertEqual(WorkerEvent.done(output: "/out/a.mkv", summary: #"{"frames":20,"psnr_y":31.5}"#).jsonLine,
                       #"{"event":"done","output":"/out/a.mkv","summary":{"frames":20,"psnr_y":31.5}}"#, "the summary is an object, not a string")
        XCTAssertEqual(WorkerEvent.parse(line: #"{"event":"progress","frames_done":3,"fps":2.5}"#),
                       .progress(JobProgress(framesDone: 3, fps: 2.5)))
        XCTAssertNil(WorkerEvent.parse(line: "frame 3 done"))
        XCTAssertNil(WorkerEvent.parse(line: #"{"event":"plan"}"#), "a plan event without its plan")
        XCTAssertNil(WorkerEvent.parse(line: #"{"event":"unknown"}"#))
    }
}
