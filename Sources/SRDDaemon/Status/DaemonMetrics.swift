import Foundation
import Prometheus

/// Prometheus series of one daemon, served as text on `GET /metrics`.
///
/// A registry per daemon (not the process-wide MetricsSystem), so tests can run several
/// daemons in one process.
public final class DaemonMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let jobs: [JobState: Gauge]
    private let finished: [JobState: Counter]
    private let workerFailures: [String: Counter]
    private let busy: Gauge
    private let paused: Gauge
    private let frames: Counter

    public init() {
        var jobs: [JobState: Gauge] = [:]
        var finished: [JobState: Counter] = [:]
        for state in JobState.allCases {
            jobs[state] = registry.makeGauge(name: "srd_jobs", labels: [("state", state.rawValue)], help: "Jobs by state.")
            if state.isTerminal {
                finished[state] = registry.makeCounter(
                    name: "srd_jobs_finished_total", labels: [("state", state.rawValue)],
                    help: "Jobs that reached a final state since the daemon started."
                )
            }
        }
        self.jobs = jobs
        self.finished = finished
        var failures: [String: Counter] = [:]
        for kind in ["exit", "signal", "timeout", "launch"] {
            failures[kind] = registry.makeCounter(
                name: "srd_worker_failures_total", labels: [("kind", kind)], help: "Worker attempts that failed, by how."
            )
        }
        workerFailures = failures
        busy = registry.makeGauge(name: "srd_workers_busy", help: "Worker processes running now.")
        paused = registry.makeGauge(name: "srd_paused", help: "1 while jobs are held back (low disk space).")
        frames = registry.makeCounter(name: "srd_frames_processed_total", help: "Frames upscaled since the daemon started.")
    }

    func setCounts(_ counts: [JobState: Int]) {
        for state in JobState.allCases { jobs[state]?.set(to: Double(counts[state] ?? 0)) }
    }

    func jobFinished(_ state: JobState) { finished[state]?.increment() }

    func workerFailed(_ outcome: WorkerOutcome) {
        switch outcome {
        case .succeeded: return
        case .exited: workerFailures["exit"]?.increment()
        case .signalled: workerFailures["signal"]?.increment()
        case .timedOut: workerFailures["timeout"]?.increment()
        case .launchFailed: workerFailures["launch"]?.increment()
        }
    }

    func setBusy(_ n: Int) { busy.set(to: Double(n)) }
    func setPaused(_ on: Bool) { paused.set(to: on ? 1.0 : 0.0) }
    func framesProcessed(_ n: Int) { if n > 0 { frames.increment(by: Int64(n)) } }

    /// Fleet mode: every node's jobs, frames per second and seconds since its heartbeat, as this
    /// node last read them from the shared store.
    func setNodes(_ nodes: [NodeRecord], now: Date) {
        for n in nodes {
            registry.makeGauge(name: "srd_fleet_node_jobs", labels: [("node", n.name)], help: "Jobs a fleet node holds.").set(to: Double(n.jobs))
            registry.makeGauge(name: "srd_fleet_node_fps", labels: [("node", n.name)], help: "Frames per second of a fleet node's running jobs.").set(to: n.fps)
            registry.makeGauge(name: "srd_fleet_node_silence_seconds", labels: [("node", n.name)], help: "Seconds since a fleet node's last heartbeat.")
                .set(to: max(0, now.timeIntervalSince(n.heartbeatAt)))
        }
    }

    /// Prometheus text exposition format.
    public func render() -> String { registry.emitToString() }
}
