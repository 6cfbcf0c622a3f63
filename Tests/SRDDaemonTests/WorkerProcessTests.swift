import Foundation
import XCTest
@testable import SRDDaemon
import SRDPipeline

/// The child-process plumbing with real processes (/bin/sh): exit codes, signals, JSON lines.
final class WorkerProcessTests: XCTestCase {
    func collect(_ script: String, timeout: Double? = nil, stopAfter: Double? = nil) async throws -> (messages: [WorkerMessage], process: WorkerProcess) {
        let p = try WorkerProcess(argv: ["/bin/sh", "-c", script], timeout: timeout)
        if let stopAfter {
            Task.detached { try await Task.sleep(nanoseconds: UInt64(stopAfter * 1e9)); p.stop(grace: 0.5) }
        }
        var messages: [WorkerMessage] = []
        for await m in p.messages { messages.append(m) }
        return (messages, p)
    }

    func testProgressLinesThenDoneThenExitZero() async throws {
        let (messages, _) = try await collect("""
            echo '{"event":"progress","frames_done":1,"frames_total":4,"fps":2.5,"eta_seconds":1.2}'
            echo 'not json'
            echo '{"event":"done","output":"/o.mp4","summary":{"psnr":30.5}}'
            """)
        XCTAssertEqual(messages, [
            .event(.progress(JobProgress(framesDone: 1, framesTotal: 4, fps: 2.5, etaSeconds: 1.2))),
            .event(.done(output: "/o.mp4", summary: #"{"psnr":30.5}"#)),
            .exited(.exited(0)),
        ])
    }

    func testExitCodeAndErrorLineAreReported() async throws {
        let (messages, process) = try await collect("""
            echo '{"event":"error","message":"no video stream"}'
            echo 'srd: error: no video stream' >&2
            exit 2
            """)
        XCTAssertEqual(messages.last, .exited(.exited(2)))
        XCTAssertTrue(messages.contains(.event(.error("no video stream"))))
        XCTAssertEqual(JobRunner.errorLine(process.lastErrorLines), "no video stream")
    }

    func testSignalDeathIsReportedAsSignal() async throws {
        let (messages, _) = try await collect("kill -KILL $$")
        XCTAssertEqual(messages, [.exited(.signalled(9))])
    }

    func testStopSendsTermThenKillToTheWholeGroup() async throws {
        // The child ignores SIGTERM, so only the SIGKILL after the grace time ends it.
        let (messages, _) = try await collect("trap '' TERM; sleep 30 & wait; sleep 30", stopAfter: 0.3)
        XCTAssertEqual(messages, [.exited(.signalled(9))])
    }

    func testTermIsNotIgnoredInTheChildEvenIfTheDaemonIgnoresIt() async throws {
        signal(SIGTERM, SIG_IGN)  // what ServiceLifecycle does for its signal handling
        defer { signal(SIGTERM, SIG_DFL) }
        let (messages, _) = try await collect("sleep 30", stopAfter: 0.3)
        XCTAssertEqual(messages, [.exited(.signalled(15))])
    }

    func testTimeoutKillsTheWorker() async throws {
        let (messages, _) = try await collect("sleep 30", timeout: 0.3)
        XCTAssertEqual(messages, [.exited(.timedOut(0.3))])
    }

    func testMissingExecutableIsALaunchError() {
        XCTAssertThrowsError(try WorkerProcess(argv: ["/nonexistent/srd"], timeout: nil))
    }

    func testStartTicksIdentifyALiveProcess() {
        XCTAssertNotNil(WorkerProcess.startTicks(of: getpid()))
        XCTAssertNil(WorkerProcess.startTicks(of: 0x3fff_ffff))
    }
}
