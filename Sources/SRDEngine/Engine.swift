import COpenBLAS
import Foundation

/// Process-wide engine settings: the OpenBLAS thread count.
///
/// The pipeline parallelises across frames (one runner per worker), so each GEMM should run on
/// the calling thread: the engine sets OpenBLAS to 1 thread the first time a model is made,
/// unless `setBLASThreads` was called before. OpenBLAS's setting is global to the process.
public enum Engine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var configured = false

    /// Sets the number of threads each OpenBLAS call may use (1 for frame-parallel workers).
    public static func setBLASThreads(_ n: Int) {
        lock.lock()
        defer { lock.unlock() }
        openblas_set_num_threads(Int32(max(1, n)))
        configured = true
    }

    /// Threads OpenBLAS uses per call now.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel OpenBLAS chose (e.g. "Haswell", "SkylakeX"; `OPENBLAS_CORETYPE` overrides it).
    public static var blasCoreName: String { String(cString: openblas_get_corename()) }

    /// Applies the default of 1 BLAS thread once, unless the caller chose a count.
    static func configureDefaults() {
        lock.lock()
        defer { lock.unlock() }
        if !configured {
            openblas_set_num_threads(1)
            configured = true
        }
    }
}
