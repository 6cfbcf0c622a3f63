import Foundation

/// The job store as the fleet needs it: asynchronous (PostgreSQL is a server), every write a
/// compare-and-swap on the row's version, and leases by which nodes own jobs.
///
/// Two implementations behind the one pure `JobStateMachine`: `JobStore` (the embedded SQLite
/// file, one machine) and `PostgresJobStore` (a server several `srd serve` nodes share).
/// `StoreContractTests` runs the same checks against both.
public protocol JobStoring: Sendable {
    /// Inserts a new job (version 1) and returns it with its id. Throws `JobStoreDuplicateClaim`
    /// while another job is claiming the same source (two nodes saw the same inbox file).
    func insert(_ job: Job) async throws -> Job
    /// Removes a job row that never became a job (its file was claimed by another node).
    func delete(id: Int64) async throws
    /// Writes `job` if the stored row still has `job.version`, and returns it with the next
    /// version. Throws `JobStoreConflict` when another writer changed the row since it was read
    /// (a node that lost its lease must not overwrite the one that took the job over).
    func update(_ job: Job) async throws -> Job
    func job(id: Int64) async throws -> Job?
    /// Jobs newest first, optionally only those in `states` (segment jobs are not listed).
    func jobs(states: [JobState]?, limit: Int) async throws -> [Job]
    /// Jobs with something left to do, segment jobs included, oldest first.
    func unfinished() async throws -> [Job]
    /// Jobs in each state (segment jobs are not counted).
    func counts() async throws -> [JobState: Int]
    /// The segment jobs of a cut job, by segment.
    func children(of parent: Int64) async throws -> [Job]
    /// True while a job is claiming `source`.
    func isClaiming(source: String) async throws -> Bool

    /// Gives `node` the oldest job that needs one (a cut job's segments in order, before later jobs), with a lease until `now + leaseSeconds`: a
    /// waiting job nobody owns (past its retry time), or any unfinished job whose owner's lease
    /// ran out (the owner died or was cut off). nil when there is none. Concurrent claimers
    /// never get the same job (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
    func claim(node: String, leaseSeconds: Double, now: Date) async throws -> Job?
    /// Extends the leases of the jobs among `ids` that `node` still owns and returns their ids;
    /// a job missing from the answer was taken over, and its worker must stop.
    func renewLeases(node: String, ids: [Int64], leaseSeconds: Double, now: Date) async throws -> [Int64]
    /// Records (or refreshes) a node: its heartbeat.
    func register(_ node: NodeRecord) async throws
    func nodes() async throws -> [NodeRecord]
}

extension JobStoring {
    /// The newest `limit` jobs of any state.
    public func jobs(limit: Int = 100) async throws -> [Job] { try await jobs(states: nil, limit: limit) }
    public func jobs(states: [JobState]) async throws -> [Job] { try await jobs(states: states, limit: 100) }
}

/// A write lost a compare-and-swap: the row is not what the writer read.
public struct JobStoreConflict: Error, CustomStringConvertible, Equatable {
    public let id: Int64
    public let expected: Int64
    public var description: String { "job \(id) changed in the store since it was read (expected version \(expected))" }
}

/// Another job is already claiming this source.
public struct JobStoreDuplicateClaim: Error, CustomStringConvertible, Equatable {
    public let source: String
    public var description: String { "a job is already claiming \(source)" }
}

/// One `srd serve` of a fleet, as the store keeps it.
public struct NodeRecord: Sendable, Codable, Equatable {
    /// `node_name` of the configuration (the host name by default); unique in a fleet.
    public var name: String
    public var host: String
    public var pid: Int32
    public var startedAt: Date
    /// Last heartbeat; a node whose heartbeat is older than the lease time is presumed dead.
    public var heartbeatAt: Date
    /// `running`, `draining` (takes no new jobs) or `stopped`.
    public var state: String
    /// Jobs it holds now.
    public var jobs: Int
    /// Frames per second over its running jobs at the last heartbeat.
    public var fps: Double

    enum CodingKeys: String, CodingKey {
        case name, host, pid, state, jobs, fps
        case startedAt = "started_at", heartbeatAt = "heartbeat_at"
    }

    public init(name: String, host: String, pid: Int32, startedAt: Date, heartbeatAt: Date, state: String, jobs: Int, fps: Double) {
        self.name = name
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.state = state
        self.jobs = jobs
        self.fps = fps
    }
}
