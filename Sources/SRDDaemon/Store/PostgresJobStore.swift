import Foundation
import Logging
import PostgresNIO

/// The job store on a PostgreSQL server (PostgresNIO), which several `srd serve` nodes share:
/// the fleet's queue. Same contract as the SQLite `JobStore` (`JobStoring`, StoreContractTests).
///
/// The columns that queries select on (state, stage, source, owner, lease, retry time, cancel)
/// are real columns; the rest of the job is its Codable JSON in `doc`. Times the queries compare
/// are seconds since 1970 (no time-zone conversions). Claims take rows with
/// `FOR UPDATE SKIP LOCKED`, so nodes claiming at once never block on or get the same job.
public final class PostgresJobStore: JobStoring, @unchecked Sendable {
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// Connects to `url` and migrates the schema.
    /// - Parameter url: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or for a Unix socket
    ///   `postgresql://USER@/DATABASE?host=/socket/folder&port=5432` (libpq's form).
    public init(url: String, logger: Logger) async throws {
        let configuration = try Self.configuration(url)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let client = self.client
        runTask = Task { await client.run() }
        self.logger = logger
        do {
            try await migrate()
        } catch {
            runTask.cancel()
            throw error
        }
    }

    deinit { runTask.cancel() }

    /// Closes the connections.
    public func shutdown() { runTask.cancel() }

    static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgresql", "postgres"].contains(parts.scheme ?? "") else {
            throw JobStoreURLError(url: url, reason: "not a postgresql:// address")
        }
        let user = parts.user ?? "srd"
        let database = String(parts.path.drop { $0 == "/" })
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { a, _ in a }
        let port = parts.port ?? query["port"].flatMap(Int.init) ?? 5432
        if let folder = query["host"], folder.hasPrefix("/") {
            return PostgresClient.Configuration(unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: user,
                                                password: parts.password, database: database.isEmpty ? user : database)
        }
        guard let host = parts.host, !host.isEmpty else { throw JobStoreURLError(url: url, reason: "no host") }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: parts.password,
                                            database: database.isEmpty ? user : database, tls: .disable)
    }

    /// The schema (version 1, then 2: segment jobs), made once by whichever node starts first (an advisory lock serialises
    /// nodes that start together).
    private func migrate() async throws {
        try await client.withTransaction(logger: logger) { db in
            try await db.query("SELECT pg_advisory_xact_lock(7303)", logger: logger)
            try await db.query("CREATE TABLE IF NOT EXISTS srd_schema (version INT NOT NULL)", logger: logger)
            var version = 0
            for try await v in try await db.query("SELECT COALESCE(MAX(version), 0) FROM srd_schema", logger: logger).decode(Int.self) {
                version = v
            }
            if version < 1 {
                try await db.query("""
                    CREATE TABLE job (
                        id BIGSERIAL PRIMARY KEY, version BIGINT NOT NULL, state TEXT NOT NULL, stage TEXT NOT NULL,
                        source TEXT NOT NULL, owner TEXT, lease_until DOUBLE PRECISION, not_before DOUBLE PRECISION,
                        cancel_requested BOOLEAN NOT NULL, doc TEXT NOT NULL)
                    """, logger: logger)
                try await db.query("CREATE INDEX job_stage ON job (stage)", logger: logger)
                try await db.query("CREATE INDEX job_state ON job (state)", logger: logger)
                try await db.query("CREATE UNIQUE INDEX job_claiming ON job (source) WHERE stage = 'claim'", logger: logger)
                try await db.query("""
                    CREATE TABLE node (
                        name TEXT PRIMARY KEY, host TEXT NOT NULL, pid INT NOT NULL, started_at DOUBLE PRECISION NOT NULL,
                        heartbeat_at DOUBLE PRECISION NOT NULL, state TEXT NOT NULL, jobs INT NOT NULL, fps DOUBLE PRECISION NOT NULL)
                    """, logger: logger)
                try await db.query("INSERT INTO srd_schema (version) VALUES (1)", logger: logger)
            }
            if version < 2 {
                // Segment jobs: a cut job's segments as rows of their own, claimed one by one.
                try await db.query("ALTER TABLE job ADD COLUMN parent_id BIGINT", logger: logger)
                try await db.query("CREATE INDEX job_parent ON job (parent_id)", logger: logger)
                try await db.query("CREATE UNIQUE INDEX job_segment ON job (source) WHERE parent_id IS NOT NULL", logger: logger)
                try await db.query("INSERT INTO srd_schema (version) VALUES (2)", logger: logger)
            }
        }
    }

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    private static func document(_ job: Job) throws -> String {
        String(decoding: try encoder.encode(job), as: UTF8.self)
    }

    /// A job from its columns (the truth for id, version, owner and lease) and its document.
    private static func job(id: Int64, version: Int64, owner: String?, lease: Double?, doc: String) throws -> Job {
        var job = try decoder.decode(Job.self, from: Data(doc.utf8))
        job.id = id
        job.version = version
        job.owner = owner
        job.leaseUntil = lease.map { Date(timeIntervalSince1970: $0) }
        return job
    }

    private func fetch(_ query: PostgresQuery) async throws -> [Job] {
        var out: [Job] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, version, owner, lease, doc) in rows.decode((Int64, Int64, String?, Double?, String).self) {
            out.append(try Self.job(id: id, version: version, owner: owner, lease: lease, doc: doc))
        }
        return out
    }

    public func insert(_ job: Job) async throws -> Job {
        var job = job
        job.version = 1
        let doc = try Self.document(job)
        do {
            let rows = try await client.query("""
            INSERT INTO job (version, state, stage, source, owner, lease_until, not_before, cancel_requested, parent_id, doc)
            VALUES (1, \(job.state.rawValue), \(job.stage.rawValue), \(job.source), \(job.owner),
                    \(job.leaseUntil?.timeIntervalSince1970), \(job.notBefore?.timeIntervalSince1970), \(job.cancelRequested),
                    \(job.parentID), \(doc))
            RETURNING id
            """, logger: logger)
            // The unique-index violation arrives with the rows, not with the query call.
            for try await id in rows.decode(Int64.self) { job.id = id }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" {
            throw JobStoreDuplicateClaim(source: job.source)
        }
        return job
    }

    public func delete(id: Int64) async throws {
        try await client.query("DELETE FROM job WHERE id = \(id)", logger: logger)
    }

    public func update(_ job: Job) async throws -> Job {
        let doc = try Self.document(job)
        let rows = try await client.query("""
            UPDATE job SET version = version + 1, state = \(job.state.rawValue), stage = \(job.stage.rawValue),
                source = \(job.source), owner = \(job.owner), lease_until = \(job.leaseUntil?.timeIntervalSince1970),
                not_before = \(job.notBefore?.timeIntervalSince1970), cancel_requested = \(job.cancelRequested), doc = \(doc)
            WHERE id = \(job.id) AND version = \(job.version)
            RETURNING version
            """, logger: logger)
        var stored: Int64?
        for try await v in rows.decode(Int64.self) { stored = v }
        guard let stored else { throw JobStoreConflict(id: job.id, expected: job.version) }
        var next = job
        next.version = stored
        return next
    }

    public func job(id: Int64) async throws -> Job? {
        try await fetch("SELECT id, version, owner, lease_until, doc FROM job WHERE id = \(id)").first
    }

    public func jobs(states: [JobState]?, limit: Int) async throws -> [Job] {
        if let states {
            return try await fetch("""
                SELECT id, version, owner, lease_until, doc FROM job WHERE state = ANY(\(states.map(\.rawValue))) AND parent_id IS NULL
                ORDER BY id DESC LIMIT \(limit)
                """)
        }
        return try await fetch("SELECT id, version, owner, lease_until, doc FROM job WHERE parent_id IS NULL ORDER BY id DESC LIMIT \(limit)")
    }

    public func unfinished() async throws -> [Job] {
        try await fetch("SELECT id, version, owner, lease_until, doc FROM job WHERE stage <> 'finished' ORDER BY id")
    }

    public func counts() async throws -> [JobState: Int] {
        var out: [JobState: Int] = [:]
        let rows = try await client.query("SELECT state, COUNT(*)::BIGINT FROM job WHERE parent_id IS NULL GROUP BY state", logger: logger)
        for try await (state, n) in rows.decode((String, Int64).self) {
            if let s = JobState(rawValue: state) { out[s] = Int(n) }
        }
        return out
    }

    public func children(of parent: Int64) async throws -> [Job] {
        try await fetch("SELECT id, version, owner, lease_until, doc FROM job WHERE parent_id = \(parent) ORDER BY id")
    }

    public func isClaiming(source: String) async throws -> Bool {
        let rows = try await client.query("SELECT COUNT(*)::BIGINT FROM job WHERE source = \(source) AND stage = 'claim'", logger: logger)
        var n: Int64 = 0
        for try await v in rows.decode(Int64.self) { n = v }
        return n > 0
    }

    public func claim(node: String, leaseSeconds: Double, now: Date) async throws -> Job? {
        let t = now.timeIntervalSince1970
        return try await fetch("""
            UPDATE job SET owner = \(node), lease_until = \(t + leaseSeconds), version = version + 1
            WHERE id = (
                SELECT id FROM job WHERE stage <> 'finished' AND (
                    (owner IS NULL AND stage = 'wait' AND NOT cancel_requested AND (not_before IS NULL OR not_before <= \(t)))
                    OR (owner IS NOT NULL AND lease_until < \(t)))
                ORDER BY COALESCE(parent_id, id), id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, version, owner, lease_until, doc
            """).first
    }

    public func renewLeases(node: String, ids: [Int64], leaseSeconds: Double, now: Date) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let rows = try await client.query("""
            UPDATE job SET lease_until = \(now.timeIntervalSince1970 + leaseSeconds)
            WHERE owner = \(node) AND id = ANY(\(ids)) RETURNING id
            """, logger: logger)
        var out: [Int64] = []
        for try await id in rows.decode(Int64.self) { out.append(id) }
        return out.sorted()
    }

    public func register(_ node: NodeRecord) async throws {
        try await client.query("""
            INSERT INTO node (name, host, pid, started_at, heartbeat_at, state, jobs, fps)
            VALUES (\(node.name), \(node.host), \(node.pid), \(node.startedAt.timeIntervalSince1970),
                    \(node.heartbeatAt.timeIntervalSince1970), \(node.state), \(node.jobs), \(node.fps))
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, started_at = EXCLUDED.started_at,
                heartbeat_at = EXCLUDED.heartbeat_at, state = EXCLUDED.state, jobs = EXCLUDED.jobs, fps = EXCLUDED.fps
            """, logger: logger)
    }

    public func nodes() async throws -> [NodeRecord] {
        var out: [NodeRecord] = []
        let rows = try await client.query(
            "SELECT name, host, pid, started_at, heartbeat_at, state, jobs, fps FROM node ORDER BY name", logger: logger)
        for try await (name, host, pid, started, beat, state, jobs, fps) in rows.decode((String, String, Int32, Double, Double, String, Int32, Double).self) {
            out.append(NodeRecord(name: name, host: host, pid: pid, startedAt: Date(timeIntervalSince1970: started),
                                  heartbeatAt: Date(timeIntervalSince1970: beat), state: state, jobs: Int(jobs), fps: fps))
        }
        return out
    }
}

/// A `job_store` address that cannot be used.
public struct JobStoreURLError: Error, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "job store \(url): \(reason)" }
}
