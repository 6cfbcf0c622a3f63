import Foundation
import Logging
import XCTest
@testable import SRDDaemon

/// sd_notify without libsystemd, checked with a real datagram socket standing in for systemd's.
final class SystemdNotifyTests: XCTestCase {
    /// A bound SOCK_DGRAM socket, as systemd's notify socket is.
    final class NotifySocket {
        let fd: Int32
        let path: String

        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard rc == 0 else { throw StatusClient.Failure(description: "bind \(path): \(String(cString: strerror(errno)))") }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// Datagrams received within `seconds`, each split into lines.
        func receive(for seconds: Double, until done: ([String]) -> Bool = { _ in false }) -> [String] {
            var lines: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !done(lines) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { lines += String(decoding: buffer[0..<n], as: UTF8.self).components(separatedBy: "\n") }
            }
            return lines
        }
    }

    func testSendsToAPathAndToAnAbstractSocket() throws {
        let f = try TestFolder()
        defer { f.remove() }
        let socket = try NotifySocket(path: f.path + "/notify.sock")
        XCTAssertTrue(SystemdNotify(environment: ["NOTIFY_SOCKET": socket.path]).send(["READY=1", "STATUS=hello"]))
        XCTAssertEqual(socket.receive(for: 2) { $0.count >= 2 }, ["READY=1", "STATUS=hello"])

        let abstract = try NotifySocket(path: "@srd-test-\(getpid())-\(UUID().uuidString.prefix(6))")
        XCTAssertTrue(SystemdNotify(environment: ["NOTIFY_SOCKET": abstract.path]).send(["WATCHDOG=1"]))
        XCTAssertEqual(abstract.receive(for: 2) { !$0.isEmpty }, ["WATCHDOG=1"])

        XCTAssertFalse(SystemdNotify(environment: [:]).isEnabled)
        XCTAssertFalse(SystemdNotify(environment: [:]).send(["READY=1"]))
    }

    func testWatchdogIntervalIsHalfOfWhatSystemdAsks() {
        XCTAssertEqual(SystemdNotify.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]), 15)
        XCTAssertNil(SystemdNotify.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]), "meant for another process")
        XCTAssertNil(SystemdNotify.watchdogInterval(environment: [:]))
    }

    /// The real daemon under a fake systemd: READY once up, STATUS, watchdog pings, STOPPING.
    func testDaemonTalksToSystemd() throws {
        let d = try makeDaemon()
        guard FileManager.default.isExecutableFile(atPath: d.srd) else { throw XCTSkip("no srd binary at \(d.srd)") }
        let socket = try NotifySocket(path: d.root + "/notify.sock")
        try d.start(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        let pid = d.process!.processIdentifier
        let lines = socket.receive(for: 15) { lines in lines.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        XCTAssertEqual(lines.first, "READY=1", "\(lines)")
        XCTAssertTrue(lines.contains("MAINPID=\(pid)"), "\(lines)")
        XCTAssertTrue(lines.contains("STATUS=0 running, 0 queued, 0 done, 0 failed"), "\(lines)")
        XCTAssertGreaterThanOrEqual(lines.filter { $0 == "WATCHDOG=1" }.count, 3, "\(lines)")
        XCTAssertEqual(d.stop(timeout: 15), 0)
        XCTAssertTrue(socket.receive(for: 2) { $0.contains("STOPPING=1") }.contains("STOPPING=1"))
    }

    func testJournalLinesCarryThePriorityAndSortedFields() {
        let line = JournalLogHandler.format(
            level: .warning, message: "worker failed", metadata: ["reason": "killed by signal 9", "job": "3"],
            journal: true, now: Date(timeIntervalSince1970: 0)
        )
        XCTAssertEqual(line, "<4>worker failed job=3 reason=\"killed by signal 9\"\n")
        let plain = JournalLogHandler.format(level: .info, message: "a\nb", metadata: [:], journal: false, now: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(plain, "1970-01-01T00:00:00.000Z INFO a b\n")
        XCTAssertEqual(JournalLogHandler.priority(.critical), 2)
    }
}
