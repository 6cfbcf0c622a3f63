import Foundation

/// Training pairs held in memory: each high-resolution image mod-cropped, degraded once to its
/// low-resolution input with the evaluation protocol's degradation (MATLAB bicubic with
/// antialiasing, rounded to 8 bits; optional blur/noise), and converted to the network's planes
/// (Y/255 of the 8-bit RGB, or RGB).
///
/// Degrading whole images once (not patch by patch) makes the LR patches exactly what the model
/// sees at evaluation, including the kernel's reach across patch borders. Flips and 90-degree
/// rotations commute with the symmetric bicubic kernel, so they are applied to the pair at
/// sampling time.
public struct TrainingSet: Sendable {
    public struct Pair: Sendable {
        public let lr: PlanarImage
        public let hr: PlanarImage
    }

    public let pairs: [Pair]
    public let scale: Int
    public let color: ColorMode
    /// Cumulative sampling weights (image areas), so every HR pixel is equally likely.
    private let cumulative: [Double]

    /// - Parameters:
    ///   - images: RGB images in 0...1 (8-bit content).
    ///   - minimumSide: images smaller than this many LR pixels on a side are skipped.
    public init(images: [PlanarImage], scale: Int, color: ColorMode, degradation: Degradation = .bicubic, minimumSide: Int = 1) {
        // No compression step: nothing throws.
        try! self.init(images: images, scale: scale, color: color, degradation: degradation, minimumSide: minimumSide, compress: nil)
    }

    /// - Parameter compress: applied to each degraded RGB low-resolution image with the image's
    ///   index as seed (a codec round trip, `CodecDegradation` in SRDMedia), before the Y split.
    public init(images: [PlanarImage], scale: Int, color: ColorMode, degradation: Degradation = .bicubic, minimumSide: Int = 1,
                compress: ((PlanarImage, UInt64) throws -> PlanarImage)?) throws {
        self.scale = scale
        self.color = color
        var pairs: [Pair] = []
        for (i, img) in images.enumerated() {
            let w = img.width / scale * scale, h = img.height / scale * scale
            guard w / scale >= minimumSide, h / scale >= minimumSide else { continue }
            let hr = img.cropped(x: 0, y: 0, width: w, height: h)
            var lr = degradation.apply(to: hr, scale: scale, seed: UInt64(i))
            if let compress { lr = try compress(lr, UInt64(i)) }
            switch color {
            case .rgb: pairs.append(Pair(lr: lr, hr: hr))
            case .y(let f): pairs.append(Pair(lr: lr.luma(f), hr: hr.luma(f)))
            }
        }
        self.pairs = pairs
        var acc = 0.0
        cumulative = pairs.map { acc += Double($0.lr.width * $0.lr.height); return acc }
    }

    public var channels: Int { color.channels }
    public var isEmpty: Bool { pairs.isEmpty }

    /// Bytes held by the images.
    public var memoryBytes: Int { pairs.reduce(0) { $0 + 4 * ($1.lr.data.count + $1.hr.data.count) } }

    /// Cuts a random LR patch of `size` x `size` and its HR patch (scale x larger) with a random
    /// flip/rotation into `lr` (C*size*size) and `hr` (C*(s*size)^2), drawing from `rng`.
    public func samplePatch(size: Int, using rng: inout TrainingRandom,
                            lr: UnsafeMutablePointer<Float>, hr: UnsafeMutablePointer<Float>) {
        let u = rng.unit() * cumulative.last!
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        let pair = pairs[lo]
        let px = rng.below(max(1, pair.lr.width - size + 1)), py = rng.below(max(1, pair.lr.height - size + 1))
        let transform = rng.below(8)
        copy(pair.lr, x: px, y: py, size: size, transform: transform, into: lr)
        copy(pair.hr, x: px * scale, y: py * scale, size: size * scale, transform: transform, into: hr)
    }

    /// Copies a size x size window at (x, y), transformed by one of the 8 symmetries of the
    /// square (bit 0: transpose, bit 1: flip x, bit 2: flip y); windows past the edge replicate it.
    func copy(_ img: PlanarImage, x: Int, y: Int, size: Int, transform: Int, into dst: UnsafeMutablePointer<Float>) {
        let w = img.width, h = img.height
        img.data.withUnsafeBufferPointer { src in
            for c in 0..<img.channels {
                let plane = src.baseAddress! + c * w * h
                let out = dst + c * size * size
                for i in 0..<size {
                    for j in 0..<size {
                        var a = i, b = j
                        if transform & 1 != 0 { swap(&a, &b) }
                        if transform & 2 != 0 { b = size - 1 - b }
                        if transform & 4 != 0 { a = size - 1 - a }
                        let sy = min(y + a, h - 1), sx = min(x + b, w - 1)
                        out[i * size + j] = plane[sy * w + sx]
                    }
                }
            }
        }
    }
}
