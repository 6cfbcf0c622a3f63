import CFFmpeg
import Foundation
@testable import SRDMedia
import SRDTesting
import XCTest

/// Frames packed by a worker (`FramePacker`, swscale in slices) must be the pixels the writer's
/// own conversion makes, so a job's output does not depend on where the conversion ran.
final class FramePackerTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    /// Float RGB with detail in every row and column, overshoot and a NaN (clamped to 0).
    private func testImage(width: Int, height: Int) -> PlanarImage {
        var image = PlanarImage(width: width, height: height, channels: 3)
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            image[c, y, x] = 0.5 + 0.55 * sinf(Float(x * (c + 1)) * 0.37 + Float(y) * 0.21 * Float(3 - c))
        } } }
        image[0, 7, 9] = .nan
        return image
    }

    /// The visible samples of the three planes, row by row (not the padding after each row).
    private func frameBytes(_ frame: UnsafeMutablePointer<AVFrame>, format: PixelFormatInfo, width: Int, height: Int) -> [[UInt8]] {
        let bytesPerSample = format.bitDepth > 8 ? 2 : 1
        let lines = [frame.pointee.linesize.0, frame.pointee.linesize.1, frame.pointee.linesize.2]
        let data = [frame.pointee.data.0, frame.pointee.data.1, frame.pointee.data.2]
        return (0..<3).map { p in
            let xs = p == 0 ? 0 : format.log2ChromaW, ys = p == 0 ? 0 : format.log2ChromaH
            let rows = (height + (1 << ys) - 1) >> ys, rowBytes = ((width + (1 << xs) - 1) >> xs) * bytesPerSample
            var out: [UInt8] = []
            for r in 0..<rows { out += UnsafeBufferPointer(start: data[p]! + r * Int(lines[p]), count: rowBytes) }
            return out
        }
    }

    func testSlicedConversionEqualsWholeFrame() throws {
        let (w, h) = (96, 70)
        let image = testImage(width: w, height: h)
        for name in ["yuv420p", "yuv420p10le", "yuv444p"] {
            let format = try XCTUnwrap(PixelFormatInfo(name: name))
            let spec = ColorSpec.output(format: format, source: .source(format: nil, matrix: 2, range: 0, height: h), outputHeight: h)
            var outputs: [[[UInt8]]] = []
            for rows in [h, 32, 6] {
                let converter = try RGBToFrameConverter(width: w, height: h, format: format, spec: spec, sliceRows: rows)
                let packer = FramePacker(converter: converter)
                let packed = try packer.pack(image)
                outputs.append(frameBytes(packed.frame, format: format, width: w, height: h))
            }
            XCTAssertEqual(outputs[1], outputs[0], "\(name): 32-row slices differ from one call")
            XCTAssertEqual(outputs[2], outputs[0], "\(name): 6-row slices differ from one call")
            XCTAssertGreaterThan(Set(outputs[0][0]).count, 50, "\(name): the test image has detail")
        }
    }

    /// The same clip written through `write(frame:)` with worker-made packed frames and through
    /// `write(image:)` decodes to the same pixels (lossless x264, so the comparison is exact).
    func testPackedFramesEncodeLikeImages() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 6 }
        let settings = EncodeSettings(crf: 0, preset: "veryfast")
        try transcode(input, to: dir.file("images.mkv"), settings: settings)

        let reader = try MediaReader(path: input)
        let writer = try MediaWriter(path: dir.file("packed.mkv"), reader: reader, width: reader.video.width,
                                     height: reader.video.height, settings: settings)
        let packer = try writer.makePacker()
        while let item = try reader.next() {
            switch item {
            case .frame(let f): try writer.write(frame: try packer.pack(f.image), pts: f.pts, duration: f.duration)
            case .packet(let p): try writer.write(packet: p)
            }
        }
        try writer.finish()
        let a = try readFrames(dir.file("images.mkv")), b = try readFrames(dir.file("packed.mkv"))
        XCTAssertEqual(a.count, 6)
        XCTAssertEqual(a.map(\.pts), b.map(\.pts))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.image, y.image) }
    }
}
