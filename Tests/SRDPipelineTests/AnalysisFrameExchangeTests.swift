import Foundation
import SRDMedia
@testable import SRDPipeline
import XCTest

/// Each frame's motion-analysis preparation is made once and reused as the next frame's
/// "previous": the reuse must not change the analysis, and the hand-over must not leak.
final class AnalysisFrameExchangeTests: XCTestCase {
    private func lowRes(_ i: Int) -> PlanarImage {
        Degradation.bicubic.apply(to: SyntheticClip.render(frame: i, pattern: .detail, width: 192, height: 128), scale: 2)
    }

    func testPreparedFramesGiveTheSameAnalysisAsImages() {
        let a = lowRes(3), b = lowRes(2)
        let direct = TemporalSmoother.MotionAnalysis(current: a, previous: b)
        let prepared = TemporalSmoother.MotionAnalysis(current: TemporalSmoother.AnalysisFrame(a),
                                                       previous: TemporalSmoother.AnalysisFrame(b))
        XCTAssertEqual(direct.flow.dx, prepared.flow.dx)
        XCTAssertEqual(direct.flow.dy, prepared.flow.dy)
        XCTAssertEqual(direct.reliability, prepared.reliability)
        XCTAssertEqual(direct.meanResidual, prepared.meanResidual)
        // and the motion is real: the square moves, so the flow is not zero everywhere
        XCTAssertGreaterThan(direct.flow.dx.map { abs($0) }.max() ?? 0, 0.5)
    }

    func testEachFrameIsHandedOverOnceAndOldOnesAreDropped() {
        let exchange = AnalysisFrameExchange()
        let frame = TemporalSmoother.AnalysisFrame(lowRes(0))
        for i in 0..<40 { exchange.store(frame, index: i) }
        XCTAssertEqual(exchange.count, 32, "only the last 32 frames are kept")
        XCTAssertNil(exchange.take(index: 5), "a frame far behind the newest was dropped")
        XCTAssertNotNil(exchange.take(index: 39))
        XCTAssertNil(exchange.take(index: 39), "a frame is handed over once")
        XCTAssertEqual(exchange.count, 31)
    }
}
