import Foundation
import SRDPipeline
import XCTest

final class OrderedBufferTests: XCTestCase {
    /// Items completed out of order by many threads come out in reservation order, and the
    /// producer never gets more than `maxFramesInFlight` frames ahead of the consumer.
    func testOrderAndBound() throws {
        let buffer = OrderedBuffer<Int>(maxFramesInFlight: 3)
        let lock = NSLock()
        var reservedAhead = 0, maxAhead = 0
        let producer = Thread {
            for i in 0..<200 {
                if i % 5 == 0 { buffer.append(-i); continue }
                guard let slot = buffer.reserveFrame() else { return }
                lock.lock(); reservedAhead += 1; maxAhead = max(maxAhead, reservedAhead); lock.unlock()
                DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds(Int.random(in: 0...500))) {
                    buffer.complete(slot, with: i)
                }
            }
            buffer.finish()
        }
        producer.start()
        var out: [Int] = []
        while let item = try buffer.next() {
            if item >= 0 { lock.lock(); reservedAhead -= 1; lock.unlock() }
            out.append(item)
        }
        XCTAssertEqual(out.map(abs), Array(0..<200))
        // +1: the consumer's own counter lags the buffer's by one hand-off. Without the bound the
        // producer would run ~160 frames ahead.
        XCTAssertLessThanOrEqual(maxAhead, 4)
    }

    func testFailureWakesTheConsumer() {
        struct Boom: Error {}
        let buffer = OrderedBuffer<Int>(maxFramesInFlight: 1)
        _ = buffer.reserveFrame()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { buffer.fail(Boom()) }
        XCTAssertThrowsError(try buffer.next())
        XCTAssertNil(buffer.reserveFrame())
    }
}
