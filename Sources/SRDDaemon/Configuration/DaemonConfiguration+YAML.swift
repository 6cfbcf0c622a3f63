import Foundation
import Yams

/// A configuration file that could not be read, with the reason.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
    /// An error for a value given outside the file (a flag).
    public static func invalid(_ description: String) -> ConfigurationError { ConfigurationError(description) }
}

extension DaemonConfiguration {
    /// Reads a YAML configuration file; keys left out keep their defaults.
    ///
    /// Relative paths are resolved against `root:` when given, else against the file's folder.
    /// Unknown keys are an error, so a typo does not silently fall back to a default.
    public static func load(file path: String) throws -> DaemonConfiguration {
        let url = URL(fileURLWithPath: path)
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read configuration \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, baseFolder: url.deletingLastPathComponent().path)
    }

    /// Parses YAML text; `baseFolder` anchors relative paths when the text has no `root:`.
    public static func parse(yaml text: String, baseFolder: String) throws -> DaemonConfiguration {
        let file: ConfigurationFile
        do {
            file = try YAMLDecoder().decode(ConfigurationFile.self, from: text.isEmpty ? "{}" : text)
        } catch let error as DecodingError {
            throw ConfigurationError("invalid configuration: \(describe(error))")
        } catch {
            throw ConfigurationError("invalid configuration: \(error)")
        }
        let rootFolder = file.root.map { absolute($0, base: baseFolder) } ?? baseFolder
        func path(_ value: String?) -> String? { value.map { absolute($0, base: rootFolder) } }

        var c = DaemonConfiguration(root: rootFolder)
        if let v = path(file.inbox) { c.inbox = v }
        if let v = path(file.outbox) { c.outbox = v }
        if let v = path(file.failed) { c.failed = v }
        if let v = path(file.done) { c.done = v }
        if let v = path(file.work) { c.work = v }
        if let v = path(file.job_folders) { c.jobFolders = v }
        if let v = path(file.database) { c.database = v }
        if let v = path(file.socket) { c.socket = v }
        if let v = path(file.status_file) { c.statusFile = v }
        if let v = file.default_pipeline { c.defaultPipeline = v }
        if let v = file.workers { c.workers = v }
        if let v = file.stable_seconds { c.stableSeconds = v }
        if let v = file.rescan_seconds { c.rescanSeconds = v }
        if let v = file.on_success { c.onSuccess = v }
        if let v = file.pipelines { c.pipelineFolders = v.map { absolute($0, base: rootFolder) } }
        if let v = file.submit_roots { c.submitRoots = v.map { absolute($0, base: rootFolder) } }
        if let v = file.worker_command { c.workerCommand = v.argv }
        if let v = file.worker_stop_grace_seconds { c.workerStopGraceSeconds = v }
        if let v = file.segment_seconds { c.segmentSeconds = v }
        if let v = file.http_listen { c.httpListen = v }
        if let v = file.job_store { c.jobStore = v.isEmpty || v == "sqlite" ? nil : v }
        if let v = file.node_name { c.nodeName = v }
        if let v = file.lease_seconds { c.leaseSeconds = v }
        if let v = file.http_token { c.httpToken = v }
        if let v = path(file.http_token_file) {
            guard let text = try? String(contentsOfFile: v, encoding: .utf8) else {
                throw ConfigurationError("http_token_file \(v) cannot be read")
            }
            c.httpToken = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        }
        if let v = file.log_level { c.logLevel = v }
        if let l = file.limits {
            c.limits.maxWidth = l.max_width
            c.limits.maxHeight = l.max_height
            c.limits.maxDurationSeconds = l.max_duration_seconds
            if let mb = l.min_free_disk_mb { c.limits.minFreeDiskBytes = Int64(mb * 1_048_576) }
            c.limits.jobTimeoutSeconds = l.job_timeout_seconds
            if let mb = l.max_upload_mb { c.limits.maxUploadBytes = Int64(mb * 1_048_576) }
        }
        if let r = file.retry {
            c.retry = RetryPolicy(
                maxAttempts: r.max_attempts ?? c.retry.maxAttempts,
                backoffSeconds: r.backoff_seconds ?? c.retry.backoffSeconds,
                maxBackoffSeconds: r.max_backoff_seconds ?? c.retry.maxBackoffSeconds
            )
        }
        try c.validate()
        return c
    }

    /// Rejects values the daemon cannot run with.
    public func validate() throws {
        guard workers >= 1 else { throw ConfigurationError("workers must be at least 1 (got \(workers))") }
        guard stableSeconds >= 0 else { throw ConfigurationError("stable_seconds must not be negative") }
        guard rescanSeconds > 0 else { throw ConfigurationError("rescan_seconds must be positive") }
        guard segmentSeconds >= 0 else { throw ConfigurationError("segment_seconds must not be negative (0 = never cut)") }
        if let store = jobStore, !(store.hasPrefix("postgresql://") || store.hasPrefix("postgres://")) {
            throw ConfigurationError("job_store must be a postgresql:// address (or absent for the SQLite file at database)")
        }
        guard !nodeName.isEmpty, !nodeName.contains("/") else { throw ConfigurationError("node_name must be a plain name") }
        guard leaseSeconds >= 1 else { throw ConfigurationError("lease_seconds must be at least 1") }
        if let listen = httpListen {
            guard httpAddress != nil else { throw ConfigurationError("http_listen must be host:port, such as 127.0.0.1:8650 (got '\(listen)')") }
            guard let token = httpToken, token.count >= 16 else {
                throw ConfigurationError("http_listen needs http_token (or http_token_file) of at least 16 characters: every request on it must carry the token")
            }
        }
        guard !defaultPipeline.isEmpty, !defaultPipeline.contains("/") else {
            throw ConfigurationError("default_pipeline must be a preset name, not '\(defaultPipeline)'")
        }
        guard Set([inbox, outbox, failed, done, work]).count == 5 else {
            throw ConfigurationError("inbox, outbox, failed, done and work must be five different folders")
        }
        guard socket.utf8.count < 108 else {
            throw ConfigurationError("socket path \(socket) is \(socket.utf8.count) bytes; Unix sockets allow at most 107")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("log_level '\(logLevel)' is not one of trace debug info notice warning error critical")
        }
    }

    static func absolute(_ path: String, base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return (joined as NSString).standardizingPath
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "\(at(c.codingPath)): \(c.debugDescription)"
        case .keyNotFound(let key, let c):
            return "\(at(c.codingPath + [key])): missing"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The file's shape: every key optional, names exactly as written in YAML.
private struct ConfigurationFile: Decodable {
    var root: String?
    var inbox, outbox, failed, done, work, job_folders, database, socket, status_file: String?
    var default_pipeline: String?
    var workers: Int?
    var stable_seconds, rescan_seconds: Double?
    var on_success: DaemonConfiguration.OnSuccess?
    var pipelines: [String]?
    var submit_roots: [String]?
    var worker_command: Command?
    var worker_stop_grace_seconds: Double?
    var segment_seconds: Double?
    var http_listen, http_token, http_token_file: String?
    var job_store, node_name: String?
    var lease_seconds: Double?
    var log_level: String?
    var limits: LimitsFile?
    var retry: RetryFile?

    struct LimitsFile: Decodable {
        var max_width, max_height: Int?
        var max_duration_seconds: Double?
        var min_free_disk_mb: Double?
        var job_timeout_seconds: Double?
        var max_upload_mb: Double?
        init(from decoder: Decoder) throws {
            try rejectUnknownKeys(decoder, CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            max_width = try c.decodeIfPresent(Int.self, forKey: .max_width)
            max_height = try c.decodeIfPresent(Int.self, forKey: .max_height)
            max_duration_seconds = try c.decodeIfPresent(Double.self, forKey: .max_duration_seconds)
            min_free_disk_mb = try c.decodeIfPresent(Double.self, forKey: .min_free_disk_mb)
            job_timeout_seconds = try c.decodeIfPresent(Double.self, forKey: .job_timeout_seconds)
            max_upload_mb = try c.decodeIfPresent(Double.self, forKey: .max_upload_mb)
        }
        enum CodingKeys: String, CodingKey, CaseIterable {
            case max_width, max_height, max_duration_seconds, min_free_disk_mb, job_timeout_seconds, max_upload_mb
        }
    }

    struct RetryFile: Decodable {
        var max_attempts: Int?
        var backoff_seconds, max_backoff_seconds: Double?
        init(from decoder: Decoder) throws {
            try rejectUnknownKeys(decoder, CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            max_attempts = try c.decodeIfPresent(Int.self, forKey: .max_attempts)
            backoff_seconds = try c.decodeIfPresent(Double.self, forKey: .backoff_seconds)
            max_backoff_seconds = try c.decodeIfPresent(Double.self, forKey: .max_backoff_seconds)
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case max_attempts, backoff_seconds, max_backoff_seconds }
    }

    /// `worker_command` as a list (argv) or one string split on spaces.
    struct Command: Decodable {
        var argv: [String]
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let list = try? c.decode([String].self) { argv = list } else {
                argv = try c.decode(String.self).split(separator: " ").map(String.init)
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case root, inbox, outbox, failed, done, work, job_folders, database, socket, status_file, default_pipeline
        case workers, stable_seconds, rescan_seconds, on_success, pipelines, submit_roots, worker_command
        case worker_stop_grace_seconds, segment_seconds, http_listen, http_token, http_token_file
        case job_store, node_name, lease_seconds, log_level, limits, retry
    }

    init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        root = try c.decodeIfPresent(String.self, forKey: .root)
        inbox = try c.decodeIfPresent(String.self, forKey: .inbox)
        outbox = try c.decodeIfPresent(String.self, forKey: .outbox)
        failed = try c.decodeIfPresent(String.self, forKey: .failed)
        done = try c.decodeIfPresent(String.self, forKey: .done)
        work = try c.decodeIfPresent(String.self, forKey: .work)
        job_folders = try c.decodeIfPresent(String.self, forKey: .job_folders)
        database = try c.decodeIfPresent(String.self, forKey: .database)
        socket = try c.decodeIfPresent(String.self, forKey: .socket)
        status_file = try c.decodeIfPresent(String.self, forKey: .status_file)
        default_pipeline = try c.decodeIfPresent(String.self, forKey: .default_pipeline)
        workers = try c.decodeIfPresent(Int.self, forKey: .workers)
        stable_seconds = try c.decodeIfPresent(Double.self, forKey: .stable_seconds)
        rescan_seconds = try c.decodeIfPresent(Double.self, forKey: .rescan_seconds)
        on_success = try c.decodeIfPresent(DaemonConfiguration.OnSuccess.self, forKey: .on_success)
        pipelines = try c.decodeIfPresent([String].self, forKey: .pipelines)
        submit_roots = try c.decodeIfPresent([String].self, forKey: .submit_roots)
        worker_command = try c.decodeIfPresent(Command.self, forKey: .worker_command)
        worker_stop_grace_seconds = try c.decodeIfPresent(Double.self, forKey: .worker_stop_grace_seconds)
        segment_seconds = try c.decodeIfPresent(Double.self, forKey: .segment_seconds)
        http_listen = try c.decodeIfPresent(String.self, forKey: .http_listen)
        http_token = try c.decodeIfPresent(String.self, forKey: .http_token)
        http_token_file = try c.decodeIfPresent(String.self, forKey: .http_token_file)
        job_store = try c.decodeIfPresent(String.self, forKey: .job_store)
        node_name = try c.decodeIfPresent(String.self, forKey: .node_name)
        lease_seconds = try c.decodeIfPresent(Double.self, forKey: .lease_seconds)
        log_level = try c.decodeIfPresent(String.self, forKey: .log_level)
        limits = try c.decodeIfPresent(LimitsFile.self, forKey: .limits)
        retry = try c.decodeIfPresent(RetryFile.self, forKey: .retry)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ decoder: Decoder, _: K.Type) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    let known = Set(K.allCases.map(\.stringValue))
    if let unknown = c.allKeys.map(\.stringValue).first(where: { !known.contains($0) }) {
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath + [AnyKey(stringValue: unknown)],
            debugDescription: "unknown key (known: \(known.sorted().joined(separator: ", ")))"
        ))
    }
}
