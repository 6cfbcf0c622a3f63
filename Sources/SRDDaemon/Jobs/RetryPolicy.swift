/// How often a job whose worker crashed is tried again, and how long to wait in between.
///
/// Only crashes are retried (a signal, or exit code 1); a worker that reports bad input
/// (exit code 2) or a usage error (64) fails the job at once, since trying again would give
/// the same answer.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included (1 = never retry).
    public var maxAttempts: Int
    /// Wait before the second attempt; doubled for each further one.
    public var backoffSeconds: Double
    /// Upper bound of the wait.
    public var maxBackoffSeconds: Double

    public init(maxAttempts: Int = 3, backoffSeconds: Double = 5, maxBackoffSeconds: Double = 300) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoffSeconds = max(0, backoffSeconds)
        self.maxBackoffSeconds = max(0, maxBackoffSeconds)
    }

    /// Wait after the given failed attempt (1-based): backoff * 2^(attempt-1), capped.
    public func delay(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 30)))
        return min(maxBackoffSeconds, backoffSeconds * pow2(exponent))
    }

    private func pow2(_ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= 2 }
        return r
    }
}
