import Foundation
import GRDB
import SRDMedia
import SRDPipeline

/// The job table in SQLite (WAL mode), the daemon's memory across restarts: the embedded
/// `JobStoring` of a single machine.
///
/// Every state change is written here before its actions run, so a restart finds each job in
/// the stage whose idempotent action must be redone. Access is serialised by GRDB's pool, so
/// the compare-and-swap of `update` and the claims are plain checks inside one write.
public final class JobStore: Sendable {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // FULL: a committed transition survives power loss, not only a process crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(pool)
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "job") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("pipeline", .text).notNull()
                t.column("origin", .text).notNull()
                t.column("source", .text).notNull()
                t.column("state", .text).notNull().indexed()
                t.column("stage", .text).notNull().indexed()
                t.column("attempts", .integer).notNull()
                t.column("interruptions", .integer).notNull()
                t.column("error", .text)
                t.column("cancelRequested", .boolean).notNull()
                t.column("framesDone", .integer)
                t.column("framesTotal", .integer)
                t.column("fps", .double)
                t.column("etaSeconds", .double)
                t.column("summary", .text)
                t.column("outputPath", .text)
                t.column("archivePath", .text)
                t.column("workerPID", .integer)
                t.column("workerStartTicks", .integer)
                t.column("notBefore", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("updatedAt", .datetime).notNull()
            }
        }
        m.registerMigration("v2-segments") { db in
            try db.alter(table: "job") { t in
                t.add(column: "unit", .text)
                t.add(column: "segmentPlan", .text)
                t.add(column: "segmentsDone", .integer).notNull().defaults(to: 0)
                t.add(column: "segmentStarts", .text)
            }
        }
        m.registerMigration("v3-leases") { db in
            try db.alter(table: "job") { t in
                t.add(column: "version", .integer).notNull().defaults(to: 1)
                t.add(column: "owner", .text)
                t.add(column: "leaseUntil", .datetime)
            }
            try db.create(table: "node") { t in
                t.primaryKey("name", .text)
                t.column("host", .text).notNull()
                t.column("pid", .integer).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("heartbeatAt", .datetime).notNull()
                t.column("state", .text).notNull()
                t.column("jobs", .integer).notNull()
                t.column("fps", .double).notNull()
            }
        }
        m.registerMigration("v4-claiming-unique") { db in
            // Two watchers (nodes) offered the same file: only one row may be claiming it.
            try db.execute(sql: "CREATE UNIQUE INDEX job_claiming ON job (source) WHERE stage = 'claim'")
        }
        m.registerMigration("v5-segment-jobs") { db in
            try db.alter(table: "job") { t in
                t.add(column: "parentID", .integer).indexed()
                t.add(column: "segment", .text)
            }
            try db.execute(sql: "CREATE UNIQUE INDEX job_segment ON job (source) WHERE parentID IS NOT NULL")
        }
        return m
    }

    /// SQLite's journal mode ("wal" for a pool).
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Inserts a new job (version 1) and returns it with its id.
    public func insert(_ job: Job) async throws -> Job {
        do {
            return try await pool.write { db in
                var record = JobRecord(job)
                record.job.version = 1
                try record.insert(db)
                return record.job
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw JobStoreDuplicateClaim(source: job.source)
        }
    }

    /// Stores the job's current fields if the row still has `job.version`; returns the job with
    /// the next version (the caller keeps that one), or throws `JobStoreConflict`.
    public func update(_ job: Job) async throws -> Job {
        try await pool.write { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT version FROM job WHERE id = ?", arguments: [job.id])
            guard stored == job.version else { throw JobStoreConflict(id: job.id, expected: job.version) }
            var next = job
            next.version += 1
            try JobRecord(next).update(db)
            return next
        }
    }

    public func job(id: Int64) async throws -> Job? {
        try await pool.read { db in try JobRecord.fetchOne(db, key: id)?.job }
    }

    /// Jobs newest first, optionally only those in `states`.
    public func jobs(states: [JobState]?, limit: Int) async throws -> [Job] {
        try await pool.read { db in
            var request = JobRecord.filter(Column("parentID") == nil).order(Column("id").desc).limit(limit)
            if let states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            return try request.fetchAll(db).map(\.job)
        }
    }

    /// Jobs with something left to do, oldest first.
    public func unfinished() async throws -> [Job] {
        try await pool.read { db in
            try JobRecord.filter(Column("stage") != JobStage.finished.rawValue)
                .order(Column("id")).fetchAll(db).map(\.job)
        }
    }

    /// Number of jobs in each state.
    public func counts() async throws -> [JobState: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job WHERE parentID IS NULL GROUP BY state")
            var result: [JobState: Int] = [:]
            for row in rows {
                if let state = JobState(rawValue: row["state"]) { result[state] = row["n"] }
            }
            return result
        }
    }

    public func children(of parent: Int64) async throws -> [Job] {
        try await pool.read { db in
            try JobRecord.filter(Column("parentID") == parent).order(Column("id")).fetchAll(db).map(\.job)
        }
    }

    /// True while a job is claiming `source` (stored, file not yet moved), so the same file
    /// offered twice (watcher and API, or a watcher retry) becomes one job.
    public func isClaiming(source: String) async throws -> Bool {
        try await pool.read { db in
            try JobRecord.filter(Column("source") == source && Column("stage") == JobStage.claim.rawValue)
                .fetchCount(db) > 0
        }
    }
}

extension JobStore: JobStoring {
    public func delete(id: Int64) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM job WHERE id = ?", arguments: [id]) }
    }

    public func claim(node: String, leaseSeconds: Double, now: Date) async throws -> Job? {
        try await pool.write { db in
            // One writer at a time (the pool's write lock), so a select-then-update is atomic.
            let sql = """
                SELECT * FROM job WHERE stage <> 'finished' AND (
                    (owner IS NULL AND stage = 'wait' AND NOT cancelRequested AND (notBefore IS NULL OR notBefore <= :now))
                    OR (owner IS NOT NULL AND leaseUntil < :now))
                ORDER BY COALESCE(parentID, id), id LIMIT 1
                """
            guard var job = try JobRecord.fetchOne(db, sql: sql, arguments: ["now": now])?.job else { return nil }
            job.owner = node
            job.leaseUntil = now.addingTimeInterval(leaseSeconds)
            job.version += 1
            try JobRecord(job).update(db)
            return job
        }
    }

    public func renewLeases(node: String, ids: [Int64], leaseSeconds: Double, now: Date) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try await pool.write { db in
            let list = ids.map(String.init).joined(separator: ",")
            let owned = try Int64.fetchAll(db, sql: "SELECT id FROM job WHERE owner = ? AND id IN (\(list)) ORDER BY id", arguments: [node])
            try db.execute(sql: "UPDATE job SET leaseUntil = ? WHERE owner = ? AND id IN (\(list))",
                           arguments: [now.addingTimeInterval(leaseSeconds), node])
            return owned
        }
    }

    public func register(_ node: NodeRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO node (name, host, pid, startedAt, heartbeatAt, state, jobs, fps) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET host = excluded.host, pid = excluded.pid, startedAt = excluded.startedAt,
                    heartbeatAt = excluded.heartbeatAt, state = excluded.state, jobs = excluded.jobs, fps = excluded.fps
                """, arguments: [node.name, node.host, node.pid, node.startedAt, node.heartbeatAt, node.state, node.jobs, node.fps])
        }
    }

    public func nodes() async throws -> [NodeRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM node ORDER BY name").map {
                NodeRecord(name: $0["name"], host: $0["host"], pid: $0["pid"], startedAt: $0["startedAt"],
                           heartbeatAt: $0["heartbeatAt"], state: $0["state"], jobs: $0["jobs"], fps: $0["fps"])
            }
        }
    }
}

/// The job as a GRDB row; columns flat so the table can be read with the sqlite3 shell.
private struct JobRecord: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "job"
    var job: Job

    init(_ job: Job) { self.job = job }

    init(row: Row) throws {
        var j = Job(
            name: row["name"], pipeline: row["pipeline"],
            origin: JobOrigin(rawValue: row["origin"]) ?? .inbox, source: row["source"],
            now: row["createdAt"]
        )
        j.id = row["id"]
        j.state = JobState(rawValue: row["state"]) ?? .failed
        j.stage = JobStage(rawValue: row["stage"]) ?? .finished
        j.attempts = row["attempts"]
        j.interruptions = row["interruptions"]
        j.error = row["error"]
        j.cancelRequested = row["cancelRequested"]
        if let done: Int = row["framesDone"] {
            j.progress = JobProgress(
                framesDone: done, framesTotal: row["framesTotal"], fps: row["fps"], etaSeconds: row["etaSeconds"]
            )
        }
        j.summary = row["summary"]
        j.outputPath = row["outputPath"]
        j.archivePath = row["archivePath"]
        j.workerPID = row["workerPID"]
        j.workerStartTicks = row["workerStartTicks"]
        j.notBefore = row["notBefore"]
        j.unit = (row["unit"] as String?).flatMap(WorkUnit.init(text:))
        j.segmentPlan = (row["segmentPlan"] as String?).flatMap { try? JSONDecoder().decode(SegmentPlan.self, from: Data($0.utf8)) }
        j.segmentsDone = row["segmentsDone"]
        j.segmentStarts = (row["segmentStarts"] as String?).flatMap { try? JSONDecoder().decode([Int].self, from: Data($0.utf8)) } ?? []
        j.parentID = row["parentID"]
        j.segment = (row["segment"] as String?).flatMap { try? JSONDecoder().decode(VideoSegment.self, from: Data($0.utf8)) }
        j.version = row["version"]
        j.owner = row["owner"]
        j.leaseUntil = row["leaseUntil"]
        j.startedAt = row["startedAt"]
        j.finishedAt = row["finishedAt"]
        j.updatedAt = row["updatedAt"]
        job = j
    }

    func encode(to container: inout PersistenceContainer) throws {
        if job.id != 0 { container["id"] = job.id }
        container["name"] = job.name
        container["pipeline"] = job.pipeline
        container["origin"] = job.origin.rawValue
        container["source"] = job.source
        container["state"] = job.state.rawValue
        container["stage"] = job.stage.rawValue
        container["attempts"] = job.attempts
        container["interruptions"] = job.interruptions
        container["error"] = job.error
        container["cancelRequested"] = job.cancelRequested
        container["framesDone"] = job.progress?.framesDone
        container["framesTotal"] = job.progress?.framesTotal
        container["fps"] = job.progress?.fps
        container["etaSeconds"] = job.progress?.etaSeconds
        container["summary"] = job.summary
        container["outputPath"] = job.outputPath
        container["archivePath"] = job.archivePath
        container["workerPID"] = job.workerPID
        container["workerStartTicks"] = job.workerStartTicks
        container["notBefore"] = job.notBefore
        container["unit"] = job.unit?.text
        container["segmentPlan"] = job.segmentPlan.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        container["segmentsDone"] = job.segmentsDone
        container["segmentStarts"] = try? String(decoding: JSONEncoder().encode(job.segmentStarts), as: UTF8.self)
        container["parentID"] = job.parentID
        container["segment"] = job.segment.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        container["version"] = job.version
        container["owner"] = job.owner
        container["leaseUntil"] = job.leaseUntil
        container["createdAt"] = job.createdAt
        container["startedAt"] = job.startedAt
        container["finishedAt"] = job.finishedAt
        container["updatedAt"] = job.updatedAt
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        job.id = inserted.rowID
    }
}
