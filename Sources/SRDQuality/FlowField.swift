import Foundation

/// A dense motion field: for every pixel (x, y) of the frame it was computed for, the
/// displacement (dx, dy) in pixels to the matching point in the other frame.
///
/// Convention (OpenCV's): `OpticalFlow.farneback(from: a, to: b)` gives `f` with
/// a(x, y) ~ b(x + dx, y + dy), so `OpticalFlow.warp(b, by: f)` approximates `a`.
public struct FlowField: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Horizontal displacement, row-major (height, width).
    public var dx: [Float]
    /// Vertical displacement, row-major (height, width).
    public var dy: [Float]

    /// A zero field.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height,
                  dx: [Float](repeating: 0, count: width * height), dy: [Float](repeating: 0, count: width * height))
    }

    public init(width: Int, height: Int, dx: [Float], dy: [Float]) {
        precondition(dx.count == width * height && dy.count == width * height, "flow size mismatch")
        self.width = width
        self.height = height
        self.dx = dx
        self.dy = dy
    }

    /// The mean displacement over the pixels at least `margin` pixels away from every edge.
    public func mean(margin: Int = 0) -> (dx: Double, dy: Double) {
        var sx = 0.0, sy = 0.0, n = 0
        for y in margin..<max(height - margin, margin) {
            for x in margin..<max(width - margin, margin) {
                sx += Double(dx[y * width + x])
                sy += Double(dy[y * width + x])
                n += 1
            }
        }
        return n == 0 ? (.nan, .nan) : (sx / Double(n), sy / Double(n))
    }

    /// Bilinear sample at a real position, edges replicated.
    public func sample(x: Double, y: Double) -> (dx: Double, dy: Double) {
        (bilinearSample(dx, width, height, x, y), bilinearSample(dy, width, height, x, y))
    }

    /// Mean end-point distance |f - g| over all pixels (the L2 norm per pixel, then the mean):
    /// TecoGAN's tOF for one frame pair.
    public func meanEndpointDistance(to other: FlowField) -> Double {
        precondition(width == other.width && height == other.height, "flow sizes differ")
        var s = 0.0
        for i in 0..<dx.count {
            let a = Double(dx[i] - other.dx[i]), b = Double(dy[i] - other.dy[i])
            s += (a * a + b * b).squareRoot()
        }
        return dx.isEmpty ? .nan : s / Double(dx.count)
    }
}

/// Bilinear interpolation of a row-major plane at (x, y); coordinates outside are clamped to
/// the edge (replicate border).
@inline(__always)
public func bilinearSample(_ p: [Float], _ w: Int, _ h: Int, _ x: Double, _ y: Double) -> Double {
    let cx = min(max(x, 0), Double(w - 1)), cy = min(max(y, 0), Double(h - 1))
    let x0 = Int(cx), y0 = Int(cy)
    let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
    let fx = cx - Double(x0), fy = cy - Double(y0)
    let top = Double(p[y0 * w + x0]) * (1 - fx) + Double(p[y0 * w + x1]) * fx
    let bottom = Double(p[y1 * w + x0]) * (1 - fx) + Double(p[y1 * w + x1]) * fx
    return top * (1 - fy) + bottom * fy
}
