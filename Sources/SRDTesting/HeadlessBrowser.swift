#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`
/// (JSON messages ending in NUL on file descriptors 3 and 4: no WebSocket, no extra package), for
/// tests that open the daemon's dashboard as a user would: load the page, pick a file in a form,
/// click, read what the page shows.
public final class HeadlessBrowser {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var session: String?
    private var closed = false
    private let profile: TemporaryDirectory

    /// The Chromium executable on PATH (Debian's `chromium`), or nil.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(dir)/\(name)"
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        return nil
    }

    public init() throws {
        guard let exe = Self.executable else { throw Failure(description: "no chromium on PATH") }
        profile = try TemporaryDirectory(prefix: "srd-chromium")
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw Failure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, profile.file("chromium.log"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, input[0], 3)
        posix_spawn_file_actions_adddup2(&actions, output[1], 4)
        let args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
                    "--user-data-dir=" + profile.file("profile"), "about:blank"]
        let cArgs = args.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, exe, &actions, nil, cArgs, environ)
        Glibc.close(input[0])
        Glibc.close(output[1])
        guard rc == 0 else {
            Glibc.close(input[1]); Glibc.close(output[0])
            throw Failure(description: "cannot start \(exe): \(String(cString: strerror(rc)))")
        }
        pid = child
        toBrowser = input[1]
        fromBrowser = output[0]
        _ = fcntl(toBrowser, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromBrowser, F_SETFD, FD_CLOEXEC)
    }

    deinit { close() }

    /// Ends the browser (politely, then SIGKILL).
    public func close() {
        guard !closed else { return }
        closed = true
        _ = try? send("Browser.close", timeout: 5, browserLevel: true)
        var status: Int32 = 0
        for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { usleep(100_000) }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        Glibc.close(toBrowser)
        Glibc.close(fromBrowser)
    }

    /// The browser's stderr so far, for failure messages.
    public var log: String { (try? String(contentsOfFile: profile.file("chromium.log"), encoding: .utf8)) ?? "" }

    /// Sends one command (to the page's session once `open` has attached) and returns its result.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], timeout: Double = 30, browserLevel: Bool = false) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if !browserLevel, let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        let written = data.withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
        guard written == data.count else { throw Failure(description: "cannot write to chromium") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try readMessage(until: deadline)
            guard (reply["id"] as? Int) == nextID else { continue }  // events and other replies
            if let error = reply["error"] as? [String: Any] {
                throw Failure(description: "\(method): \(error["message"] ?? error)")
            }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func readMessage(until deadline: Date) throws -> [String: Any] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let body = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                if let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] { return object }
                continue
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "chromium did not answer in time") }
            var fds = [pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, Int32(min(left, 1) * 1000)) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { read(fromBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "chromium closed its pipe:\n\(log)") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Opens `url` in a new page and waits until it has loaded.
    public func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": "about:blank"], browserLevel: true)
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "no target") }
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true], browserLevel: true)
        session = attached["sessionId"] as? String
        try send("Page.enable")
        try send("Runtime.enable")
        try send("Page.navigate", ["url": url])
        try waitUntil(timeout: 30, "the page loaded") { try self.evaluate("document.readyState") as? String == "complete" }
    }

    /// Runs JavaScript in the page and returns its value (promises awaited).
    public func evaluate(_ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure(description: "JavaScript failed: \(exception["text"] ?? exception) in \(expression)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Puts `path` into the page's `<input type=file>` at `selector`, as choosing it in the dialog would.
    public func setFile(_ selector: String, to path: String) throws {
        let found = try send("Runtime.evaluate", ["expression": "document.querySelector(\(Self.quoted(selector)))"])
        guard let object = (found["result"] as? [String: Any])?["objectId"] as? String else {
            throw Failure(description: "no element \(selector)")
        }
        try send("DOM.enable")
        try send("DOM.setFileInputFiles", ["files": [path], "objectId": object])
    }

    /// Clicks the element at `selector` (a real input event at its centre).
    public func click(_ selector: String) throws {
        guard let box = try evaluate("""
            (() => { const r = document.querySelector(\(Self.quoted(selector))).getBoundingClientRect();
                     return [r.left + r.width / 2, r.top + r.height / 2]; })()
            """) as? [Double], box.count == 2 else { throw Failure(description: "no element \(selector)") }
        for type in ["mousePressed", "mouseReleased"] {
            try send("Input.dispatchMouseEvent", ["type": type, "x": box[0], "y": box[1], "button": "left", "clickCount": 1])
        }
    }

    /// A PNG of what the page shows now.
    public func screenshot() throws -> Data {
        let shot = try send("Page.captureScreenshot", ["format": "png"])
        guard let text = shot["data"] as? String, let data = Data(base64Encoded: text) else { throw Failure(description: "no screenshot") }
        return data
    }

    /// Polls `condition` until it holds or `timeout` passes.
    public func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        throw Failure(description: "timed out waiting for \(what)")
    }

    static func quoted(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s])
        let text = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(text.dropFirst().dropLast())
    }
}
