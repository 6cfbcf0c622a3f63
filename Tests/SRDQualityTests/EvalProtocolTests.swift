import XCTest
import SRDQuality

/// The protocol's steps on small images with known answers.
final class EvalProtocolTests: XCTestCase {
    /// MATLAB imresize(x, 0.5, 'bicubic') weights: h(x) = 0.5 k(0.5 x), 8 taps after dropping
    /// all-zero columns; these are MATLAB's published half-scale antialias taps.
    func testBicubicDownscaleTapsMatchMatlab() {
        let taps = ResizeTaps(inputLength: 16, outputLength: 8, scale: 0.5, kernel: .bicubic, antialias: true)
        XCTAssertEqual(taps.tapCount, 8)
        let expected = [-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875]
        let x = 3   // an interior output: u = 7.5, inputs 3...10 (0-based)
        for t in 0..<8 {
            XCTAssertEqual(taps.weights[x * 8 + t], expected[t], accuracy: 1e-15)
            XCTAssertEqual(taps.indices[x * 8 + t], 3 + t)
        }
        // the first output mirrors at the border: 1-based indices -2...5 -> 0-based 2,1,0,0,1,2,3,4
        XCTAssertEqual(Array(taps.indices[0..<8]), [2, 1, 0, 0, 1, 2, 3, 4])
    }

    /// MATLAB imresize(x, 2, 'bicubic') uses k(0.25...) taps: (-0.0234375, 0.2265625, 0.8671875, -0.0703125).
    func testBicubicUpscaleTapsMatchMatlab() {
        XCTAssertEqual(ResizeKernel.cubic(1.25), -0.0703125, accuracy: 1e-15)
        XCTAssertEqual(ResizeKernel.cubic(0.75), 0.2265625, accuracy: 1e-15)
        XCTAssertEqual(ResizeKernel.cubic(0.25), 0.8671875, accuracy: 1e-15)
        XCTAssertEqual(ResizeKernel.cubic(1.75), -0.0234375, accuracy: 1e-15)
        let taps = ResizeTaps(inputLength: 8, outputLength: 16, scale: 2, kernel: .bicubic, antialias: true)
        // output 4 (0-based): u = 5/2 + 0.25 = 2.75 -> inputs 1..4 (1-based), distances 1.75, 0.75, -0.25, -1.25
        let w = (0..<taps.tapCount).map { taps.weights[4 * taps.tapCount + $0] }.filter { $0 != 0 }
        XCTAssertEqual(w.count, 4)
        for (a, e) in zip(w, [-0.0234375, 0.2265625, 0.8671875, -0.0703125]) { XCTAssertEqual(a, e, accuracy: 1e-15) }
    }

    func testModcropKeepsTopLeftAndMakesGreyRGB() {
        var grey = PlanarImage(width: 7, height: 5, channels: 1)
        for i in 0..<grey.data.count { grey.data[i] = Float(i) / 255 }
        let m = EvalProtocol.modcrop(grey, scale: 3)
        XCTAssertEqual(m.width, 6)
        XCTAssertEqual(m.height, 3)
        XCTAssertEqual(m.channels, 3)
        XCTAssertEqual(m[0, 0, 0], 0)
        XCTAssertEqual(m[2, 2, 5], Float(2 * 7 + 5) / 255)
        XCTAssertEqual(m.plane(0), m.plane(1))
        let same = PlanarImage(width: 6, height: 4, channels: 3)
        XCTAssertEqual(EvalProtocol.modcrop(same, scale: 2), same)
    }

    /// makeLR rounds once, half away from zero: a flat image stays flat at its 8-bit value, and a
    /// 2-pixel-period pattern averages to the midpoint 15.5 -> 16 away from the mirrored borders
    /// (whole rows pinned against sr_eval_ref.make_lr: [14 16 16 16 16 16 15 17]).
    func testMakeLRIsQuantisedBicubic() {
        var hr = PlanarImage(width: 16, height: 8, channels: 3)
        for c in 0..<3 {
            for y in 0..<8 {
                for x in 0..<16 { hr[c, y, x] = Float(c == 0 ? 100 : (x % 2 == 0 ? 10 : 21)) / 255 }
            }
        }
        let lr = EvalProtocol.makeLR(hr, scale: 2)
        XCTAssertEqual(lr.width, 8)
        XCTAssertEqual(lr.height, 4)
        for v in lr.plane(0).data { XCTAssertEqual(v, Float(100) / 255) }
        let expectedRow: [Float] = [14, 16, 16, 16, 16, 16, 15, 17]
        for y in 0..<4 {
            XCTAssertEqual((0..<8).map { lr[1, y, $0] }, expectedRow.map { $0 / 255 })
        }
    }

    func testQuantize8RoundsHalfAwayFromZeroAndClamps() {
        let img = PlanarImage(width: 6, height: 1, channels: 1,
                              data: [-0.1, Float(0.5 / 255), Float(2.5 / 255), Float(2.4999 / 255), 1.2, .nan])
        XCTAssertEqual(EvalProtocol.quantize8(img).data.map { Int(($0 * 255).rounded()) }, [0, 1, 3, 2, 255, 0])
    }

    func testLumaIsStudioRangeBT601() {
        let r = Plane(width: 2, height: 1, data: [255, 0])
        let g = Plane(width: 2, height: 1, data: [255, 0])
        let b = Plane(width: 2, height: 1, data: [255, 0])
        XCTAssertEqual(EvalProtocol.lumaBT601([r, g, b]).data, [235, 16])
        // against sr_eval_ref.rgb_to_y on (a, b, a flipped) of MetricsTests' pattern
        let a = MetricsTests.patternA, bb = MetricsTests.patternB
        var flipped = a
        for y in 0..<a.height { for x in 0..<a.width { flipped[y, x] = a[a.height - 1 - y, x] } }
        let yPlane = EvalProtocol.lumaBT601([a, bb, flipped])
        XCTAssertEqual(yPlane[0, 0], 36.364423529411766, accuracy: 1e-12)
        XCTAssertEqual(yPlane[5, 7], 96.33607058823529, accuracy: 1e-12)
    }

    /// score() shaves `scale` pixels: a difference confined to the border does not count.
    func testScoreShavesTheBorderAndQuantisesSR() {
        var hr = PlanarImage(width: 24, height: 24, channels: 3)
        for i in 0..<hr.data.count { hr.data[i] = Float((i * 37) % 256) / 255 }
        var sr = hr
        for c in 0..<3 { for x in 0..<24 { sr[c, 0, x] = 0; sr[c, 1, x] = 1 } }   // rows 0, 1 ruined
        let s = EvalProtocol.score(sr: sr, hr: hr, scale: 2)
        XCTAssertEqual(s.psnrY, .infinity)
        XCTAssertEqual(s.psnrRGB, .infinity)
        XCTAssertEqual(s.ssimY, 1, accuracy: 1e-12)
        XCTAssertEqual(s.uqiY!, 1, accuracy: 1e-12)
        XCTAssertEqual(s.ssimRGB!, 1, accuracy: 1e-12)
        let basic = EvalProtocol.score(sr: sr, hr: hr, scale: 2, extended: false)
        XCTAssertNil(basic.uqiY)
        XCTAssertNil(basic.ssimRGB)
        XCTAssertEqual(basic.psnrY, .infinity)
        XCTAssertEqual(s.mseY, 0)
        // an SR that is off by less than half a level everywhere scores as identical (step 3)
        var near = hr
        for i in 0..<near.data.count { near.data[i] += 0.4 / 255 }
        XCTAssertEqual(EvalProtocol.score(sr: near, hr: hr, scale: 2).psnrY, .infinity)
        // a uniform +1 level on every channel (HR capped at 254 so nothing clips): Y changes by
        // (65.481 + 128.553 + 24.966) / 255 = 219/255 everywhere
        var hrLow = hr
        for i in 0..<hrLow.data.count { hrLow.data[i] = min(hrLow.data[i] * 255, 254) / 255 }
        var plusLow = hrLow
        for i in 0..<plusLow.data.count { plusLow.data[i] = (plusLow.data[i] * 255 + 1) / 255 }
        let d = 219.0 / 255
        let ps = EvalProtocol.score(sr: plusLow, hr: hrLow, scale: 2)
        XCTAssertEqual(ps.mseY, d * d, accuracy: 1e-9)
        XCTAssertEqual(ps.psnrY, 10 * log10(65025 / (d * d)), accuracy: 1e-7)
        XCTAssertEqual(ps.psnrRGB, 10 * log10(65025.0), accuracy: 1e-7)
    }
}
