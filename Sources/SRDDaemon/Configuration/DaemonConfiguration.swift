import Foundation

/// Everything `srd serve` needs to know, read from a YAML file and overridden by flags.
///
/// All folder paths are absolute once loaded (relative paths in the file are resolved against
/// the file's folder, or against `root` when given). See docs/DAEMON.md for the schema.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Files dropped here (or in `inbox/<pipeline>/`) become jobs.
    public var inbox: String
    /// Finished outputs, with `<name>.metrics/` beside each.
    public var outbox: String
    /// Inputs that could not be processed, each with `<name>.error.json`.
    public var failed: String
    /// Inputs after success (when `onSuccess` is `.keep`).
    public var done: String
    /// This node's scratch: each attempt's run folder (its request and the output it is
    /// writing), one folder per job. In a fleet every node has its own.
    public var work: String
    /// Where each job's durable files live, one folder per job: the claimed input and the
    /// finished segments. Every node of a fleet must see the same folder (`job_folders`); nil
    /// keeps them in `work`, as one machine needs.
    public var jobFolders: String?
    /// SQLite job database (WAL mode).
    public var database: String
    /// Unix domain socket of the HTTP status API.
    public var socket: String
    /// JSON status file, replaced atomically.
    public var statusFile: String
    /// Pipeline for files placed directly in the inbox.
    public var defaultPipeline: String
    /// Jobs run at once (one child process each).
    public var workers: Int
    /// A file must keep its size and mtime this long (after being closed) before it is taken.
    public var stableSeconds: Double
    /// Full inbox rescan interval; inotify is the fast path, the rescan is the safety net.
    public var rescanSeconds: Double
    /// What to do with an input after its output is safely in the outbox.
    public var onSuccess: OnSuccess
    /// Extra folders holding `<name>.yaml` pipeline presets (searched after the built-in folder).
    public var pipelineFolders: [String]
    /// Folders whose files `POST /v1/jobs` may name (besides the inbox); such files are copied,
    /// never moved. Empty: only files in the inbox can be submitted by path.
    public var submitRoots: [String]
    /// argv prefix of the worker; the daemon appends `worker REQUEST.json`.
    public var workerCommand: [String]
    /// `postgresql://...`: the job store several nodes share (fleet mode); nil: the embedded
    /// SQLite file at `database` (one machine).
    public var jobStore: String?
    /// This node's name in a fleet (unique among the nodes; the host name by default).
    public var nodeName: String
    /// How long a node's hold on a job lasts without a heartbeat (renewed every third of it);
    /// a node silent for longer loses its jobs to the others.
    public var leaseSeconds: Double
    /// `host:port` of the optional HTTP listener (API and dashboard); nil: none (the default).
    public var httpListen: String?
    /// The token every request on the HTTP listener must carry (from `http_token`, or the first
    /// line of `http_token_file`); required when `httpListen` is set.
    public var httpToken: String?
    /// Videos longer than one and a half of these are cut at keyframes into segments of about
    /// this many seconds, each a unit of work of its own that survives a crash; 0 never cuts.
    public var segmentSeconds: Double
    /// Seconds between SIGTERM and SIGKILL when a worker must stop (cancel, shutdown).
    public var workerStopGraceSeconds: Double
    public var limits: Limits
    public var retry: RetryPolicy
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`.
    public var logLevel: String

    /// What happens to an input after success.
    public enum OnSuccess: String, Sendable, Codable, Equatable {
        /// Move it to the `done` folder.
        case keep
        /// Delete it.
        case delete
    }

    /// Resource limits a job must respect.
    public struct Limits: Sendable, Equatable {
        /// Largest input width the worker accepts (passed as `--max-width`); nil = no limit.
        public var maxWidth: Int?
        /// Largest input height (passed as `--max-height`); nil = no limit.
        public var maxHeight: Int?
        /// Longest input in seconds (passed as `--max-duration`); nil = no limit.
        public var maxDurationSeconds: Double?
        /// Jobs do not start while the work or outbox filesystem has less free space than this.
        public var minFreeDiskBytes: Int64
        /// A worker running longer than this is killed and the attempt counts as a crash; nil = none.
        public var jobTimeoutSeconds: Double?
        /// Largest body `POST /v1/uploads` accepts (413 beyond it).
        public var maxUploadBytes: Int64 = 4 << 30

        public init(
            maxWidth: Int? = nil, maxHeight: Int? = nil, maxDurationSeconds: Double? = nil,
            minFreeDiskBytes: Int64 = 1 << 30, jobTimeoutSeconds: Double? = nil
        ) {
            self.maxWidth = maxWidth
            self.maxHeight = maxHeight
            self.maxDurationSeconds = maxDurationSeconds
            self.minFreeDiskBytes = minFreeDiskBytes
            self.jobTimeoutSeconds = jobTimeoutSeconds
        }
    }

    /// Creates a configuration with every folder under `root` and the documented defaults.
    public init(root: String) {
        let r = (root as NSString).standardizingPath
        inbox = r + "/inbox"
        outbox = r + "/outbox"
        failed = r + "/failed"
        done = r + "/done"
        work = r + "/work"
        jobFolders = nil
        database = r + "/srd.sqlite"
        socket = r + "/srd.sock"
        statusFile = r + "/status.json"
        defaultPipeline = "fast-x2"
        workers = 2
        stableSeconds = 5
        rescanSeconds = 30
        onSuccess = .keep
        pipelineFolders = []
        submitRoots = []
        workerCommand = []
        workerStopGraceSeconds = 10
        // A minute of video is a few minutes of work for fast-x2 at 960x540 on two cores.
        segmentSeconds = 60
        httpListen = nil
        httpToken = nil
        jobStore = nil
        nodeName = ProcessInfo.processInfo.hostName
        leaseSeconds = 30
        limits = Limits()
        retry = RetryPolicy()
        logLevel = "info"
    }

    /// The folders the daemon creates at start if missing.
    var folders: [String] { [inbox, outbox, failed, done, work, jobRoot] }

    /// The folder holding one folder per job (`job_folders`, else `work`).
    public var jobRoot: String { jobFolders ?? work }

    /// True when a job's durable files and this node's run folders are in different places.
    var jobFilesApart: Bool { jobRoot != work }

    /// Folders and files that belong to the daemon: no request may name them as an input.
    var ownedPaths: [String] { [outbox, failed, done, work, jobRoot, database, database + "-wal", database + "-shm", socket, statusFile] }
}

extension DaemonConfiguration {
    /// `http_listen` as host and port ("127.0.0.1:8650", "[::1]:8650", "localhost:8650").
    public var httpAddress: (host: String, port: Int)? {
        guard let text = httpListen, let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
