/// A planar float image: `channels` planes of `height` x `width` samples, channel-major.
///
/// This is the one frame type shared by the media layer (which decodes into it), the engine
/// (which upscales it) and the quality layer (which scores it). Samples are nominally in 0...1
/// (RGB, or Y/255 for single-plane luma); nothing clamps them until an 8-bit or 10-bit
/// conversion does, so network outputs can overshoot and be measured before clamping.
///
/// Layout: `data[(c * height + y) * width + x]`.
public struct PlanarImage: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// (channels, height, width), channel-major.
    public var data: [Float]

    /// A zero-filled image.
    public init(width: Int, height: Int, channels: Int) {
        precondition(width >= 0 && height >= 0 && channels >= 1, "invalid image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.data = [Float](repeating: 0, count: width * height * channels)
    }

    /// Wraps existing samples; `data.count` must equal `channels * height * width`.
    public init(width: Int, height: Int, channels: Int, data: [Float]) {
        precondition(data.count == width * height * channels,
                     "PlanarImage: \(data.count) samples for \(channels)x\(height)x\(width)")
        self.width = width
        self.height = height
        self.channels = channels
        self.data = data
    }

    /// Samples in one plane.
    @inlinable public var planeSize: Int { width * height }

    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }

    /// One plane as a single-channel image.
    public func plane(_ c: Int) -> PlanarImage {
        let start = c * planeSize
        return PlanarImage(width: width, height: height, channels: 1,
                           data: Array(data[start..<(start + planeSize)]))
    }

    /// Stacks single- or multi-channel images of equal size into one image.
    public static func stacking(_ planes: [PlanarImage]) -> PlanarImage {
        precondition(!planes.isEmpty)
        let w = planes[0].width, h = planes[0].height
        var out = [Float]()
        out.reserveCapacity(planes.reduce(0) { $0 + $1.data.count })
        for p in planes {
            precondition(p.width == w && p.height == h, "stacking planes of different sizes")
            out.append(contentsOf: p.data)
        }
        return PlanarImage(width: w, height: h, channels: out.count / (w * h), data: out)
    }

    /// The image cropped to the rectangle (x, y, width, height).
    public func cropped(x: Int, y: Int, width cw: Int, height ch: Int) -> PlanarImage {
        precondition(x >= 0 && y >= 0 && x + cw <= width && y + ch <= height, "crop out of bounds")
        var out = PlanarImage(width: cw, height: ch, channels: channels)
        for c in 0..<channels {
            for row in 0..<ch {
                let src = (c * height + y + row) * width + x
                let dst = (c * ch + row) * cw
                for i in 0..<cw { out.data[dst + i] = data[src + i] }
            }
        }
        return out
    }
}
