import Foundation

/// In-order reassembly for the worker pool: items are reserved in decode order, completed in any
/// order by workers, and handed to the single consumer (the encoder) strictly in reservation order.
///
/// `reserveFrame` blocks while `maxFramesInFlight` frames are reserved but not yet consumed, so
/// memory stays flat however long the video is. Pass-through items (audio and subtitle packets)
/// take a slot but do not count against the frame limit: demuxers interleave them with video, so
/// their number is bounded by the frames in flight.
public final class OrderedBuffer<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [Int: Item] = [:]
    private var nextReserve = 0
    private var nextConsume = 0
    private var framesInFlight = 0
    private var frameSlots = Set<Int>()
    private var finished = false
    private var failure: Error?
    public let maxFramesInFlight: Int

    public init(maxFramesInFlight: Int) {
        precondition(maxFramesInFlight > 0)
        self.maxFramesInFlight = maxFramesInFlight
    }

    /// Reserves the next slot for a frame, blocking while too many frames are in flight.
    /// Returns nil when the buffer has failed (the producer should stop).
    public func reserveFrame() -> Int? {
        condition.lock(); defer { condition.unlock() }
        while framesInFlight >= maxFramesInFlight && failure == nil { condition.wait() }
        if failure != nil { return nil }
        framesInFlight += 1
        let slot = nextReserve
        nextReserve += 1
        frameSlots.insert(slot)
        return slot
    }

    /// Appends an item that needs no processing, in order.
    public func append(_ item: Item) {
        condition.lock(); defer { condition.unlock() }
        slots[nextReserve] = item
        nextReserve += 1
        condition.broadcast()
    }

    /// Completes a reserved slot (from any thread).
    public func complete(_ slot: Int, with item: Item) {
        condition.lock(); defer { condition.unlock() }
        slots[slot] = item
        condition.broadcast()
    }

    /// No more items will be reserved.
    public func finish() {
        condition.lock(); defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    /// Stops everything: producers and the consumer wake up, the consumer gets the error.
    public func fail(_ error: Error) {
        condition.lock(); defer { condition.unlock() }
        if failure == nil { failure = error }
        condition.broadcast()
    }

    /// The first error passed to `fail`, if any.
    public var error: Error? {
        condition.lock(); defer { condition.unlock() }
        return failure
    }

    /// The next item in order; nil at the end. Throws the failure if the buffer failed.
    public func next() throws -> Item? {
        condition.lock(); defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let item = slots.removeValue(forKey: nextConsume) {
                if frameSlots.remove(nextConsume) != nil {
                    framesInFlight -= 1
                }
                nextConsume += 1
                condition.broadcast()
                return item
            }
            if finished && nextConsume == nextReserve { return nil }
            condition.wait()
        }
    }
}
