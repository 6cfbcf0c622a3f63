import Foundation
import SRDImaging
import SRDMedia
import XCTest

/// The JPEG round trip used as a training degradation, against Pillow 13 / libjpeg-turbo
/// (`Image.save(..., "JPEG", quality=q)` then decode, default 4:2:0) on a real image, and its
/// properties on a synthetic one.
final class JPEGArtifactsTests: XCTestCase {
    private func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
        let mse = zip(a.data, b.data).reduce(0.0) { $0 + Double(($1.0 - $1.1) * 255 * ($1.0 - $1.1) * 255) } / Double(a.data.count)
        return 10 * log10(255 * 255 / mse)
    }

    /// Smooth gradients with a sharp-edged brighter square: blocking and ringing have somewhere to show.
    private func synthetic(_ w: Int = 64, _ h: Int = 48) -> PlanarImage {
        var img = PlanarImage(width: w, height: h, channels: 3)
        for y in 0..<h {
            for x in 0..<w {
                let edge: Float = (x > 20 && x < 44 && y > 12 && y < 36) ? 0.3 : 0
                // The edge is in luma (all channels alike), so 4:2:0 chroma costs little.
                img[0, y, x] = (0.2 + Float(x) / Float(w) * 0.4 + edge).rounded8
                img[1, y, x] = (0.2 + Float(y) / Float(h) * 0.4 + edge).rounded8
                img[2, y, x] = (0.3 + edge).rounded8
            }
        }
        return img
    }

    /// T91 t1.png (197 x 176: partial blocks on both axes). RGB PSNR of the round trip against
    /// the original, as Pillow measures it (numbers from the script in the comment below), and
    /// Pillow's decoded pixels at a few places including the corners (within 3 levels: libjpeg's
    /// integer DCT and rounding differ from ours by a level here and there).
    ///     im.save(b, "JPEG", quality=q); d = Image.open(b); 10*log10(255^2/mean((a-d)^2))
    func testMatchesPillowOnARealImage() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/train/T91/t1.png").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("../shared/data/train/T91 is absent; the Pillow cross-check needs t1.png")
        }
        let img = try ImageIO.read(path)
        let pillow: [(Int, Double)] = [(10, 26.3736), (30, 30.0482), (50, 31.5451), (75, 33.5089), (95, 39.3804)]
        for (q, expected) in pillow {
            XCTAssertEqual(psnr(JPEGArtifacts.roundTrip(img, quality: q), img), expected, accuracy: 0.1, "quality \(q)")
        }
        let q30 = JPEGArtifacts.roundTrip(img, quality: 30)
        let pixels: [(Int, Int, [Float])] = [
            (0, 0, [130, 51, 142]), (50, 100, [205, 181, 169]), (175, 196, [216, 167, 212]),
            (120, 33, [62, 41, 82]), (7, 8, [118, 39, 130]),
        ]
        for (y, x, rgb) in pixels {
            for c in 0..<3 { XCTAssertEqual(q30[c, y, x] * 255, rgb[c], accuracy: 3, "pixel (\(x), \(y)) channel \(c)") }
        }
    }

    func testQualityOrdersTheDamageAndStaysOnThe8BitGrid() {
        let img = synthetic()
        let scores = [5, 20, 50, 90, 100].map { psnr(JPEGArtifacts.roundTrip(img, quality: $0), img) }
        XCTAssertEqual(scores, scores.sorted(), "higher quality, less damage: \(scores)")
        XCTAssertLessThan(scores[0], 32, "quality 5 must visibly damage the image")
        XCTAssertGreaterThan(scores[4], 38, "quality 100 is nearly lossless (4:2:0 chroma remains)")
        let out = JPEGArtifacts.roundTrip(img, quality: 20)
        XCTAssertEqual([out.width, out.height, out.channels], [64, 48, 3])
        XCTAssertTrue(out.data.allSatisfy { ($0 * 255 - ($0 * 255).rounded()).magnitude < 1e-3 && $0 >= 0 && $0 <= 1 })
    }

    /// Blocking: at low quality the jumps across 8x8 block borders exceed those inside blocks
    /// on the smooth gradient.
    func testLowQualityProducesBlockBoundaries() {
        var img = PlanarImage(width: 64, height: 64, channels: 3)
        for y in 0..<64 { for x in 0..<64 { for c in 0..<3 { img[c, y, x] = (Float(x + y) / 128 * 0.9).rounded8 } } }
        let out = JPEGArtifacts.roundTrip(img, quality: 5)
        var across = 0.0, inside = 0.0, nA = 0, nI = 0
        for y in 0..<64 {
            for x in 0..<63 {
                let d = Double(abs(out[0, y, x + 1] - out[0, y, x]) - abs(img[0, y, x + 1] - img[0, y, x])).magnitude
                if x % 8 == 7 { across += d; nA += 1 } else { inside += d; nI += 1 }
            }
        }
        XCTAssertGreaterThan(across / Double(nA), 2 * inside / Double(nI))
    }

    func testDegradationAppliesJPEGLast() {
        var hr = PlanarImage(width: 64, height: 64, channels: 3)
        for y in 0..<64 { for x in 0..<64 { for c in 0..<3 { hr[c, y, x] = (Float((x * 7 + y * 3 + c * 11) % 64) / 64).rounded8 } } }
        let plain = Degradation.bicubic.apply(to: hr, scale: 2)
        let jpeg = Degradation(jpegQuality: 30).apply(to: hr, scale: 2)
        XCTAssertEqual(jpeg, JPEGArtifacts.roundTrip(plain, quality: 30))
        XCTAssertNotEqual(jpeg, plain)
        XCTAssertEqual(Degradation(jpegQuality: 30).summary(scale: 2), "MATLAB bicubic x1/2 antialiased, 8-bit, jpeg q30")
    }
}

private extension Float {
    var rounded8: Float { (self * 255).rounded() / 255 }
}
