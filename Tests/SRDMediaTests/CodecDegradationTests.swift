import Foundation
import SRDImaging
import SRDMedia
import XCTest

final class CodecDegradationTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    /// A picture with edges, texture and gradients (what a codec has to spend bits on).
    private func picture(width: Int = 97, height: Int = 63) -> PlanarImage {
        var img = PlanarImage(width: width, height: height, channels: 3)
        var rng = SplitMix64(seed: 3)
        for y in 0..<height { for x in 0..<width {
            let noise = Float(rng.next() % 1000) / 1000 * 0.2
            let edge: Float = (x / 12 + y / 9) % 2 == 0 ? 0.7 : 0.2
            img[0, y, x] = edge + noise; img[1, y, x] = Float(x) / Float(width) * 0.8 + noise; img[2, y, x] = 0.5 - noise
        } }
        return img
    }

    /// Y-PSNR (BT.601 luma of the clamped pictures): 4:2:0 chroma loss is the same at every CRF.
    private func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
        func clamp(_ p: PlanarImage) -> PlanarImage { PlanarImage(width: p.width, height: p.height, channels: 3, data: p.data.map { min(max($0, 0), 1) }) }
        let ya = clamp(a).luma(.bt601), yb = clamp(b).luma(.bt601)
        var s = 0.0
        for i in 0..<ya.data.count { let d = Double(ya.data[i] - yb.data[i]); s += d * d }
        return 10 * log10(1 / (s / Double(ya.data.count)))
    }

    /// The encoder really runs: as the CRF rises the compressed size and the PSNR of the
    /// round-tripped picture both fall, for libx264 and libx265.
    func testBitrateAndPSNRFallAsCRFRises() throws {
        let image = picture()
        for codec in ["libx264", "libx265"] {
            let d = CodecDegradation(codec: codec, crf: 18...35)
            let results = try [18.0, 28, 38, 48].map { try d.roundTrip(image, crf: $0) }
            for r in results { XCTAssertEqual([r.image.width, r.image.height], [97, 63], codec) }
            let bytes = results.map(\.bytes), quality = results.map { psnr($0.image, image) }
            for i in 1..<results.count {
                XCTAssertLessThan(bytes[i], bytes[i - 1], "\(codec) bytes \(bytes)")
                XCTAssertLessThan(quality[i], quality[i - 1], "\(codec) PSNR \(quality)")
            }
            XCTAssertGreaterThan(quality[0], 30, "\(codec) at CRF 18 is close to the picture")
            XCTAssertLessThan(quality[3], quality[0] - 5, "\(codec) at CRF 48 is visibly damaged")
        }
    }

    func testParsingAndSeededCRF() throws {
        let d = try CodecDegradation(parsing: "libx264:crf=18-35")
        XCTAssertEqual(d.codec, "libx264")
        XCTAssertEqual(d.crf, 18...35)
        XCTAssertEqual(try CodecDegradation(parsing: "libx265:crf=28").crf, 28...28)
        for bad in ["libx264", "libx264:crf=35-18", "libx264:crf=60", ":crf=20", "libx264:q=3"] {
            XCTAssertThrowsError(try CodecDegradation(parsing: bad), bad)
        }
        let crfs = (0..<200).map { d.crf(seed: UInt64($0)) }
        XCTAssertTrue(crfs.allSatisfy { (18...35).contains($0) })
        XCTAssertEqual(d.crf(seed: 7), d.crf(seed: 7))
        XCTAssertGreaterThan(Set(crfs.map { Int($0) }).count, 12, "spread over the range")
    }
}
