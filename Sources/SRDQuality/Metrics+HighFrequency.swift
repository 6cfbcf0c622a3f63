extension Metrics {
    /// Energy of the discrete Laplacian (4-neighbour, interior pixels) of a plane: how much
    /// fine detail (texture, edges) an image holds.
    public static func laplacianEnergy(_ p: Plane) -> Double {
        guard p.width >= 3 && p.height >= 3 else { return 0 }
        var sum = 0.0
        let w = p.width
        p.data.withUnsafeBufferPointer { d in
            for y in 1..<(p.height - 1) {
                for x in 1..<(w - 1) {
                    let i = y * w + x
                    let l = d[i - 1] + d[i + 1] + d[i - w] + d[i + w] - 4 * d[i]
                    sum += l * l
                }
            }
        }
        return sum
    }

    /// High-frequency energy ratio of an output against its ground truth:
    /// `laplacianEnergy(sr) / laplacianEnergy(hr)`. Pixel-loss super-resolution is too smooth
    /// (well below 1, bicubic lowest); a GAN that restores texture moves it toward 1; above 1
    /// means more high-frequency content than the truth (noise or ringing). NaN for a flat truth.
    public static func highFrequencyRatio(_ sr: Plane, _ hr: Plane) -> Double {
        precondition(sr.width == hr.width && sr.height == hr.height, "plane sizes differ")
        let e = laplacianEnergy(hr)
        return e > 0 ? laplacianEnergy(sr) / e : .nan
    }
}
