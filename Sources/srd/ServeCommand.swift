import ArgumentParser
import Foundation
import Logging
import SRDDaemon

/// `srd serve`: the daemon. Configuration from `--config FILE`; flags override the file.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: upscale videos dropped into an inbox folder.",
        discussion: """
            Files dropped into INBOX come out upscaled in OUTBOX; INBOX/<pipeline>/ selects a \
            pipeline preset. Status: the status file, the HTTP API on the Unix socket, and \
            `srd status`. SIGTERM stops gracefully, SIGHUP reloads the configuration. \
            See docs/DAEMON.md.
            """
    )

    @Option(help: "YAML configuration file.") var config: String?
    @Option(help: "Folder holding every folder not set otherwise (default /var/lib/srd without --config).") var root: String?
    @Option var inbox: String?
    @Option var outbox: String?
    @Option var failed: String?
    @Option var done: String?
    @Option var work: String?
    @Option(help: "SQLite job database.") var database: String?
    @Option(help: "Unix domain socket of the HTTP API.") var socket: String?
    @Option var statusFile: String?
    @Option var defaultPipeline: String?
    @Option(help: "Jobs run at once.") var workers: Int?
    @Option(help: "Seconds a closed file must keep its size before it is taken.") var stableSeconds: Double?
    @Option var rescanSeconds: Double?
    @Option(help: "keep (move inputs to done/) or delete.") var onSuccess: String?
    @Option(help: "Extra folder of pipeline presets (repeatable).") var pipelines: [String] = []
    @Option(help: "Built-in pipeline folder (default: found from the executable).") var builtinPipelines: String?
    @Option(help: "Worker argv prefix, space separated (default: this executable).") var workerCommand: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String?

    func run() throws {
        let loader = makeLoader()
        let initial: DaemonConfiguration
        do { initial = try loader() } catch {
            FileHandle.standardError.write(Data("srd: error: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG: systemd's RestartPreventExitStatus keeps it from looping
        }
        let level = Logger.Level(rawValue: initial.logLevel) ?? .info
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let logger = Logger(label: "srd")
        let daemon = Daemon(load: loader, builtinPipelines: builtinPipelines, logger: logger)

        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await daemon.run() } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        if let error = failure.error {
            logger.critical("srd serve failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// File, then flags; called again on SIGHUP so the flags keep winning.
    private func makeLoader() -> Daemon.Loader {
        let command = self
        return {
            var c: DaemonConfiguration
            if let file = command.config {
                c = try DaemonConfiguration.load(file: file)
            } else {
                c = DaemonConfiguration(root: command.root.map(Self.absolute) ?? "/var/lib/srd")
            }
            if let v = command.inbox { c.inbox = Self.absolute(v) }
            if let v = command.outbox { c.outbox = Self.absolute(v) }
            if let v = command.failed { c.failed = Self.absolute(v) }
            if let v = command.done { c.done = Self.absolute(v) }
            if let v = command.work { c.work = Self.absolute(v) }
            if let v = command.database { c.database = Self.absolute(v) }
            if let v = command.socket { c.socket = Self.absolute(v) }
            if let v = command.statusFile { c.statusFile = Self.absolute(v) }
            if let v = command.defaultPipeline { c.defaultPipeline = v }
            if let v = command.workers { c.workers = v }
            if let v = command.stableSeconds { c.stableSeconds = v }
            if let v = command.rescanSeconds { c.rescanSeconds = v }
            if let v = command.onSuccess {
                guard let o = DaemonConfiguration.OnSuccess(rawValue: v) else {
                    throw ConfigurationError.invalid("--on-success must be keep or delete")
                }
                c.onSuccess = o
            }
            if !command.pipelines.isEmpty { c.pipelineFolders += command.pipelines.map(Self.absolute) }
            if let v = command.workerCommand { c.workerCommand = v.split(separator: " ").map(String.init) }
            if let v = command.logLevel { c.logLevel = v }
            try c.validate()
            return c
        }
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

private final class FailureBox: @unchecked Sendable {
    var error: Error?
}
