import XCTest
import SRDImaging

final class ResizeTests: XCTestCase {
    /// The Float tap polynomials equal the kernel at the four distances, across the interval.
    func testCubicTapsMatchTheKernel() {
        for k in 0..<16 {
            let t = Double(k) / 16
            let taps = ResizeKernel.cubicTaps(Float(t))
            let expected = [ResizeKernel.cubic(t + 1), ResizeKernel.cubic(t), ResizeKernel.cubic(1 - t), ResizeKernel.cubic(2 - t)]
            for (got, want) in zip([taps.0, taps.1, taps.2, taps.3], expected) { XCTAssertEqual(Double(got), want, accuracy: 1e-6, "t = \(t)") }
            XCTAssertEqual(Double(taps.0 + taps.1 + taps.2 + taps.3), 1, accuracy: 1e-6)
        }
    }

    /// MATLAB's cubic kernel at known points.
    func testCubicKernelValues() {
        XCTAssertEqual(ResizeKernel.cubic(0), 1)
        XCTAssertEqual(ResizeKernel.cubic(0.5), 0.5625, accuracy: 1e-12)
        XCTAssertEqual(ResizeKernel.cubic(1), 0, accuracy: 1e-12)
        XCTAssertEqual(ResizeKernel.cubic(1.5), -0.0625, accuracy: 1e-12)
        XCTAssertEqual(ResizeKernel.cubic(2.5), 0)
    }

    /// Values from the reference evaluator's MATLAB-compatible imresize (../shared/tools/sr_eval_ref.py),
    /// which include the symmetric border padding.
    func testMatchesMatlabImresizeOnARamp() {
        var img = PlanarImage(width: 8, height: 1, channels: 1)
        for x in 0..<8 { img.data[x] = 0.5 }
        for v in img.resized(width: 4, height: 1, scale: 0.5).data { XCTAssertEqual(v, 0.5, accuracy: 1e-6) }
        var ramp = PlanarImage(width: 8, height: 1, channels: 1)
        for x in 0..<8 { ramp.data[x] = Float(x + 1) }
        let down = ramp.resized(by: 0.5)
        XCTAssertEqual(down.width, 4)
        XCTAssertEqual(down.height, 1)
        for (v, e) in zip(down.data, [1.44921875, 3.48828125, 5.51171875, 7.55078125]) { XCTAssertEqual(Double(v), e, accuracy: 1e-6) }
        let small = PlanarImage(width: 4, height: 1, channels: 1, data: [1, 2, 3, 4])
        let up = small.resized(width: 8, height: 1, scale: 2)
        let expected = [0.90625, 1.1796875, 1.7265625, 2.25, 2.75, 3.2734375, 3.8203125, 4.09375]
        for (v, e) in zip(up.data, expected) { XCTAssertEqual(Double(v), e, accuracy: 1e-6) }
    }

    func testYCbCrRoundTrip() {
        var img = PlanarImage(width: 2, height: 1, channels: 3)
        img.data = [0.1, 0.9, 0.5, 0.2, 0.3, 0.7]
        for f in YFormula.allCases {
            let back = img.ycbcr(f).rgb(fromYCbCr: f)
            for i in 0..<6 { XCTAssertEqual(back.data[i], img.data[i], accuracy: 1e-6) }
        }
        // white in studio range is Y = 235
        let white = PlanarImage(width: 1, height: 1, channels: 3, data: [1, 1, 1])
        XCTAssertEqual(Double(white.luma(.bt601).data[0]) * 255, 235, accuracy: 1e-4)
    }
}
