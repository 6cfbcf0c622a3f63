import Foundation

extension OpticalFlow {
    /// Backward warping: out(x, y) = image(x + dx, y + dy), bilinear, coordinates outside the
    /// image clamped to the edge. With `flow = farneback(from: a, to: b)`, `warp(b, by: flow)`
    /// approximates `a`. Works on any number of planes.
    public static func warp(_ image: PlanarImage, by flow: FlowField) -> PlanarImage {
        precondition(image.width == flow.width && image.height == flow.height, "flow and image sizes differ")
        let w = image.width, h = image.height, n = w * h
        var out = PlanarImage(width: w, height: h, channels: image.channels)
        image.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let i = y * w + x
                        let sx = min(max(Double(x) + Double(flow.dx[i]), 0), Double(w - 1))
                        let sy = min(max(Double(y) + Double(flow.dy[i]), 0), Double(h - 1))
                        let x0 = Int(sx), y0 = Int(sy)
                        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                        let fx = sx - Double(x0), fy = sy - Double(y0)
                        for c in 0..<image.channels {
                            let o = c * n
                            let top = Double(src[o + y0 * w + x0]) * (1 - fx) + Double(src[o + y0 * w + x1]) * fx
                            let bot = Double(src[o + y1 * w + x0]) * (1 - fx) + Double(src[o + y1 * w + x1]) * fx
                            dst[o + i] = Float(top * (1 - fy) + bot * fy)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Forward-backward consistency: `true` where a pixel's motion is trusted.
    ///
    /// A pixel x of the first frame maps to x' = x + forward(x); it is kept when x' lies inside
    /// the image and the backward flow there brings it back to within `threshold` pixels
    /// (|forward(x) + backward(x')| <= threshold, backward sampled bilinearly). Everything else
    /// is an occlusion (or left the frame) and is left out of warp errors.
    /// - Parameters:
    ///   - forward: flow from frame A to frame B (`farneback(from: A, to: B)`).
    ///   - backward: flow from B to A.
    public static func consistencyMask(forward: FlowField, backward: FlowField, threshold: Double = 1) -> [Bool] {
        precondition(forward.width == backward.width && forward.height == backward.height, "flow sizes differ")
        let w = forward.width, h = forward.height
        var mask = [Bool](repeating: false, count: w * h)
        let t2 = threshold * threshold
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let fx = Double(forward.dx[i]), fy = Double(forward.dy[i])
                let px = Double(x) + fx, py = Double(y) + fy
                guard px >= 0, py >= 0, px <= Double(w - 1), py <= Double(h - 1) else { continue }
                let bx = bilinearSample(backward.dx, w, h, px, py), by = bilinearSample(backward.dy, w, h, px, py)
                let ex = fx + bx, ey = fy + by
                mask[i] = ex * ex + ey * ey <= t2
            }
        }
        return mask
    }
}
