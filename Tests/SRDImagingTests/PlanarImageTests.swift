import XCTest
import SRDImaging

final class PlanarImageTests: XCTestCase {
    func testCropAndStack() {
        var img = PlanarImage(width: 4, height: 3, channels: 2)
        for i in 0..<img.data.count { img.data[i] = Float(i) }
        let crop = img.cropped(x: 1, y: 1, width: 2, height: 2)
        XCTAssertEqual(crop.data, [5, 6, 9, 10, 17, 18, 21, 22])
        let stacked = PlanarImage.stacking([img.plane(1), img.plane(0)])
        XCTAssertEqual(stacked[0, 0, 0], 12)
        XCTAssertEqual(stacked[1, 2, 3], 11)
    }
}
