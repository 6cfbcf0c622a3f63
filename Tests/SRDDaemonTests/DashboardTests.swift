#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import SRDDaemon
import SRDTesting
import XCTest

/// The optional HTTP listener: the dashboard in a real headless Chromium (Debian's `chromium`;
/// `.ci/run` installs it), and the token on every request.
final class DashboardTests: XCTestCase {
    let token = "dashboard-test-token-42"

    /// A loopback port nobody listens on right now.
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw XCTSkip("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// GET with an optional bearer token: (status, body).
    private func get(_ url: String, token: String? = nil) throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String)?
        nonisolated(unsafe) var failure: Error?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error }
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
            done.signal()
        }.resume()
        done.wait()
        if let failure { throw failure }
        return result!
    }

    func testTheListenerRefusesRequestsWithoutTheToken() throws {
        let port = try freePort()
        let d = try makeDaemon(config: "http_listen: 127.0.0.1:\(port)\nhttp_token: \(token)")
        try d.start()
        let base = "http://127.0.0.1:\(port)"
        XCTAssertEqual(try get(base + "/v1/status").0, 401)
        XCTAssertEqual(try get(base + "/v1/status", token: "wrong-token-0123456789").0, 401)
        XCTAssertEqual(try get(base + "/").0, 401)
        XCTAssertEqual(try get(base + "/metrics").0, 401)
        let (status, body) = try get(base + "/v1/status", token: token)
        XCTAssertEqual(status, 200)
        XCTAssertTrue(body.contains("\"busy_workers\""), body)
        // The socket needs no token: the same API as before.
        XCTAssertEqual(try d.client.request("GET", "/v1/status").status, 200)
    }

    /// A browser left open keeps an event stream; a stop must not wait for it.
    func testAnOpenEventStreamGetsSnapshotsAndDoesNotHoldUpAStop() throws {
        guard let curl = ["/usr/bin/curl", "/bin/curl"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("curl is not installed")
        }
        let port = try freePort()
        let d = try makeDaemon(config: "http_listen: 127.0.0.1:\(port)\nhttp_token: \(token)")
        try d.start()
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: curl)
        stream.arguments = ["-sN", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)/v1/events"]
        let out = Pipe()
        stream.standardOutput = out
        try stream.run()
        defer { if stream.isRunning { stream.terminate() } }
        Thread.sleep(forTimeInterval: 2.5)
        let started = Date()
        XCTAssertEqual(d.stop(timeout: 20), 0, "srd serve did not stop cleanly with a stream open:\n" + d.logs)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        stream.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
        XCTAssertGreaterThanOrEqual(events.count, 2, "one snapshot a second: \(text.prefix(300))")
        let first = try XCTUnwrap(events.first)
        let snapshot = try JSONSerialization.jsonObject(with: Data(first.dropFirst("data: ".count).utf8)) as? [String: Any]
        XCTAssertNotNil(snapshot?["daemon"], "each event is the status snapshot")
    }

    func testAShortTokenIsAConfigurationError() throws {
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "http_listen: 127.0.0.1:8650\nhttp_token: short", baseFolder: "/")) {
            XCTAssertTrue("\($0)".contains("16 characters"), "\($0)")
        }
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "http_listen: 127.0.0.1:8650", baseFolder: "/"))
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "http_listen: nowhere\nhttp_token: \(token)", baseFolder: "/"))
        let c = try DaemonConfiguration.parse(yaml: "http_listen: '[::1]:9000'\nhttp_token: \(token)", baseFolder: "/")
        XCTAssertEqual(c.httpAddress?.host, "::1")
        XCTAssertEqual(c.httpAddress?.port, 9000)
    }

    func testAClipUploadedThroughTheDashboardFormIsShownDoneWithItsReport() throws {
        try DaemonHarness.requireUpscale()
        guard HeadlessBrowser.executable != nil else {
            throw XCTSkip("no chromium on PATH: install Debian's chromium to run the dashboard test (.ci/run does)")
        }
        let port = try freePort()
        let d = try makeDaemon(config: "http_listen: 127.0.0.1:\(port)\nhttp_token: \(token)")
        let clip = d.root + "/staging/from-browser.mp4"
        try DaemonHarness.makeVideo(at: clip, frames: 12)
        try d.start()

        let browser = try HeadlessBrowser()
        defer { browser.close() }
        try browser.open("http://127.0.0.1:\(port)/?token=\(token)")
        try browser.waitUntil(timeout: 20, "the page connected") {
            (try browser.evaluate("document.getElementById('daemon').textContent") as? String)?.contains("pid") == true
        }
        XCTAssertEqual(try browser.evaluate("location.search") as? String, "", "the token left the address")
        XCTAssertEqual(try browser.evaluate("Array.from(document.querySelectorAll('#pipeline option')).map(o => o.value).includes('bicubic-x2')") as? Bool, true)
        try browser.setFile("#file", to: clip)
        _ = try browser.evaluate("document.getElementById('pipeline').value = 'bicubic-x2'")
        try browser.click("#upload-button")
        let row = "document.querySelector('tr[data-name=\"from-browser.mp4\"]')"
        try browser.waitUntil(timeout: 90, "the page showing the job done") {
            try browser.evaluate("\(row)?.dataset.state ?? ''") as? String == "done"
        }
        XCTAssertEqual(try browser.evaluate("\(row).querySelector('[data-role=state]').textContent") as? String, "done")
        if let path = ProcessInfo.processInfo.environment["SRD_DASHBOARD_SCREENSHOT"] {
            try browser.screenshot().write(to: URL(fileURLWithPath: path))
        }
        let href = try XCTUnwrap(try browser.evaluate("\(row).querySelector('a[data-role=report]').getAttribute('href')") as? String)
        // The browser follows the link with its cookie; the report names the input.
        XCTAssertEqual(try browser.evaluate("fetch('\(href)').then(r => r.status)") as? Double, 200)
        let (status, report) = try get("http://127.0.0.1:\(port)" + href, token: token)
        XCTAssertEqual(status, 200)
        XCTAssertTrue(report.contains("srd report: from-browser.mp4"), String(report.prefix(300)))
        XCTAssertEqual(try get("http://127.0.0.1:\(port)" + href).0, 401, "the report needs the token too")
        XCTAssertTrue(d.folder.files(under: "outbox").contains("from-browser.mp4"), "\(d.folder.files(under: "outbox"))")

        // A long clip, cancelled with its row's button while it runs.
        let long = d.root + "/staging/to-cancel.mp4"
        try DaemonHarness.makeVideo(at: long, width: 320, height: 240, frames: 2400)
        try browser.setFile("#file", to: long)
        try browser.click("#upload-button")
        let other = "document.querySelector('tr[data-name=\"to-cancel.mp4\"]')"
        try browser.waitUntil(timeout: 60, "the long job running") {
            try browser.evaluate("\(other)?.dataset.state ?? ''") as? String == "running"
        }
        try browser.click("tr[data-name=\"to-cancel.mp4\"] button[data-role=cancel]")
        try browser.waitUntil(timeout: 60, "the page showing the job cancelled") {
            try browser.evaluate("\(other)?.dataset.state ?? ''") as? String == "cancelled"
        }
        XCTAssertTrue(d.folder.files(under: "failed").contains("to-cancel.mp4"), "a cancelled input is kept in failed/")
    }
}
