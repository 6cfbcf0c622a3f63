#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird
import Logging

/// The HTTP API on the Unix domain socket (docs/DAEMON.md lists the routes and JSON), and the same
/// API with the dashboard on the optional TCP listener (`http_listen`, DashboardAPI.swift).
///
/// Access control on the socket is the socket file's mode, 0660: whoever may open it (the service
/// user and its group) may submit and cancel jobs. On the TCP listener it is the token.
public enum StatusAPI {
    /// `POST /v1/jobs` body.
    struct SubmitRequest: Decodable {
        var path: String
        var pipeline: String?
    }

    struct JobList: Encodable {
        var jobs: [JobView]
    }

    struct ErrorBody: Encodable {
        var error: String
    }

    /// The router with every route of API version 1 and the dashboard; with a `token` (the HTTP
    /// listener), every request must carry it.
    public static func router(runner: JobRunner, metrics: DaemonMetrics, token: String? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        if let token { router.add(middleware: TokenMiddleware(token: token)) }
        addDashboardRoutes(to: router, runner: runner)
        router.get("/v1/status") { _, _ in
            json(try await runner.snapshot())
        }
        router.get("/v1/jobs") { request, _ in
            let states = request.uri.queryParameters.get("state").map { value in
                value.split(separator: ",").compactMap { JobState(rawValue: String($0)) }
            }
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init).map { min(max($0, 1), 1000) } ?? 100
            return json(JobList(jobs: try await runner.jobs(states: states, limit: limit).map(JobView.init)))
        }
        router.get("/v1/jobs/{id}") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else { return error(.badRequest, "job id must be a number") }
            guard let job = try await runner.job(id: id) else { return error(.notFound, "no job \(id)") }
            return json(JobView(job))
        }
        router.post("/v1/jobs") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let submit = try? JSONDecoder().decode(SubmitRequest.self, from: Data(body.readableBytesView)) else {
                return error(.badRequest, #"body must be JSON: {"path": "/absolute/file", "pipeline": "name"}"#)
            }
            do {
                return json(JobView(try await runner.submit(path: submit.path, pipeline: submit.pipeline)), status: .created)
            } catch let e as JobRequestError {
                return error(e)
            }
        }
        router.post("/v1/uploads") { request, _ in
            try await receiveUpload(request, runner: runner)
        }
        router.delete("/v1/jobs/{id}") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else { return error(.badRequest, "job id must be a number") }
            do {
                return json(JobView(try await runner.cancel(id: id)))
            } catch let e as JobRequestError {
                return error(e)
            }
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
        return router
    }

    /// The API as a Service bound to `socket` (an existing socket file is replaced), mode 0660.
    public static func application(
        socket: String, runner: JobRunner, metrics: DaemonMetrics, logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(runner: runner, metrics: metrics),
            configuration: .init(address: .unixDomainSocket(path: socket), serverName: "srd"),
            onServerRunning: { _ in
                chmod(socket, 0o660)
                logger.info("status API listening", metadata: ["socket": "\(socket)"])
            },
            logger: logger
        )
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? DaemonJSON.encoder().encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8)))
        )
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(ErrorBody(error: message), status: status)
    }

    static func error(_ e: JobRequestError) -> Response {
        switch e.kind {
        case .notFound: return error(.notFound, e.description)
        case .conflict: return error(.conflict, e.description)
        case .invalid: return error(.badRequest, e.description)
        case .forbidden: return error(.forbidden, e.description)
        case .tooLarge: return error(.contentTooLarge, e.description)
        case .unavailable: return error(.serviceUnavailable, e.description)
        }
    }
}
