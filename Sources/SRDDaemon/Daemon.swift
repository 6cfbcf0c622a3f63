#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import SRDPipeline
import ServiceLifecycle
import UnixSignals

/// `srd serve`: the inbox watcher, job runner, status file, HTTP API and systemd notifier,
/// each a Service in one ServiceGroup. SIGTERM or SIGINT stops gracefully (running workers
/// are stopped and their jobs given back to the queue); SIGHUP rereads the configuration.
public struct Daemon: Sendable {
    /// Produces the configuration (file plus flag overrides); called at start and on SIGHUP.
    public typealias Loader = @Sendable () throws -> DaemonConfiguration

    let load: Loader
    let clock: any DaemonClock
    let logger: Logger
    let builtinPipelines: String?
    let handleSignals: Bool

    /// - Parameters:
    ///   - load: reads the configuration; called again on SIGHUP.
    ///   - builtinPipelines: the built-in Pipelines folder (nil: found from the executable).
    ///   - handleSignals: trap SIGTERM/SIGINT (graceful stop) and SIGHUP (reload); false when
    ///     the daemon runs inside another program (tests), which then stops it by cancelling.
    public init(
        load: @escaping Loader, builtinPipelines: String? = nil, clock: any DaemonClock = SystemDaemonClock(),
        logger: Logger, handleSignals: Bool = true
    ) {
        self.load = load
        self.clock = clock
        self.logger = logger
        self.handleSignals = handleSignals
        self.builtinPipelines = builtinPipelines
            ?? PresetCatalog.builtinFolder()
    }

    /// Runs until SIGTERM/SIGINT (or until the surrounding task is cancelled).
    public func run() async throws {
        let config = try load()
        for folder in config.folders + [config.socket, config.statusFile, config.database].map(DurableFiles.parent) {
            try DurableFiles.makeDirectory(folder)
        }
        let live = LiveConfiguration(config)
        let store: any JobStoring
        if let url = config.jobStore {
            // Every call answers within 5 s, database down or not.
            store = BoundedJobStore(try await PostgresJobStore(url: url, logger: logger), seconds: 5)
        } else {
            store = try JobStore(path: config.database)
        }
        let metrics = DaemonMetrics()
        let runner = JobRunner(
            store: store, configuration: live, clock: clock, logger: logger, metrics: metrics, builtinPipelines: builtinPipelines,
            node: config.jobStore == nil ? nil : config.nodeName
        )
        let watcher = InboxWatcher(configuration: live, clock: clock, logger: logger) { path, pipeline in
            do {
                return try await runner.claim(path: path, pipeline: pipeline, origin: .inbox) != nil
            } catch {
                logger.error("cannot claim file", metadata: ["path": "\(path)", "error": "\(error)"])
                return false
            }
        }
        let statusFile = StatusFileWriter(runner: runner, configuration: live, clock: clock, logger: logger)
        let api = StatusAPI.application(socket: config.socket, runner: runner, metrics: metrics, logger: logger)
        let notifier = SystemdNotifierService(notify: SystemdNotify(), runner: runner, clock: clock, logger: logger)
        let reloader = ConfigurationReloader(load: load, configuration: live, runner: runner, logger: logger)

        logger.info("srd serve starting", metadata: [
            "pid": "\(getpid())", "inbox": "\(config.inbox)", "outbox": "\(config.outbox)", "workers": "\(config.workers)",
            "socket": "\(config.socket)", "pipelines": "\(builtinPipelines ?? "none")",
            "job_store": "\(config.jobStore == nil ? "sqlite \(config.database)" : "postgresql (node \(config.nodeName))")",
        ])
        // Graceful shutdown runs in reverse order: reloader, notifier (STOPPING=1), watcher,
        // runner (stops workers), API, and the status file last so it shows the final state.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: statusFile), .init(service: api), .init(service: runner), .init(service: watcher), .init(service: notifier),
        ]
        if handleSignals { services.append(.init(service: reloader)) }
        if let address = config.httpAddress, let token = config.httpToken {
            // After the socket API in shutdown order: its event streams end when the runner stops.
            services.insert(.init(service: StatusAPI.httpApplication(
                host: address.host, port: address.port, token: token, runner: runner, metrics: metrics, logger: logger)), at: 1)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        try await group.run()
        logger.info("srd serve stopped")
    }
}

/// Rereads the configuration on SIGHUP. Folder, database and socket paths keep their old
/// values (changing those needs a restart); everything else applies to the next job.
struct ConfigurationReloader: Service {
    let load: Daemon.Loader
    let configuration: LiveConfiguration
    let runner: JobRunner
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            SystemdNotify().send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
            do {
                var new = try load()
                let old = configuration.current
                if new.inbox != old.inbox || new.outbox != old.outbox || new.failed != old.failed || new.done != old.done
                    || new.work != old.work || new.jobFolders != old.jobFolders || new.database != old.database || new.socket != old.socket
                    || new.statusFile != old.statusFile || new.jobStore != old.jobStore || new.nodeName != old.nodeName
                {
                    logger.warning("folder, database, socket, status_file, job_store and node_name changes need a restart; keeping the old ones")
                    (new.inbox, new.outbox, new.failed, new.done, new.work) = (old.inbox, old.outbox, old.failed, old.done, old.work)
                    new.jobFolders = old.jobFolders
                    (new.database, new.socket, new.statusFile) = (old.database, old.socket, old.statusFile)
                    (new.jobStore, new.nodeName) = (old.jobStore, old.nodeName)
                }
                configuration.replace(new)
                logger.notice("configuration reloaded", metadata: ["workers": "\(new.workers)", "default_pipeline": "\(new.defaultPipeline)"])
            } catch {
                logger.error("configuration reload failed; keeping the running one", metadata: ["error": "\(error)"])
            }
            SystemdNotify().send(["READY=1"])
        }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
