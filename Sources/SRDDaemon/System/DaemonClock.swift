import Foundation

/// Time as the daemon's loops see it; injected so tests of stability windows need not sleep.
public protocol DaemonClock: Sendable {
    /// Seconds on a monotonic clock (never jumps with wall-clock changes).
    func monotonicSeconds() -> Double
    /// Wall-clock time for records and reports.
    func now() -> Date
    /// Suspends the calling task; throws CancellationError when cancelled.
    func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemDaemonClock: DaemonClock {
    public init() {}
    public func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }
}

import ServiceLifecycle

extension DaemonClock {
    /// Sleeps, but returns at once when graceful shutdown starts (or the task is cancelled),
    /// so a service loop never holds up the shutdown of the group by its tick.
    func pause(seconds: Double) async {
        try? await cancelWhenGracefulShutdown {
            try await self.sleep(seconds: seconds)
        }
    }
}
