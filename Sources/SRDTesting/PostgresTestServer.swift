#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, `pg_ctl start`
/// listening only on a Unix socket in that folder, `stop` (and the folder removed) at the end.
/// Debian's `postgresql` package provides the programs (`.ci/run` installs it). As root, the
/// server runs as the `postgres` user (PostgreSQL refuses to run as root).
public final class PostgresTestServer {
    public let folder: String
    public let port: Int
    private let bin: String
    private let runAs: [String]

    /// The programs folder (`/usr/lib/postgresql/<version>/bin`), or nil when PostgreSQL is absent.
    public static var binFolder: String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(base)/\($0)/bin" }.first { access("\($0)/initdb", X_OK) == 0 }
    }

    /// Starts a cluster; throws `TestingError` with the reason when it cannot (tests skip on it).
    public init() throws {
        guard let bin = Self.binFolder else { throw TestingError("PostgreSQL is not installed (Debian's postgresql package)") }
        self.bin = bin
        if getuid() == 0 {
            guard getpwnam("postgres") != nil, access("/usr/sbin/runuser", X_OK) == 0 else {
                throw TestingError("running as root without a postgres user to run the server as")
            }
            runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        } else {
            runAs = []
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srd-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        folder = dir
        port = 20000 + Int(getpid() % 20000)
        if getuid() == 0, let pw = getpwnam("postgres") { chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        try run([bin + "/initdb", "-D", dir + "/data", "-U", "srd", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        try run([bin + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/server.log", "-w", "-t", "60",
                 "-o", "-k \(dir) -c listen_addresses= -p \(port) -c fsync=off -c max_connections=60", "start"])
    }

    deinit { stop() }

    /// `job_store` address of the cluster's `postgres` database as user `srd`.
    public var url: String { "postgresql://srd@/postgres?host=\(folder)&port=\(port)" }

    private var stopped = false

    public func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? run([bin + "/pg_ctl", "-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `argv` (through `runuser` as root) with its output in a file, and waits for it with
    /// waitpid. Not Foundation's Process: its child inherits the socket by which Process learns
    /// of the exit, and the server pg_ctl leaves running would hold it, so the wait never ended.
    @discardableResult
    private func run(_ argv: [String]) throws -> String {
        let full = runAs + argv
        let outPath = folder + "/command.out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = full.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, full[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw TestingError("cannot start \(full[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            throw TestingError("\(argv[0]) failed (status \(status)): \(out) \(log)")
        }
        return out
    }
}
