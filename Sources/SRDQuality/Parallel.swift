import Dispatch
import Foundation

/// Splits row loops across cores. Metrics and the temporal stage run once per video frame beside
/// the upscaler's workers, so their heavy per-pixel passes (flow, SSIM, the stage's warp and
/// blend) use every core that is free rather than one.
public enum Parallel {
    public static let cores = max(ProcessInfo.processInfo.activeProcessorCount, 1)

    /// Calls `body` on disjoint row ranges covering 0..<count, concurrently when `count *
    /// costPerRow` is large enough to pay for the dispatch. `body` must only write rows it is given.
    public static func rows(_ count: Int, costPerRow: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(cores * 4, count, max(1, count * costPerRow / 65_536))
        if chunks <= 1 || cores == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((count * c / chunks)..<(count * (c + 1) / chunks))
        }
    }
}
