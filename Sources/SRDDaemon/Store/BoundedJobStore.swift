import Foundation

/// A job store whose every call answers within `seconds`, else throws `TimedOut`: the fleet's
/// PostgreSQL store is wrapped in it, because while the server is unreachable its client retries a
/// connection for about a minute per call, and the status file, the socket API and a SIGTERM
/// must not wait that long. A write that times out may still land later; every write is a
/// compare-and-swap, so the runner's next write finds out (`JobStoreConflict`) and reads again.
public struct BoundedJobStore: JobStoring {
    let base: any JobStoring
    let seconds: Double

    public init(_ base: any JobStoring, seconds: Double) {
        self.base = base
        self.seconds = seconds
    }

    private func call<T: Sendable>(_ what: String, _ op: @escaping @Sendable (any JobStoring) async throws -> T) async throws -> T {
        let base = self.base
        return try await bounded(seconds, "the job store (\(what))") { try await op(base) }
    }

    public func insert(_ job: Job) async throws -> Job { try await call("insert") { try await $0.insert(job) } }
    public func delete(id: Int64) async throws { try await call("delete") { try await $0.delete(id: id) } }
    public func update(_ job: Job) async throws -> Job { try await call("update") { try await $0.update(job) } }
    public func job(id: Int64) async throws -> Job? { try await call("job") { try await $0.job(id: id) } }
    public func jobs(states: [JobState]?, limit: Int) async throws -> [Job] {
        try await call("jobs") { try await $0.jobs(states: states, limit: limit) }
    }
    public func unfinished() async throws -> [Job] { try await call("unfinished") { try await $0.unfinished() } }
    public func counts() async throws -> [JobState: Int] { try await call("counts") { try await $0.counts() } }
    public func children(of parent: Int64) async throws -> [Job] { try await call("children") { try await $0.children(of: parent) } }
    public func isClaiming(source: String) async throws -> Bool { try await call("isClaiming") { try await $0.isClaiming(source: source) } }
    public func claim(node: String, leaseSeconds: Double, now: Date) async throws -> Job? {
        try await call("claim") { try await $0.claim(node: node, leaseSeconds: leaseSeconds, now: now) }
    }
    public func renewLeases(node: String, ids: [Int64], leaseSeconds: Double, now: Date) async throws -> [Int64] {
        try await call("renewLeases") { try await $0.renewLeases(node: node, ids: ids, leaseSeconds: leaseSeconds, now: now) }
    }
    public func register(_ node: NodeRecord) async throws { try await call("register") { try await $0.register(node) } }
    public func nodes() async throws -> [NodeRecord] { try await call("nodes") { try await $0.nodes() } }
}
