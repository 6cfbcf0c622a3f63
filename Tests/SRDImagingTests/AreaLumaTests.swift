import SRDImaging
import XCTest

final class AreaLumaTests: XCTestCase {
    private func image(_ w: Int, _ h: Int) -> PlanarImage {
        var img = PlanarImage(width: w, height: h, channels: 3)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w {
            img[c, y, x] = Float((x * 7 + y * 13 + c * 29) % 101) / 97 - 0.02  // some below 0, some above 1
        } } }
        return img
    }

    /// One-pixel cells: the quantised luma of every pixel, as quantized8().luma() computes it.
    func testUnitCellsAreQuantisedLuma() {
        let img = image(23, 17)
        let fused = img.areaLuma(.bt601, width: 23, height: 17, quantize8: true)
        let reference = img.quantized8().luma(.bt601)
        for i in 0..<fused.data.count { XCTAssertEqual(fused.data[i], reference.data[i], accuracy: 1e-6) }
    }

    /// Each cell is the mean luma of the input pixels inside it (integer bounds, uneven sizes).
    func testCellsAverageTheirBlock() {
        let img = image(31, 20)
        let (w, h) = (7, 6)
        let out = img.areaLuma(.jpeg, width: w, height: h, quantize8: false)
        let luma = img.luma(.jpeg)
        for oy in 0..<h {
            for ox in 0..<w {
                var sum = 0.0, n = 0.0
                for y in (oy * 20 / h)..<((oy + 1) * 20 / h) {
                    for x in (ox * 31 / w)..<((ox + 1) * 31 / w) { sum += Double(luma[0, y, x]); n += 1 }
                }
                XCTAssertEqual(Double(out[0, oy, ox]), sum / n, accuracy: 1e-5, "cell \(ox),\(oy)")
            }
        }
    }

    /// `rgb(y:chroma:)` inverts `ycbcr` (what a Y model's output goes through).
    func testRGBFromSeparatePlanesInvertsYCbCr() {
        let rgb = image(12, 9)
        let ycc = rgb.ycbcr(.bt601)
        let chroma = PlanarImage(width: 12, height: 9, channels: 2, data: Array(ycc.data[ycc.planeSize...]))
        let back = PlanarImage.rgb(y: ycc.plane(0), chroma: chroma, formula: .bt601)
        for i in 0..<rgb.data.count { XCTAssertEqual(back.data[i], rgb.data[i], accuracy: 2e-6) }
    }
}
