import Foundation
import Logging
import ServiceLifecycle

/// Keeps the status file current: the snapshot as JSON, replaced atomically (temp name,
/// fsync, rename) so a reader never sees a partial file. Written when it changes, checked
/// every half second, and once more on the way out (it is the last service to stop).
public struct StatusFileWriter: Service {
    let runner: JobRunner
    let configuration: LiveConfiguration
    let clock: any DaemonClock
    let logger: Logger

    public init(runner: JobRunner, configuration: LiveConfiguration, clock: any DaemonClock, logger: Logger) {
        self.runner = runner
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        var last = Data()
        var lastWrite = 0.0
        let encoder = DaemonJSON.encoder()
        func write(force: Bool) async {
            guard var snapshot = try? await runner.snapshot() else { return }
            let path = configuration.current.statusFile
            // Compare without the timestamp, so an idle daemon does not rewrite every tick.
            let stamp = snapshot.updatedAt
            snapshot.updatedAt = Date(timeIntervalSince1970: 0)
            let key = (try? encoder.encode(snapshot)) ?? Data()
            let now = clock.monotonicSeconds()
            guard force || key != last || now - lastWrite >= 30 else { return }
            snapshot.updatedAt = stamp
            guard let data = try? encoder.encode(snapshot) else { return }
            do {
                try DurableFiles.writeAtomically(data + Data("\n".utf8), to: path)
                last = key
                lastWrite = now
            } catch {
                logger.warning("cannot write status file", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await write(force: false)
            await clock.pause(seconds: 0.5)
        }
        // This service shuts down last, after the runner has stopped its workers.
        await write(force: true)
    }
}
