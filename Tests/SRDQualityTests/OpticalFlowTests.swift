import XCTest
import Foundation
import SRDQuality
import SRDMedia

/// Farneback flow against known motion and against OpenCV, warping, and the consistency mask.
final class OpticalFlowTests: XCTestCase {
    /// A smooth textured 8-bit image, content displaced by (sx, sy) pixels:
    /// v(x, y) = 128 + 50 sin(0.23u + 0.11v) + 35 cos(0.17v - 0.07u) + 20 sin(0.045u + 3.1 sin(0.045v)),
    /// u = x - sx, v = y - sy, rounded half up and clipped to 0...255 (as numpy's
    /// floor(clip(v) + 0.5) in the cross-check script).
    static func synthetic(_ w: Int, _ h: Int, shiftX sx: Double = 0, shiftY sy: Double = 0) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let u = Double(x) - sx, v = Double(y) - sy
                var s = 128 + 50 * sin(0.23 * u + 0.11 * v) + 35 * cos(0.17 * v - 0.07 * u)
                s += 20 * sin(0.05 * u * 0.9 + 0.31 * sin(0.045 * v) * 10)
                out[y * w + x] = Float((min(max(s, 0), 255) + 0.5).rounded(.down))
            }
        }
        return out
    }

    static func image(_ samples255: [Float], _ w: Int, _ h: Int) -> PlanarImage {
        PlanarImage(width: w, height: h, channels: 1, data: samples255.map { $0 / 255 })
    }

    func testRecoversKnownSubpixelShift() {
        let w = 128, h = 96
        let a = Self.image(Self.synthetic(w, h), w, h)
        let b = Self.image(Self.synthetic(w, h, shiftX: 1.5, shiftY: -0.75), w, h)
        let flow = OpticalFlow.farneback(from: a, to: b)
        XCTAssertEqual(flow.width, w)
        XCTAssertEqual(flow.height, h)
        let m = flow.mean(margin: 16)
        XCTAssertEqual(m.dx, 1.5, accuracy: 0.1)
        XCTAssertEqual(m.dy, -0.75, accuracy: 0.1)
        print("mean interior flow", m)
    }

    /// OpenCV 5.0.0 `cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)` on the same
    /// 8-bit images (uint8 input), at a few pixels including corners and an edge.
    func testMatchesOpenCVOnSyntheticShift() {
        let w = 128, h = 96
        let fa = FarnebackFrame(samples255: Self.synthetic(w, h), width: w, height: h)
        let fb = FarnebackFrame(samples255: Self.synthetic(w, h, shiftX: 1.5, shiftY: -0.75), width: w, height: h)
        let f = OpticalFlow.farneback(from: fa, to: fb)
        let expected: [(Int, Int, Float, Float)] = [
            (0, 0, 0.8703440427780151, -0.2910575270652771),
            (10, 20, 1.483870267868042, -0.7396177649497986),
            (48, 64, 1.490073323249817, -0.7431648969650269),
            (95, 127, 0.2945229113101959, -0.2858548164367676),
            (50, 3, 1.3097623586654663, -0.5312600135803223),
        ]
        for (y, x, dx, dy) in expected {
            XCTAssertEqual(f.dx[y * w + x], dx, accuracy: 1e-4, "dx at (\(x), \(y))")
            XCTAssertEqual(f.dy[y * w + x], dy, accuracy: 1e-4, "dy at (\(x), \(y))")
        }
        let m = f.mean()
        XCTAssertEqual(m.dx, 1.4540863, accuracy: 1e-5)
        XCTAssertEqual(m.dy, -0.70597476, accuracy: 1e-5)
    }

    /// Real video frames at an odd size (501 x 333: pyramid sizes round half to even), flow from
    /// frame 1 to frame 0 of ../shared/data/video/foliage on BT.601 Y, against OpenCV 5.0.0 on
    /// the same float Y (measured max difference over the field: 4e-5 px).
    func testMatchesOpenCVOnRealFrames() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/video/foliage")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("00000000.png").path) else {
            throw XCTSkip("../shared/data/video/foliage is absent; the OpenCV cross-check on real frames needs it")
        }
        func y(_ name: String) throws -> [Float] {
            let img = try ImageIO.read(dir.appendingPathComponent(name).path)
            let yp = EvalProtocol.lumaBT601(EvalProtocol.rgbPlanes8(img)).cropped(x: 0, y: 0, width: 501, height: 333)
            return yp.data.map { Float($0) }
        }
        let a = FarnebackFrame(samples255: try y("00000001.png"), width: 501, height: 333)
        let b = FarnebackFrame(samples255: try y("00000000.png"), width: 501, height: 333)
        let f = OpticalFlow.farneback(from: a, to: b)
        let m = f.mean()
        XCTAssertEqual(m.dx, 0.04684475, accuracy: 1e-5)
        XCTAssertEqual(m.dy, -0.96681327, accuracy: 1e-5)
        let expected: [(Int, Int, Float, Float)] = [
            (0, 0, 0.30775568, -0.9028024), (100, 200, 0.22068503, -1.0503731),
            (332, 500, 0.33029497, -0.611897), (200, 17, 0.29761878, -0.9460265),
        ]
        for (yy, xx, dx, dy) in expected {
            XCTAssertEqual(f.dx[yy * 501 + xx], dx, accuracy: 1e-4)
            XCTAssertEqual(f.dy[yy * 501 + xx], dy, accuracy: 1e-4)
        }
    }

    /// Identical frames: no flow inside. Near the last row and column OpenCV's solver samples
    /// frame 1 outside its interpolation range and keeps frame 0's linear term, which leaves a
    /// spurious flow there; we reproduce it (OpenCV 5.0.0: max 0.13913284 px on this image).
    func testIdenticalFramesGiveZeroFlowInside() {
        let w = 64, h = 48
        let a = Self.image(Self.synthetic(w, h), w, h)
        let f = OpticalFlow.farneback(from: a, to: a)
        var inside: Float = 0
        for y in 8..<(h - 8) { for x in 8..<(w - 8) { inside = max(inside, abs(f.dx[y * w + x]), abs(f.dy[y * w + x])) } }
        XCTAssertLessThan(inside, 1e-3)
        let all = max(f.dx.map { abs($0) }.max()!, f.dy.map { abs($0) }.max()!)
        XCTAssertEqual(all, 0.13913284, accuracy: 1e-4)
    }

    /// warp(b, flow) reads b at x + flow: an integer flow is an exact shift, a half-pixel flow
    /// averages neighbours, and coordinates past the edge clamp.
    func testWarpIsBilinearBackwardSampling() {
        let img = PlanarImage(width: 4, height: 2, channels: 1, data: [0, 1, 2, 3, 10, 11, 12, 13])
        var f = FlowField(width: 4, height: 2)
        for i in 0..<8 { f.dx[i] = 1 }
        XCTAssertEqual(OpticalFlow.warp(img, by: f).data, [1, 2, 3, 3, 11, 12, 13, 13])
        for i in 0..<8 { f.dx[i] = 0.5; f.dy[i] = 0.5 }
        XCTAssertEqual(OpticalFlow.warp(img, by: f).data, [5.5, 6.5, 7.5, 8, 10.5, 11.5, 12.5, 13])
        // warping b back with the estimated flow recovers a in the interior
        let w = 128, h = 96
        let a = Self.image(Self.synthetic(w, h), w, h)
        let b = Self.image(Self.synthetic(w, h, shiftX: 1.5, shiftY: -0.75), w, h)
        let warped = OpticalFlow.warp(b, by: OpticalFlow.farneback(from: a, to: b))
        var err = 0.0, n = 0
        for y in 16..<(h - 16) { for x in 16..<(w - 16) { err += abs(Double(warped[0, y, x] - a[0, y, x])) * 255; n += 1 } }
        XCTAssertLessThan(err / Double(n), 1.5, "mean abs error after warping, 0...255")
    }

    func testConsistencyMask() {
        let w = 10, h = 8
        let fwd = FlowField(width: w, height: h, dx: [Float](repeating: 1.5, count: w * h), dy: [Float](repeating: -0.75, count: w * h))
        let back = FlowField(width: w, height: h, dx: [Float](repeating: -1.5, count: w * h), dy: [Float](repeating: 0.75, count: w * h))
        let mask = OpticalFlow.consistencyMask(forward: fwd, backward: back)
        // kept: x + 1.5 <= 9 (x <= 7) and y - 0.75 >= 0 (y >= 1)
        for y in 0..<h { for x in 0..<w { XCTAssertEqual(mask[y * w + x], x <= 7 && y >= 1, "(\(x), \(y))") } }
        // a zero backward flow disagrees by |(1.5, -0.75)| = 1.68 px > 1: everything is occluded
        XCTAssertFalse(OpticalFlow.consistencyMask(forward: fwd, backward: FlowField(width: w, height: h)).contains(true))
        // ... but passes a 2 px threshold
        XCTAssertTrue(OpticalFlow.consistencyMask(forward: fwd, backward: FlowField(width: w, height: h), threshold: 2)[1 * w + 1])
    }
}
