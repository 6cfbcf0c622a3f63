import Foundation
import SRDEngine

/// A fixed set of workers, each owning one `SuperResolutionRunner` (its planned activations and
/// workspaces), fed through a concurrent Dispatch queue.
///
/// At most `count` jobs run at once; a job borrows an idle runner and returns it afterwards, so no
/// runner is ever used by two threads and nothing is allocated per frame beyond the frame itself.
public final class WorkerPool: @unchecked Sendable {
    private let queue: DispatchQueue
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var idle: [SuperResolutionRunner]
    private let group = DispatchGroup()
    public let count: Int

    /// - Parameter tile: input pixels per tile side for networks; 0 runs whole frames.
    public init(model: SuperResolutionModel, workers: Int, tile: Int = TiledExecutor.defaultTileSize,
                execution: ExecutionSettings = .default) {
        precondition(workers > 0)
        count = workers
        queue = DispatchQueue(label: "srd.workers", qos: .userInitiated, attributes: .concurrent)
        slots = DispatchSemaphore(value: workers)
        idle = (0..<workers).map { _ in model.makeRunner(tileSize: tile > 0 ? tile : nil, execution: execution) }
    }

    /// Runs `work` on an idle runner; blocks the caller while all workers are busy.
    public func submit(_ work: @escaping (SuperResolutionRunner) -> Void) {
        slots.wait()
        group.enter()
        queue.async { [self] in
            lock.lock()
            let runner = idle.removeLast()
            lock.unlock()
            work(runner)
            lock.lock()
            idle.append(runner)
            lock.unlock()
            slots.signal()
            group.leave()
        }
    }

    /// Blocks until every submitted job has finished.
    public func waitUntilIdle() { group.wait() }
}

/// Per-worker objects that are not the runner (a `FramePacker` with its swscale context and
/// scratch planes): one per worker, borrowed for the length of one job on the pool. Since at most
/// `WorkerPool.count` jobs run at once, a pool of that many never runs dry.
final class WorkerLocal<Object>: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Object]

    init(_ objects: [Object]) { idle = objects }

    /// Runs `body` with an idle object; nil if none is idle (more borrowers than objects).
    func with<R>(_ body: (Object?) throws -> R) rethrows -> R {
        lock.lock()
        let object = idle.popLast()
        lock.unlock()
        defer {
            if let object { lock.lock(); idle.append(object); lock.unlock() }
        }
        return try body(object)
    }
}
