import XCTest
import Foundation
import CFFmpeg
@testable import SRDMedia

/// ImageIO: exact value/255 unpacking of the common PNG layouts, PNG round trips, errors that
/// name the file, and the shared benchmark images read as Pillow reads them.
final class ImageIOTests: XCTestCase {
    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("srd-imageio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    private func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    /// Writes packed bytes as a PNG in `format` with the internal encoder, then reads it back.
    private func roundTrip(_ packed: [UInt8], _ w: Int, _ h: Int, _ format: AVPixelFormat,
                           palette: [UInt32]? = nil, name: String) throws -> PlanarImage {
        let p = path(name)
        let bytes = try ImageIO.encodePNG(packed: packed, width: w, height: h, format: format, palette: palette, path: p)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return try ImageIO.read(p)
    }

    func testRGB24IsExactlyValueOver255() throws {
        let w = 16, h = 16
        var packed = [UInt8]()
        for i in 0..<(w * h) { packed += [UInt8(i % 256), UInt8((i * 7) % 256), UInt8(255 - i % 256)] }
        let img = try roundTrip(packed, w, h, AV_PIX_FMT_RGB24, name: "rgb.png")
        XCTAssertEqual(img.channels, 3)
        XCTAssertEqual(img.width, w)
        XCTAssertEqual(img.height, h)
        for i in 0..<(w * h) {
            for c in 0..<3 { XCTAssertEqual(img.data[c * w * h + i], Float(packed[i * 3 + c]) / 255) }
        }
    }

    func testGray8BecomesThreeEqualPlanes() throws {
        let w = 256, h = 2
        let packed = (0..<(w * h)).map { UInt8($0 % 256) }
        let img = try roundTrip(packed, w, h, AV_PIX_FMT_GRAY8, name: "gray.png")
        XCTAssertEqual(img.channels, 3)
        for i in 0..<(w * h) {
            for c in 0..<3 { XCTAssertEqual(img.data[c * w * h + i], Float(packed[i]) / 255) }
        }
    }

    func testRGBADropsAlpha() throws {
        let packed: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 255, 0, 1, 255]
        let img = try roundTrip(packed, 3, 1, AV_PIX_FMT_RGBA, name: "rgba.png")
        XCTAssertEqual(img.channels, 3)
        XCTAssertEqual(img.data, [10, 40, 255, 20, 50, 0, 30, 60, 1].map { Float($0) / 255 })
    }

    func testPaletteIsExpanded() throws {
        var palette = [UInt32](repeating: 0, count: 256)
        palette[0] = 0xFF_0A_14_1E   // A R G B
        palette[1] = 0xFF_FF_80_00
        palette[7] = 0xFF_01_02_03
        let img = try roundTrip([0, 1, 7, 1], 2, 2, AV_PIX_FMT_PAL8, palette: palette, name: "pal.png")
        XCTAssertEqual(img.channels, 3)
        XCTAssertEqual(img.data, [0x0A, 0xFF, 0x01, 0xFF, 0x14, 0x80, 0x02, 0x80, 0x1E, 0x00, 0x03, 0x00].map { Float($0) / 255 })
    }

    func testSixteenBitIsValueOver65535() throws {
        // gray16be: 2 pixels, 0x1234 and 0xFFFF
        let img = try roundTrip([0x12, 0x34, 0xFF, 0xFF], 2, 1, AV_PIX_FMT_GRAY16BE, name: "g16.png")
        XCTAssertEqual(img.data, [0x1234, 0xFFFF, 0x1234, 0xFFFF, 0x1234, 0xFFFF].map { Float($0) / 65535 })
        let rgb = try roundTrip([0x00, 0x01, 0x80, 0x00, 0xFF, 0xFE], 1, 1, AV_PIX_FMT_RGB48BE, name: "rgb48.png")
        XCTAssertEqual(rgb.data, [0x0001, 0x8000, 0xFFFE].map { Float($0) / 65535 })
    }

    /// A layout not unpacked by hand (yuv444p) goes through swscale and still decodes.
    func testOtherLayoutsGoThroughSwscale() throws {
        // BMP of a yuv frame is not possible, so encode grey as monob (1-bit) PNG: swscale path.
        let img = try roundTrip([0b1010_0000], 4, 1, AV_PIX_FMT_MONOBLACK, name: "mono.png")
        XCTAssertEqual(img.channels, 3)
        XCTAssertEqual(img.plane(0).data, [1, 0, 1, 0])
        XCTAssertEqual(img.plane(2).data, [1, 0, 1, 0])
    }

    /// writePNG clamps to 0...1 and rounds half away from zero; reading gives the quantised image back.
    func testWritePNGQuantisesAndRoundTrips() throws {
        let values: [Float] = [-0.2, 0, 0.5 / 255, 1.5 / 255, 127.5 / 255, 0.999, 1, 1.7, .nan]
        let img = PlanarImage(width: 3, height: 1, channels: 3, data: values)
        let p = path("q.png")
        try ImageIO.writePNG(img, to: p)
        let back = try ImageIO.read(p)
        // planes: R = [-0.2, 0, 0.5], G = [1.5, 127.5, 254.745], B = [255, 433.5, NaN] (in /255 units)
        let expected: [UInt8] = [0, 0, 1, 2, 128, 255, 255, 255, 0]
        XCTAssertEqual(back.data, expected.map { Float($0) / 255 })

        // one plane is stored as gray8 and read back as three equal planes
        let g = PlanarImage(width: 2, height: 1, channels: 1, data: [0.25, 0.75])
        try ImageIO.writePNG(g, to: path("g.png"))
        let gb = try ImageIO.read(path("g.png"))
        XCTAssertEqual(gb.data, [64, 191, 64, 191, 64, 191].map { Float($0) / 255 })
    }

    func testErrorsNameTheFileAndCause() {
        let missing = path("does-not-exist.png")
        XCTAssertThrowsError(try ImageIO.read(missing)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(missing), text)
            XCTAssertTrue(text.contains("No such file"), text)
            XCTAssertEqual((error as? MediaError)?.libavCode, srd_averror(ENOENT))
            XCTAssertEqual((error as? MediaError)?.kind, .openFailed)
        }
        let garbage = path("garbage.png")
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a png at all".utf8))
        XCTAssertThrowsError(try ImageIO.read(garbage)) { error in
            XCTAssertTrue(String(describing: error).contains(garbage))
        }
        let four = PlanarImage(width: 1, height: 1, channels: 4)
        XCTAssertThrowsError(try ImageIO.writePNG(four, to: path("four.png"))) { error in
            XCTAssertTrue(String(describing: error).contains("4 channels"))
        }
        XCTAssertThrowsError(try ImageIO.writePNG(PlanarImage(width: 1, height: 1, channels: 3), to: "/nonexistent-dir/x.png")) { error in
            XCTAssertTrue(String(describing: error).contains("/nonexistent-dir/x.png"))
        }
    }

    // MARK: - shared benchmark images (values from Pillow: np.asarray(Image.open(path)))

    private var bench: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/bench")
    }

    func testBenchImagesMatchPillow() throws {
        let baby = bench.appendingPathComponent("Set5/baby.png").path
        guard FileManager.default.fileExists(atPath: baby) else {
            throw XCTSkip("../shared/data/bench is absent; cannot check benchmark decoding")
        }
        let img = try ImageIO.read(baby)
        XCTAssertEqual(img.width, 512)
        XCTAssertEqual(img.height, 512)
        func px(_ y: Int, _ x: Int) -> [Int] { (0..<3).map { Int((img[$0, y, x] * 255).rounded()) } }
        XCTAssertEqual(px(0, 0), [252, 254, 251])
        XCTAssertEqual(px(100, 200), [228, 165, 128])
        XCTAssertEqual(px(511, 511), [65, 74, 57])
        let n = img.planeSize
        let sums = (0..<3).map { c in (0..<n).reduce(0) { $0 + Int((img.data[c * n + $1] * 255).rounded()) } }
        XCTAssertEqual(sums, [43745786, 35190388, 28696120])
        for v in img.data.prefix(1000) { XCTAssertEqual(v, Float(Int((v * 255).rounded())) / 255) }

        // bridge is a grey PNG
        let bridge = try ImageIO.read(bench.appendingPathComponent("Set14/bridge.png").path)
        XCTAssertEqual(bridge.channels, 3)
        XCTAssertEqual(bridge.plane(0), bridge.plane(1))
        XCTAssertEqual(bridge.plane(0), bridge.plane(2))
        XCTAssertEqual(bridge[0, 0, 0], Float(93) / 255)
        XCTAssertEqual(bridge[0, 10, 20], Float(146) / 255)
        let total = bridge.data.prefix(bridge.planeSize).reduce(0) { $0 + Int(($1 * 255).rounded()) }
        XCTAssertEqual(total, 29832382)
    }
}
