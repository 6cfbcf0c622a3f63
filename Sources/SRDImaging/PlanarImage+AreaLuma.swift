extension PlanarImage {
    /// The luma of this RGB image averaged over blocks down to `width` x `height`, in one pass and
    /// without a full-size intermediate (no quantised copy, no luma plane, no resize buffers).
    ///
    /// Output cell (ox, oy) is the mean of the input samples with x in
    /// [ox * W / width, (ox + 1) * W / width) and likewise for y (integer bounds: a box filter, so
    /// it low-passes before it decimates). With `quantize8` each RGB sample is first rounded to
    /// 8 bits as an encoder would see it. For coarse production signals (the no-reference flicker):
    /// on a 3840x2160 frame it reads 25 M samples once where quantise + luma + bicubic resize
    /// allocated 130 MB and took most of a second.
    public func areaLuma(_ formula: YFormula, width w: Int, height h: Int, quantize8: Bool) -> PlanarImage {
        precondition(channels == 3, "areaLuma needs RGB")
        precondition(w >= 1 && h >= 1 && w <= width && h <= height, "areaLuma only shrinks")
        let m = formula.forward[0]
        let (k0, kr, kg, kb) = (m[0], m[1], m[2], m[3])
        let n = planeSize
        var column = [Int](repeating: 0, count: width)
        // Columns per output cell (for the mean); rows per cell come from the row loop.
        var colCount = [Double](repeating: 0, count: w)
        for ox in 0..<w {
            for x in (ox * width / w)..<((ox + 1) * width / w) { column[x] = ox }
            colCount[ox] = Double((ox + 1) * width / w - ox * width / w)
        }
        var out = PlanarImage(width: w, height: h, channels: 1)
        var acc = [Double](repeating: 0, count: w)
        data.withUnsafeBufferPointer { src in
            column.withUnsafeBufferPointer { column in
                var y = 0
                for oy in 0..<h {
                    let yEnd = (oy + 1) * height / h
                    for i in 0..<w { acc[i] = 0 }
                    let rows = yEnd - y
                    while y < yEnd {
                        let o = y * width
                        for x in 0..<width {
                            let r: Double, g: Double, b: Double
                            if quantize8 {
                                r = Double(Quantization.uint8(src[o + x])) / 255
                                g = Double(Quantization.uint8(src[n + o + x])) / 255
                                b = Double(Quantization.uint8(src[2 * n + o + x])) / 255
                            } else {
                                r = Double(src[o + x]); g = Double(src[n + o + x]); b = Double(src[2 * n + o + x])
                            }
                            acc[column[x]] += kr * r + kg * g + kb * b
                        }
                        y += 1
                    }
                    for ox in 0..<w {
                        out.data[oy * w + ox] = Float(k0 + acc[ox] / (colCount[ox] * Double(rows)))
                    }
                }
            }
        }
        return out
    }
}
