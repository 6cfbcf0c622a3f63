import Foundation

/// A call that did not answer within its time.
public struct TimedOut: Error, CustomStringConvertible, Equatable {
    public let what: String
    public let seconds: Double
    public var description: String { "\(what) did not answer within \(seconds) s" }
}

/// Runs `operation` and returns its result, or throws `TimedOut` after `seconds` without waiting
/// for it any longer (it is cancelled and left to finish on its own). For the job store in a
/// fleet: while PostgreSQL is unreachable its client retries a connection for about a minute, and
/// neither the runner's loop nor a SIGTERM may wait that long.
func bounded<T: Sendable>(_ seconds: Double, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let once = ResumeOnce(continuation)
        let work = Task {
            do { once.resume(with: .success(try await operation())) } catch { once.resume(with: .failure(error)) }
        }
        Task {
            try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
            if once.resume(with: .failure(TimedOut(what: what, seconds: seconds))) { work.cancel() }
        }
    }
}

/// Resumes a continuation exactly once, whichever of the racing tasks comes first.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?

    init(_ continuation: CheckedContinuation<T, Error>) { self.continuation = continuation }

    /// True when this call was the one that resumed.
    @discardableResult
    func resume(with result: Result<T, Error>) -> Bool {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(with: result)
        return c != nil
    }
}
