import Foundation

extension SyntheticClip {
    /// 75% colour bars, left to right, in RGB.
    public static let colourBarValues: [[Float]] = [
        [0.75, 0.75, 0.75], [0.75, 0.75, 0], [0, 0.75, 0.75], [0, 0.75, 0],
        [0.75, 0, 0.75], [0.75, 0, 0], [0, 0, 0.75], [0, 0, 0],
    ]

    /// Frame `index` of a pattern as planar RGB.
    public static func render(frame index: Int, pattern: Pattern, width: Int, height: Int) -> PlanarImage {
        var image = PlanarImage(width: width, height: height, channels: 3)
        switch pattern {
        case .detail: drawDetail(frame: index, into: &image)
        case .colourBars:
            for x in 0..<width {
                let bar = colourBarValues[x * colourBarValues.count / width]
                for y in 0..<height { for c in 0..<3 { image[c, y, x] = bar[c] } }
            }
        case .gradient:
            for x in 0..<width {
                let v = width > 1 ? Float(x) / Float(width - 1) : 0
                for y in 0..<height { for c in 0..<3 { image[c, y, x] = v } }
            }
        }
        let label = "FRAME \(String(format: "%04d", index))"
        let scale = max(1, height / 120)
        let (tw, th) = BitmapFont.size(of: label, scale: scale)
        for y in 0..<min(height, th + 2 * scale) {
            for x in 0..<min(width, tw + 2 * scale) { for c in 0..<3 { image[c, y, x] = 0 } }
        }
        BitmapFont.draw(label, x: scale, y: scale, scale: scale, color: [1, 1, 1], into: &image)
        return image
    }

    /// A zone plate drifting in phase (frequencies up to Nyquist at the edge), a band of 1- and
    /// 2-pixel stripes at the bottom, and a square crossing the frame.
    private static func drawDetail(frame index: Int, into image: inout PlanarImage) {
        let w = image.width, h = image.height
        let cx = Double(w) / 2, cy = Double(h) / 2
        let radius = max(cx, cy)
        let drift = Double(index) * 0.35
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let phase = Double.pi * (dx * dx + dy * dy) / (2 * radius) + drift
                image[0, y, x] = Float(0.5 + 0.4 * cos(phase))
                image[1, y, x] = Float(0.5 + 0.4 * cos(phase + 2.1))
                image[2, y, x] = Float(x) / Float(max(1, w - 1))
            }
        }
        let band = max(2, h / 8)
        for y in (h - band)..<h {
            for x in 0..<w {
                let on = x < w / 2 ? (x % 2 == 0) : ((x / 2) % 2 == 0)
                for c in 0..<3 { image[c, y, x] = on ? 0.9 : 0.1 }
            }
        }
        let side = max(4, h / 6)
        let travel = max(1, w - side)
        let x0 = (index * max(1, w / 40)) % travel
        let y0 = (h - side) / 2
        for y in y0..<min(h, y0 + side) {
            for x in x0..<min(w, x0 + side) {
                image[0, y, x] = 1; image[1, y, x] = 0.55; image[2, y, x] = 0.1
            }
        }
    }
}
