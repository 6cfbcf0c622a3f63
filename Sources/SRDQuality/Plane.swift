/// One channel of float64 samples, the unit every metric works on.
///
/// Metrics take planes on the 0...255 scale (what the evaluation protocol and the published
/// tables use: PSNR's peak is 255, SSIM's C1/C2 are derived from it). `PlanarImage` keeps
/// 0...1 Float samples; `Plane(_:channel:scale:)` converts. Layout: `data[y * width + x]`.
public struct Plane: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// (height, width), row-major.
    public var data: [Double]

    /// Wraps samples; `data.count` must be `width * height`.
    public init(width: Int, height: Int, data: [Double]) {
        precondition(width >= 0 && height >= 0 && data.count == width * height,
                     "Plane: \(data.count) samples for \(height)x\(width)")
        self.width = width
        self.height = height
        self.data = data
    }

    /// A plane filled with `value`.
    public init(width: Int, height: Int, value: Double = 0) {
        self.init(width: width, height: height, data: [Double](repeating: value, count: width * height))
    }

    /// One channel of an image, multiplied by `scale` (255 turns 0...1 samples into 0...255).
    public init(_ image: PlanarImage, channel: Int = 0, scale: Double = 255) {
        precondition(channel >= 0 && channel < image.channels, "channel \(channel) of \(image.channels)")
        let n = image.planeSize
        let start = channel * n
        var d = [Double](repeating: 0, count: n)
        image.data.withUnsafeBufferPointer { src in
            for i in 0..<n { d[i] = Double(src[start + i]) * scale }
        }
        self.init(width: image.width, height: image.height, data: d)
    }

    @inlinable public subscript(y: Int, x: Int) -> Double {
        get { data[y * width + x] }
        set { data[y * width + x] = newValue }
    }

    /// The plane without `border` samples on every side (the protocol's shave).
    public func shaved(_ border: Int) -> Plane {
        if border <= 0 { return self }
        return cropped(x: border, y: border, width: max(width - 2 * border, 0), height: max(height - 2 * border, 0))
    }

    /// The rectangle (x, y, width, height).
    public func cropped(x: Int, y: Int, width cw: Int, height ch: Int) -> Plane {
        precondition(x >= 0 && y >= 0 && x + cw <= width && y + ch <= height, "crop out of bounds")
        var out = [Double](repeating: 0, count: cw * ch)
        for r in 0..<ch {
            for i in 0..<cw { out[r * cw + i] = data[(y + r) * width + x + i] }
        }
        return Plane(width: cw, height: ch, data: out)
    }

    /// Back to a one-channel `PlanarImage`, samples divided by `scale`.
    public func planarImage(scale: Double = 255) -> PlanarImage {
        PlanarImage(width: width, height: height, channels: 1, data: data.map { Float($0 / scale) })
    }
}
