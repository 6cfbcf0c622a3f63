import Foundation
import SRDMedia
import SRDTesting
import XCTest

/// Real image sequences from ../shared (skipped when that folder is absent).
final class SharedVideoTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    private func sequence(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = root.deletingLastPathComponent().appendingPathComponent("shared/data/video/\(name)")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("00000000.png").path) else {
            throw XCTSkip("../shared/data/video/\(name) is absent")
        }
        return dir.appendingPathComponent("%08d.png").path
    }

    func testFoliageSequenceDecodesEveryFrameInOrder() throws {
        let reader = try MediaReader(path: try sequence("foliage"))
        XCTAssertEqual([reader.video.width, reader.video.height], [720, 480])
        XCTAssertEqual(reader.video.pixelFormat, "rgb24")
        var pts: [Int64] = []
        var lastMean: Float = -1
        while let item = try reader.next() {
            guard case .frame(let f) = item else { continue }
            pts.append(f.pts)
            let m = f.image.data.reduce(0, +) / Float(f.image.data.count)
            XCTAssertTrue(m > 0.02 && m < 0.98, "frame \(f.index) is a real picture")
            XCTAssertNotEqual(m, lastMean, "frames differ")
            lastMean = m
        }
        XCTAssertEqual(pts, (0..<49).map(Int64.init))
        XCTAssertTrue(reader.warnings.isEmpty, "\(reader.warnings)")
    }
}
