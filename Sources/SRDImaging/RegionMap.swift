import SRDImaging

/// A rectangle in pixels: [x, x + width) x [y, y + height).
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    /// `x,y,w,h` as `--region` takes it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
              x >= 0, y >= 0, w > 0, h > 0 else { return nil }
        self.init(x: x, y: y, width: w, height: h)
    }

    public var description: String { "\(x),\(y),\(width),\(height)" }

    /// This rectangle clipped to a width x height frame (empty when outside).
    func clipped(width fw: Int, height fh: Int) -> PixelRect {
        let x0 = min(max(x, 0), fw), y0 = min(max(y, 0), fh)
        let x1 = min(max(x + width, 0), fw), y1 = min(max(y + height, 0), fh)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// Which input pixels of a frame get the network (the rest get the classical scaler), and from
/// that the crops the network runs on and the feathered blend weights at output size.
///
/// The seam is feathered *inside* the selected area: an output pixel `feather` or more pixels
/// inside it is the network's output exactly, a pixel outside it is the classical scaler's
/// exactly, and between the two the weight ramps linearly with the distance to the edge. So
/// nothing outside the selection changes, and the selection's interior equals whole-frame SR.
public struct RegionMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 where the network runs, by input pixel, row-major.
    public private(set) var mask: [UInt8]

    public init(width: Int, height: Int, mask: [UInt8]) {
        precondition(mask.count == width * height)
        self.width = width; self.height = height; self.mask = mask
    }

    /// The union of rectangles (input pixels; clipped to the frame).
    public init(rects: [PixelRect], width: Int, height: Int) {
        self.width = width; self.height = height
        mask = [UInt8](repeating: 0, count: width * height)
        for r in rects.map({ $0.clipped(width: width, height: height) }) where r.width > 0 && r.height > 0 {
            for y in r.y..<(r.y + r.height) { for x in r.x..<(r.x + r.width) { mask[y * width + x] = 1 } }
        }
    }

    /// A mask picture (any size; resized to the frame by nearest neighbour): white (luma at least
    /// one half) is the network.
    public init(maskImage: PlanarImage, width: Int, height: Int) {
        self.width = width; self.height = height
        mask = [UInt8](repeating: 0, count: width * height)
        let luma = maskImage.channels == 3 ? maskImage.luma(.jpeg) : maskImage.plane(0)
        for y in 0..<height {
            let sy = min(maskImage.height - 1, y * maskImage.height / height)
            for x in 0..<width {
                let sx = min(maskImage.width - 1, x * maskImage.width / width)
                mask[y * width + x] = luma[0, sy, sx] >= 0.5 ? 1 : 0
            }
        }
    }

    /// The cells of a `cell` x `cell` grid whose detail is at least `threshold` (mean absolute
    /// difference of luma from its 3x3 mean, in 8-bit levels): flat or out-of-focus areas, where
    /// a network adds little over interpolation, keep the classical scaler.
    public init(autoFrom lowRes: PlanarImage, cell: Int, threshold: Double) {
        precondition(cell > 0)
        width = lowRes.width; height = lowRes.height
        mask = [UInt8](repeating: 0, count: width * height)
        let energy = Self.detailEnergy(lowRes, cell: cell)
        let cols = (width + cell - 1) / cell
        for (i, e) in energy.enumerated() where e >= threshold {
            let cx = i % cols, cy = i / cols
            for y in (cy * cell)..<min(height, (cy + 1) * cell) {
                for x in (cx * cell)..<min(width, (cx + 1) * cell) { mask[y * width + x] = 1 }
            }
        }
    }

    /// Mean |Y - mean3x3(Y)| * 255 per grid cell (row-major cells), BT.601 luma.
    public static func detailEnergy(_ image: PlanarImage, cell: Int) -> [Double] {
        let y = image.channels == 3 ? image.luma(.bt601) : image.plane(0)
        let w = image.width, h = image.height
        let cols = (w + cell - 1) / cell, rows = (h + cell - 1) / cell
        var sum = [Double](repeating: 0, count: cols * rows), count = [Double](repeating: 0, count: cols * rows)
        y.data.withUnsafeBufferPointer { p in
            for yy in 0..<h {
                for xx in 0..<w {
                    var local: Float = 0
                    for dy in -1...1 {
                        let sy = min(max(yy + dy, 0), h - 1)
                        for dx in -1...1 { local += p[sy * w + min(max(xx + dx, 0), w - 1)] }
                    }
                    let i = (yy / cell) * cols + xx / cell
                    sum[i] += Double(abs(p[yy * w + xx] - local / 9)) * 255
                    count[i] += 1
                }
            }
        }
        return zip(sum, count).map { $0 / max($1, 1) }
    }

    /// Share of the frame's pixels selected.
    public var fraction: Double {
        guard !mask.isEmpty else { return 0 }
        return Double(mask.reduce(0) { $0 + Int($1) }) / Double(mask.count)
    }

    public var isEmpty: Bool { !mask.contains(1) }
    public var isFull: Bool { !mask.contains(0) }

    /// Rectangles (input pixels) covering every selected pixel: the selection's bounding box per
    /// band of `band` rows, split where a run of at least `gap` unselected columns separates two
    /// parts. The network runs on each, extended by its margin, so its cost follows the area.
    public func crops(band: Int = 64, gap: Int = 64) -> [PixelRect] {
        var out: [PixelRect] = []
        var y0 = 0
        while y0 < height {
            let y1 = min(height, y0 + band)
            var used = [Bool](repeating: false, count: width)
            for y in y0..<y1 { for x in 0..<width where mask[y * width + x] != 0 { used[x] = true } }
            var x = 0
            while x < width {
                guard used[x] else { x += 1; continue }
                var end = x + 1, lastUsed = x
                while end < width, end - lastUsed <= gap {
                    if used[end] { lastUsed = end }
                    end += 1
                }
                out.append(PixelRect(x: x, y: y0, width: lastUsed + 1 - x, height: y1 - y0))
                x = lastUsed + 1
            }
            y0 = y1
        }
        return out
    }

    /// The network's weight at each output pixel (scale x the input size, row-major): 1 at least
    /// `feather` output pixels inside the selection, 0 outside it, linear in between (distance
    /// to the nearest unselected input pixel's output block, by a two-pass chamfer transform).
    public func weights(scale s: Int, feather: Int) -> [Float] {
        let ow = width * s, oh = height * s
        var w = [Float](repeating: 0, count: ow * oh)
        if feather <= 0 {
            for y in 0..<oh { for x in 0..<ow where mask[(y / s) * width + x / s] != 0 { w[y * ow + x] = 1 } }
            return w
        }
        // Distance (in output pixels, chessboard metric) from each selected pixel to the
        // nearest unselected one; the frame's edge does not count as unselected.
        let far = Float(feather + 1)
        var d = [Float](repeating: 0, count: ow * oh)
        for y in 0..<oh { for x in 0..<ow where mask[(y / s) * width + x / s] != 0 { d[y * ow + x] = far } }
        for y in 0..<oh {
            for x in 0..<ow where d[y * ow + x] > 0 {
                var v = d[y * ow + x]
                if x > 0 { v = min(v, d[y * ow + x - 1] + 1) }
                if y > 0 {
                    v = min(v, d[(y - 1) * ow + x] + 1)
                    if x > 0 { v = min(v, d[(y - 1) * ow + x - 1] + 1) }
                    if x + 1 < ow { v = min(v, d[(y - 1) * ow + x + 1] + 1) }
                }
                d[y * ow + x] = v
            }
        }
        for y in stride(from: oh - 1, through: 0, by: -1) {
            for x in stride(from: ow - 1, through: 0, by: -1) where d[y * ow + x] > 0 {
                var v = d[y * ow + x]
                if x + 1 < ow { v = min(v, d[y * ow + x + 1] + 1) }
                if y + 1 < oh {
                    v = min(v, d[(y + 1) * ow + x] + 1)
                    if x + 1 < ow { v = min(v, d[(y + 1) * ow + x + 1] + 1) }
                    if x > 0 { v = min(v, d[(y + 1) * ow + x - 1] + 1) }
                }
                d[y * ow + x] = v
            }
        }
        let f = Float(feather)
        for i in 0..<w.count where d[i] > 0 { w[i] = min(1, (d[i] - 0.5) / f) }
        return w
    }
}
