import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The dashboard's routes (on the socket and on the optional HTTP listener alike) and the
/// listener itself, where every request needs the configured token.
extension StatusAPI {
    /// `/` (the page), `/v1/events` (server-sent status snapshots) and
    /// `/v1/jobs/{id}/metrics/{file}` (a finished job's report.html, crop.png, summary.json ...).
    static func addDashboardRoutes(to router: Router<BasicRequestContext>, runner: JobRunner) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/v1/events") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    try await streamSnapshots(runner: runner, into: &writer)
                }
            )
        }
        router.get("/v1/jobs/{id}/metrics/{file}") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else { return error(.badRequest, "job id must be a number") }
            guard let file = context.parameters.get("file"), isPlainFileName(file) else {
                return error(.badRequest, "a file of the job's metrics folder, such as report.html")
            }
            guard let job = try await runner.job(id: id) else { return error(.notFound, "no job \(id)") }
            guard job.state == .done, let output = job.outputPath else {
                return error(.notFound, "job \(id) has no report yet (state \(job.state.rawValue))")
            }
            let path = output + ".metrics/" + file
            guard let data = FileManager.default.contents(atPath: path) else { return error(.notFound, "no \(file) for job \(id)") }
            return Response(status: .ok, headers: [.contentType: contentType(file), .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// One `data:` event a second with the status snapshot (running and queued jobs, then the
    /// last finished ones), until the client goes away or the daemon stops. A stream ends after
    /// ten minutes in any case; EventSource reconnects by itself.
    static func streamSnapshots(runner: JobRunner, into writer: inout any ResponseBodyWriter) async throws {
        let encoder = DaemonJSON.encoder(pretty: false)
        let end = Date().addingTimeInterval(600)
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        while !Task.isCancelled, !Task.isShuttingDownGracefully, await !runner.isStopping, Date() < end {
            let snapshot = try await runner.snapshot()
            let text = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
            try await writer.write(ByteBuffer(string: "data: " + text + "\n\n"))
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
        try await writer.finish(nil)
    }

    static func contentType(_ file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "png": return "image/png"
        case "json": return "application/json; charset=utf-8"
        case "jsonl": return "application/x-ndjson; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// The HTTP listener (`http_listen`), the socket's API and the dashboard behind `token`.
    public static func httpApplication(
        host: String, port: Int, token: String, runner: JobRunner, metrics: DaemonMetrics, logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(runner: runner, metrics: metrics, token: token),
            configuration: .init(address: .hostname(host, port: port), serverName: "srd"),
            onServerRunning: { _ in
                logger.info("dashboard listening", metadata: ["address": "http://\(host):\(port)/"])
            },
            logger: logger
        )
    }
}

/// Every request on the HTTP listener carries the token: `Authorization: Bearer TOKEN`, or the
/// `srd_token` cookie that opening `/?token=TOKEN` once sets (HttpOnly, SameSite=Strict; the
/// browser then sends it with the page's own requests and its event stream). Anything else is
/// 401. The Unix socket has no token: its file mode is its access control.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let offered = request.uri.queryParameters.get("token") {
            guard Self.same(String(offered), token) else { return unauthorized(request) }
            // Trade the token in the address for a cookie, so it leaves the address bar and history.
            return Response(status: .seeOther, headers: [
                .location: request.uri.path,
                .setCookie: "srd_token=\(token); Path=/; HttpOnly; SameSite=Strict",
                .cacheControl: "no-store",
            ])
        }
        if let header = request.headers[.authorization], header.hasPrefix("Bearer "),
           Self.same(String(header.dropFirst("Bearer ".count)), token) {
            return try await next(request, context)
        }
        for cookie in request.headers[values: .cookie].flatMap({ $0.split(separator: ";") }) {
            let pair = cookie.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix("srd_token="), Self.same(String(pair.dropFirst("srd_token=".count)), token) {
                return try await next(request, context)
            }
        }
        return unauthorized(request)
    }

    private func unauthorized(_ request: Request) -> Response {
        let body = request.uri.path.hasPrefix("/v1/") || request.uri.path == "/metrics"
            ? #"{"error":"a token is required: Authorization: Bearer TOKEN (http_token in the configuration)"}"# + "\n"
            : "<!doctype html><title>srd</title><p>Open this address with <code>?token=TOKEN</code> (the daemon's <code>http_token</code>) once; the browser then keeps it in a cookie.</p>\n"
        let type = body.hasPrefix("{") ? "application/json; charset=utf-8" : "text/html; charset=utf-8"
        return Response(status: .unauthorized, headers: [.contentType: type, .wwwAuthenticate: #"Bearer realm="srd""#],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
