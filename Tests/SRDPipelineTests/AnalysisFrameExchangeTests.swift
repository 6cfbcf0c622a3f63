import Foundation
import SRDMedia
import SRDQuality
@testable import SRDPipeline
import XCTest

/// Each frame's motion-analysis preparation is made once and reused as the next frame's
/// "previous": the reuse must not change the analysis, and the hand-over must not leak.
final class AnalysisFrameExchangeTests: XCTestCase {
    private func lowRes(_ i: Int) -> PlanarImage {
        Degradation.bicubic.apply(to: SyntheticClip.render(frame: i, pattern: .detail, width: 192, height: 128), scale: 2)
    }

    /// The prepared-frame analysis against one computed here from the images alone: luma on the
    /// analysis grid, the flow by `OpticalFlow` on plain images, and the reliability and mean
    /// residual from the definitions in the smoother's documentation.
    func testPreparedFramesGiveTheAnalysisComputedFromTheImages() {
        let a = lowRes(3), b = lowRes(2)
        let settings = TemporalSmoother.Settings()
        let prepared = TemporalSmoother.MotionAnalysis(current: TemporalSmoother.AnalysisFrame(a, settings: settings),
                                                       previous: TemporalSmoother.AnalysisFrame(b, settings: settings))
        let f = Double(settings.analysisSide) / Double(max(a.width, a.height))
        let w = Int((Double(a.width) * f).rounded()), h = Int((Double(a.height) * f).rounded())
        let la = a.luma(.bt601).resized(width: w, height: h), lb = b.luma(.bt601).resized(width: w, height: h)
        XCTAssertEqual(prepared.width, w)
        XCTAssertEqual(prepared.height, h)
        let flow = OpticalFlow.farneback(from: la, to: lb, parameters: settings.flow)
        XCTAssertEqual(prepared.flow.dx, flow.dx)
        XCTAssertEqual(prepared.flow.dy, flow.dy)
        let a255 = la.data.map { $0 * 255 }, b255 = lb.data.map { $0 * 255 }
        var sum = 0.0, worst: Float = 0
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let e = abs(Double(a255[i]) - bilinearSample(b255, w, h, Double(x) + Double(flow.dx[i]), Double(y) + Double(flow.dy[i])))
                sum += e
                let r = Float(exp(-pow(e / settings.residualScale, 2)))
                worst = max(worst, abs(r - prepared.reliability[i]))
            }
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(prepared.meanResidual, sum / Double(w * h), accuracy: 1e-9)
        // and the motion is real: the square moves, so the flow is not zero everywhere
        XCTAssertGreaterThan(flow.dx.map { abs($0) }.max() ?? 0, 0.5)
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
