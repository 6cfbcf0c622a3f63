import Foundation

/// How a runner executes a network: which backend, in which precision, with how many threads
/// for its own calls (a pool of N workers on P cores gives each P / N, so one runtime's threads
/// do not fight another's).
public struct ExecutionSettings: Sendable, Equatable {
    public var backend: ComputeBackend
    public var precision: ComputePrecision
    /// Threads of the backend's own parallel loops (oneDNN's OpenMP team) for this runner.
    public var threads: Int

    public init(backend: ComputeBackend = .preferred, precision: ComputePrecision = .f32, threads: Int = 1) {
        self.backend = backend
        self.precision = precision
        self.threads = max(1, threads)
    }

    /// The preferred backend in f32, one thread: what a worker of a full pool gets.
    public static var `default`: ExecutionSettings { ExecutionSettings() }

    /// The OpenBLAS reference path (tests compare the other backends against it).
    public static let reference = ExecutionSettings(backend: .openblas, precision: .f32, threads: 1)

    /// Threads each of `workers` runners gets on this machine's cores.
    public static func threadsPerWorker(_ workers: Int) -> Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount / max(workers, 1))
    }
}
