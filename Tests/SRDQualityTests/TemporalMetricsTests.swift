import XCTest
import SRDQuality

/// Warp error, flicker and tOF on synthetic clips with known motion and known flicker.
final class TemporalMetricsTests: XCTestCase {
    static let w = 96, h = 72
    static let step = (dx: 1.5, dy: -0.75)

    /// Frame t: the synthetic texture moved by t * step.
    static func clip(_ frames: Int) -> [PlanarImage] {
        (0..<frames).map { t in
            OpticalFlowTests.image(OpticalFlowTests.synthetic(w, h, shiftX: step.dx * Double(t), shiftY: step.dy * Double(t)), w, h)
        }
    }

    /// Adds `levels` (0...255 units) to every sample of frame t (alternating sign): pure flicker.
    static func flickered(_ frames: [PlanarImage], levels: Float) -> [PlanarImage] {
        frames.enumerated().map { t, f in
            var g = f
            let d = (t % 2 == 0 ? levels : -levels) / 255
            for i in 0..<g.data.count { g.data[i] += d }
            return g
        }
    }

    func testGroundTruthWarpErrorIsSmall() {
        let gt = Self.clip(4)
        let e = TemporalMetrics.warpError(frames: gt, flowFrames: gt)
        XCTAssertGreaterThan(e, 0)
        XCTAssertLessThan(e, 1.5, "what the flow leaves on a rigidly moving texture, 0...255")
    }

    /// +-5 levels alternating: the motion-compensated difference grows by exactly 10 per pair,
    /// so flicker (warp error of output - reference) is 10 and E_warp is about 10 on top of the
    /// reference's own error.
    func testAlternatingBrightnessIsMeasuredAsFlicker() {
        let gt = Self.clip(4)
        let out = Self.flickered(gt, levels: 5)
        var tracker = TemporalTracker()
        XCTAssertNil(tracker.push(output: out[0], reference: gt[0]))
        var scores = [TemporalFrameScore]()
        for t in 1..<4 { scores.append(tracker.push(output: out[t], reference: gt[t])!) }
        for s in scores {
            XCTAssertEqual(s.flicker, 10, accuracy: 1e-3)
            XCTAssertGreaterThan(s.warpError, 10 - s.referenceWarpError - 1e-6)
            XCTAssertLessThan(s.warpError, 10 + s.referenceWarpError + 1e-6)
            XCTAssertGreaterThan(s.validFraction, 0.8)
            XCTAssertLessThan(s.validFraction, 1)   // the leading edge leaves the frame
        }
        XCTAssertEqual(scores.map(\.index), [1, 2, 3])
        let sum = tracker.summary
        XCTAssertEqual(sum.pairs, 3)
        XCTAssertEqual(sum.flicker, 10, accuracy: 1e-3)
        XCTAssertNil(sum.tOF)
        // the batch function pools the same way
        XCTAssertEqual(TemporalMetrics.warpError(frames: out, flowFrames: gt), sum.warpError, accuracy: 1e-9)
        // and the reference scored against itself has no flicker
        var self_ = TemporalTracker()
        for f in gt { self_.push(output: f, reference: f) }
        XCTAssertEqual(self_.summary.flicker, 0)
        XCTAssertEqual(self_.summary.warpError, self_.summary.referenceWarpError)
    }

    /// tOF: 0 against itself; a frozen output (no motion) against the moving reference differs
    /// by about |step| = 1.68 px per pixel.
    func testTOF() {
        let gt = Self.clip(3)
        XCTAssertEqual(TemporalMetrics.tOF(frames: gt, reference: gt), 0, accuracy: 1e-9)
        let frozen = [PlanarImage](repeating: gt[0], count: 3)
        let t = TemporalMetrics.tOF(frames: frozen, reference: gt)
        let stepLength = (Self.step.dx * Self.step.dx + Self.step.dy * Self.step.dy).squareRoot()
        XCTAssertEqual(t, stepLength, accuracy: 0.3)
    }

    func testRGBFramesUseBT601Luma() {
        // three equal planes v: Y = 16 + 219 v / 255; a global +1 level RGB flicker is 219/255 in Y
        let gt = Self.clip(3).map { PlanarImage.stacking([$0, $0, $0]) }
        let out = Self.flickered(gt, levels: 1)
        var tracker = TemporalTracker()
        for (o, r) in zip(out, gt) { tracker.push(output: o, reference: r) }
        XCTAssertEqual(tracker.summary.flicker, 2 * 219.0 / 255, accuracy: 1e-3)
    }
}
