import Foundation
import SRDMedia
import SRDTesting
import XCTest

/// Peak memory must not grow with the length of the video: frames in flight are bounded.
final class MemoryTests: XCTestCase {
    func testPeakMemoryIsFlatForALongInput() throws {
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory()
        let short = try makeClip(in: dir, name: "short.mkv") { $0.width = 160; $0.height = 96; $0.frames = 25; $0.preset = "ultrafast" }
        let long = try makeClip(in: dir, name: "long.mkv") { $0.width = 160; $0.height = 96; $0.frames = 400; $0.preset = "ultrafast" }
        var peaks: [Int] = []
        for input in [short, long] {
            let result = try runChild(srd, ["upscale", input, input + ".out.mkv", "--model", "bicubic", "--scale", "2",
                                            "--preset", "ultrafast", "--progress", "none"])
            XCTAssertEqual(result.status, 0, result.stderr)
            peaks.append(result.maxRSSKiB)
        }
        // 400 decoded frames at 320x192 RGB float alone would be ~290 MiB if they piled up.
        let growth = Double(peaks[1]) / Double(peaks[0])
        print("peak RSS: 25 frames \(peaks[0]) KiB, 400 frames \(peaks[1]) KiB (x\(String(format: "%.2f", growth)))")
        XCTAssertLessThan(growth, 1.25, "peak memory grew with video length: \(peaks)")
    }
}
