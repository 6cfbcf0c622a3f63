import XCTest
import SRDQuality

/// Each metric pinned on cases computed by hand or by the reference evaluator's formulas.
final class MetricsTests: XCTestCase {
    /// a(y, x) = (7x + 13y) mod 256, b(y, x) = (x^2 + 3y) mod 256, 20 x 17: a pattern with
    /// texture in both directions, small enough to cross-check in numpy.
    static let patternA = pattern { x, y in (7 * x + 13 * y) % 256 }
    static let patternB = pattern { x, y in (x * x + 3 * y) % 256 }

    static func pattern(_ f: (Int, Int) -> Int) -> Plane {
        var p = Plane(width: 20, height: 17)
        for y in 0..<17 { for x in 0..<20 { p[y, x] = Double(f(x, y)) } }
        return p
    }

    func testMSEAndPSNROfKnownError() {
        let a = Plane(width: 2, height: 2, data: [0, 10, 20, 30])
        let b1 = Plane(width: 2, height: 2, data: [1, 9, 21, 29])   // every error 1 -> MSE 1
        let b2 = Plane(width: 2, height: 2, data: [2, 8, 22, 28])   // every error 2 -> MSE 4
        XCTAssertEqual(Metrics.mse(a, b1), 1)
        XCTAssertEqual(Metrics.mse(a, b2), 4)
        XCTAssertEqual(Metrics.psnr(a, b1), 20 * log10(255.0), accuracy: 1e-12)           // 48.1308 dB
        XCTAssertEqual(Metrics.psnr(a, b1), 48.1308036086791, accuracy: 1e-12)
        XCTAssertEqual(Metrics.psnr(a, b2), 42.11020369539948, accuracy: 1e-12)
        XCTAssertEqual(Metrics.psnr(mse: 1, peak: 1), 0)
        XCTAssertEqual(Metrics.psnr([0, 0], [0, 2]), 10 * log10(255.0 * 255 / 2), accuracy: 1e-12)
        // pooled over channels: errors 1 and 2 -> MSE (1 + 4) / 2
        XCTAssertEqual(Metrics.mse([a, a], [b1, b2]), 2.5)
        XCTAssertEqual(Metrics.psnr([a, a], [b1, b2]), 10 * log10(65025 / 2.5), accuracy: 1e-12)
    }

    func testPSNROfIdenticalImagesIsInfinite() {
        XCTAssertEqual(Metrics.psnr(Self.patternA, Self.patternA), .infinity)
        XCTAssertEqual(Metrics.psnr(mse: 0), .infinity)
    }

    func testPSNRMatchesReferenceOnPattern() {
        // sr_eval_ref.psnr(a, b) = 8.386120157601574
        XCTAssertEqual(Metrics.psnr(Self.patternA, Self.patternB), 8.386120157601574, accuracy: 1e-10)
    }

    func testSSIMOfIdenticalImagesIsOne() {
        XCTAssertEqual(Metrics.ssim(Self.patternA, Self.patternA), 1, accuracy: 1e-12)
        let map = Metrics.ssimMap(Self.patternA, Self.patternA)
        XCTAssertEqual(map.width, 10)   // valid only: 20 - 10
        XCTAssertEqual(map.height, 7)   // 17 - 10
    }

    /// Constant c against constant c + d: variances and covariance are 0, so the structure
    /// term is C2/C2 = 1 and SSIM = (2c(c+d) + C1) / (c^2 + (c+d)^2 + C1), C1 = 2.55^2.
    func testSSIMOfConstantShiftByHand() {
        let a = Plane(width: 16, height: 12, value: 100)
        let b = Plane(width: 16, height: 12, value: 110)
        let c1 = 2.55 * 2.55
        let expected = (2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1)   // 0.99547644...
        XCTAssertEqual(expected, 0.9954764440915066, accuracy: 1e-15)
        XCTAssertEqual(Metrics.ssim(a, b), expected, accuracy: 1e-9)
        // the flat-array overload agrees
        XCTAssertEqual(Metrics.ssim(a.data, b.data, width: 16, height: 12), expected, accuracy: 1e-9)
    }

    func testSSIMMatchesReferenceOnPattern() {
        // sr_eval_ref.ssim(a, b) = 0.4022375285785841
        XCTAssertEqual(Metrics.ssim(Self.patternA, Self.patternB), 0.4022375285785841, accuracy: 1e-10)
        XCTAssertEqual(Metrics.ssim(Self.patternB, Self.patternA), 0.4022375285785841, accuracy: 1e-10)
    }

    func testSSIMOfTooSmallImageIsNaN() {
        let p = Plane(width: 10, height: 30, value: 1)
        XCTAssertTrue(Metrics.ssim(p, p).isNaN)
    }

    func testUQIOfIdenticalImagesIsOne() {
        XCTAssertEqual(Metrics.uqi(Self.patternA, Self.patternA), 1, accuracy: 1e-12)
        // flat identical images: every window degenerate with equal means -> 1
        let flat = Plane(width: 9, height: 9, value: 42)
        XCTAssertEqual(Metrics.uqi(flat, flat), 1)
    }

    /// b = 2a: s_b^2 = 4 s_a^2, s_ab = 2 s_a^2, mu_b = 2 mu_a, so every window gives
    /// Q = 4 (2 s^2)(mu)(2 mu) / ((5 s^2)(5 mu^2)) = 16/25.
    func testUQIOfContrastScalingByHand() {
        var b = Self.patternA
        for i in 0..<b.data.count { b.data[i] *= 2 }
        XCTAssertEqual(Metrics.uqi(Self.patternA, b), 0.64, accuracy: 1e-12)
    }

    /// Flat c against flat c + d: only the luminance factor is left, 2c(c+d) / (c^2 + (c+d)^2).
    func testUQIOfConstantShiftByHand() {
        let a = Plane(width: 10, height: 10, value: 100)
        let b = Plane(width: 10, height: 10, value: 110)
        XCTAssertEqual(Metrics.uqi(a, b), 22000.0 / 22100.0, accuracy: 1e-12)
    }

    func testUQIMatchesImgQiOnPattern() {
        // img_qi.m (8x8 'valid' box windows) ported to numpy: 0.28130475131396926
        XCTAssertEqual(Metrics.uqi(Self.patternA, Self.patternB), 0.28130475131396926, accuracy: 1e-10)
    }
}

extension MetricsTests {
    func testFlatArrayOverloadsAgreeWithPlanes() {
        let a = Self.patternA, b = Self.patternB
        XCTAssertEqual(Metrics.mse(a.data, b.data), Metrics.mse(a, b))
        XCTAssertEqual(Metrics.uqi(a.data, b.data, width: 20, height: 17), Metrics.uqi(a, b))
        XCTAssertEqual(Metrics.ssim(a.data, b.data, width: 20, height: 17), Metrics.ssim(a, b))
    }
}
