/// Per-runner memory: activation buffers and scratch areas, allocated on first need and reused.
///
/// A `Program` maps its values onto a few physical buffers (by liveness, once, at build time),
/// and each buffer grows to the largest tile it has seen. After the first full-size tile no
/// frame allocates, which `allocationCount` lets tests verify. Not thread-safe: one per worker.
public final class Workspace {
    /// Scratch areas a layer may use during its own `forward` only.
    public enum Scratch: Int, CaseIterable, Sendable {
        /// The padded copy of a convolution's input.
        case padded
        /// im2col / col2im matrices.
        case columns
        /// The tile cut from the frame, input of a program run.
        case tileInput
        /// The tile replicated out to the program's alignment.
        case aligned
        /// Free for layers that need one more temporary.
        case auxiliary
    }

    private var buffers: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var scratches: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)]
    /// How many times memory was (re)allocated; constant once the workspace is warm.
    public private(set) var allocationCount = 0
    /// Bytes currently held.
    public private(set) var allocatedBytes = 0

    public init() {
        scratches = Scratch.allCases.map { _ in (UnsafeMutablePointer<Float>.allocate(capacity: 1), 1) }
    }

    deinit {
        for b in buffers { b.pointer.deallocate() }
        for s in scratches { s.pointer.deallocate() }
    }

    /// Activation buffer `index` with room for at least `count` floats (contents undefined after growth).
    public func buffer(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= index { buffers.append((UnsafeMutablePointer<Float>.allocate(capacity: 1), 1)) }
        if buffers[index].capacity < count {
            buffers[index] = grow(buffers[index], to: count)
        }
        return buffers[index].pointer
    }

    /// Scratch area `kind` with room for at least `count` floats (contents undefined).
    public func scratch(_ kind: Scratch, count: Int) -> UnsafeMutablePointer<Float> {
        if scratches[kind.rawValue].capacity < count {
            scratches[kind.rawValue] = grow(scratches[kind.rawValue], to: count)
        }
        return scratches[kind.rawValue].pointer
    }

    private func grow(_ old: (pointer: UnsafeMutablePointer<Float>, capacity: Int), to count: Int)
        -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        old.pointer.deallocate()
        allocatedBytes -= old.capacity * 4
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        allocatedBytes += count * 4
        allocationCount += 1
        return (p, count)
    }
}
