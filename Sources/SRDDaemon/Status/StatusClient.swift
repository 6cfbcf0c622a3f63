#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A minimal HTTP/1.1 client over a Unix domain socket, for `srd status` and the tests.
///
/// One request per connection (`Connection: close`), blocking, with a timeout; enough for a
/// local JSON API and free of any event loop.
public struct StatusClient: Sendable {
    public let socketPath: String
    public let timeoutSeconds: Double

    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public init(socketPath: String, timeoutSeconds: Double = 10) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends one request and returns the status code and body.
    public func request(_ method: String, _ path: String, json body: Data? = nil) throws -> Reply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw Failure(description: "cannot connect to \(socketPath): \(String(cString: strerror(errno))) (is srd serve running?)")
        }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: srd\r\nConnection: close\r\nAccept: application/json\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        else if method != "GET" && method != "HEAD" { head += "Content-Length: 0\r\n" }
        var message = Data((head + "\r\n").utf8)
        if let body { message += body }
        try message.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 { if errno == EINTR { continue }; throw Failure(description: "send: \(String(cString: strerror(errno)))") }
                offset += n
            }
        }

        var response = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "no answer from \(socketPath): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            response.append(contentsOf: chunk[0..<n])
            if let reply = Self.parse(response, complete: false) { return reply }
        }
        guard let reply = Self.parse(response, complete: true) else { throw Failure(description: "malformed HTTP response") }
        return reply
    }

    /// Parses a response once it is whole (by Content-Length, chunked end, or connection close).
    static func parse(_ data: Data, complete: Bool) -> Reply? {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var body = Data(data[split.upperBound...])
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        if let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { return nil }
            return Reply(status: status, body: body.prefix(length))
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded = Data()
            while let lineEnd = body.range(of: Data("\r\n".utf8)) {
                let sizeText = String(decoding: body[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
                if size == 0 { return Reply(status: status, body: decoded) }
                let start = lineEnd.upperBound
                guard body.count >= start - body.startIndex + size + 2 else { return complete ? Reply(status: status, body: decoded) : nil }
                decoded += body[start..<(start + size)]
                body = Data(body[(start + size + 2)...])
            }
            return complete ? Reply(status: status, body: decoded) : nil
        }
        return complete ? Reply(status: status, body: body) : nil
    }

    /// `GET /v1/status`, decoded.
    public func status() throws -> StatusSnapshot {
        let reply = try request("GET", "/v1/status")
        guard reply.status == 200 else { throw Failure(description: "status API answered \(reply.status): \(reply.text)") }
        do { return try DaemonJSON.decoder().decode(StatusSnapshot.self, from: reply.body) } catch {
            throw Failure(description: "cannot read status: \(error)")
        }
    }
}
