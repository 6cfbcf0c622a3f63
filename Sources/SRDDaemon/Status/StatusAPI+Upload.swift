#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird

extension StatusAPI {
    /// `POST /v1/uploads?name=FILE[&pipeline=NAME]`: the request body is the file. It is
    /// streamed to a hidden folder in the inbox (`.uploads/<id>/FILE`, which the watcher never
    /// takes), fsynced, and claimed as a job once complete, so a client needs no shared
    /// filesystem and an interrupted upload never becomes a job. Bodies over
    /// `limits.max_upload_mb` are refused with 413, before or while they arrive.
    static func receiveUpload(_ request: Request, runner: JobRunner) async throws -> Response {
        let query = request.uri.queryParameters
        guard let name = query.get("name"), Self.isPlainFileName(name) else {
            return error(.badRequest, "give the file name as ?name=FILE (no folders, not hidden)")
        }
        let config = runner.configuration.current
        let pipeline = query.get("pipeline") ?? config.defaultPipeline
        guard await runner.acceptsPipeline(pipeline) else { return error(.badRequest, "unknown pipeline '\(pipeline)'") }
        let limit = config.limits.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            try await discard(request.body)
            return error(.contentTooLarge, "upload of \(length) bytes is over the \(limit)-byte limit (limits.max_upload_mb)")
        }
        let folder = config.inbox + "/.uploads/" + UUID().uuidString
        let partial = folder + "/." + name + ".part", final = folder + "/" + name
        try DurableFiles.makeDirectory(folder)
        defer { try? DurableFiles.removeTree(folder) }
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return error(.internalServerError, "cannot create \(partial): \(String(cString: strerror(errno)))") }
        enum Failure { case overLimit, io(String) }
        var written: Int64 = 0
        var failure: Failure?
        do {
            for try await chunk in request.body {
                written += Int64(chunk.readableBytes)
                if written > limit { failure = .overLimit; break }
                let ok = chunk.withUnsafeReadableBytes { raw -> Bool in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 { if errno == EINTR { continue }; return false }
                        offset += n
                    }
                    return true
                }
                if !ok { failure = .io("cannot write the upload: \(String(cString: strerror(errno)))"); break }
            }
        } catch {
            failure = .io("upload interrupted: \(error)")
        }
        if failure == nil && fsync(fd) != 0 { failure = .io("cannot write the upload: \(String(cString: strerror(errno)))") }
        close(fd)
        switch failure {
        case .overLimit?:
            try? await discard(request.body)
            return Self.error(.contentTooLarge, "upload is over the \(limit)-byte limit (limits.max_upload_mb)")
        case .io(let why)?:
            return Self.error(.internalServerError, why)
        case nil:
            break
        }
        guard rename(partial, final) == 0 else { return Self.error(.internalServerError, "cannot finish the upload: \(String(cString: strerror(errno)))") }
        do {
            guard let job = try await runner.claim(path: final, pipeline: pipeline, origin: .api) else {
                return Self.error(.serviceUnavailable, "daemon is not accepting jobs now")
            }
            return json(JobView(job), status: .created)
        } catch let e as JobRequestError {
            return Self.error(e)
        }
    }

    /// Reads and drops the rest of a refused body, so the client, still sending, gets the answer
    /// instead of a stalled connection.
    static func discard(_ body: RequestBody) async throws {
        for try await _ in body {}
    }

    /// A name that stays one file in one folder: no separators, not hidden, not `..`.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.hasPrefix(".") && name.utf8.count <= 255 && !name.contains("\0")
    }
}
