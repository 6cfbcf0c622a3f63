import Dispatch
import Foundation
import SRDMedia
import SRDTesting
import XCTest

final class ThreadingTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    /// The pipeline's shape: the reader runs on one thread, the writer on another, joined by a
    /// small bounded queue; nothing is lost or reordered.
    func testReaderAndWriterOnDifferentThreads() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 30; $0.audio = true; $0.variableFrameRate = true }
        let output = dir.file("out.mkv")
        let reader = try MediaReader(path: input)
        let writer = try MediaWriter(path: output, reader: reader, width: reader.video.width,
                                     height: reader.video.height, settings: EncodeSettings(preset: "veryfast"))
        let queue = ItemQueue(capacity: 4)
        let readerDone = DispatchSemaphore(value: 0)
        let errors = ErrorBox()
        Thread.detachNewThread {
            do {
                while let item = try reader.next() { queue.put(item) }
            } catch { errors.set(error) }
            queue.put(nil)
            readerDone.signal()
        }
        while let item = queue.take() {
            switch item {
            case .frame(let f): try writer.write(image: f.image, pts: f.pts, duration: f.duration)
            case .packet(let p): try writer.write(packet: p)
            }
        }
        readerDone.wait()
        if let e = errors.get() { throw e }
        try writer.finish()
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: output).pts, try MediaProbe.videoFramePTS(of: input).pts)
        XCTAssertEqual(try MediaProbe.packets(of: output, streamType: .audio).map(\.data),
                       try MediaProbe.packets(of: input, streamType: .audio).map(\.data))
    }
}

/// A bounded blocking queue of optional items (nil marks the end).
private final class ItemQueue: @unchecked Sendable {
    private var items: [MediaItem?] = []
    private let lock = NSCondition()
    private let capacity: Int
    init(capacity: Int) { self.capacity = capacity }

    func put(_ item: MediaItem?) {
        lock.lock(); defer { lock.unlock() }
        while items.count >= capacity { lock.wait() }
        items.append(item)
        lock.broadcast()
    }

    func take() -> MediaItem? {
        lock.lock(); defer { lock.unlock() }
        while items.isEmpty { lock.wait() }
        let item = items.removeFirst()
        lock.broadcast()
        return item
    }
}

private final class ErrorBox: @unchecked Sendable {
    private var error: Error?
    private let lock = NSLock()
    func set(_ e: Error) { lock.lock(); error = e; lock.unlock() }
    func get() -> Error? { lock.lock(); defer { lock.unlock() }; return error }
}
