import SRDImaging

extension EvalProtocol {
    /// Y-PSNR and Y-SSIM inside a region only (the seed U-Net paper scored its foreground so):
    /// the protocol's 8-bit Y planes, shaved by `scale`, with the MSE pooled over the pixels
    /// where `inside` (output size, row-major) is true, and the SSIM map averaged over the windows
    /// centred on such pixels. nil when the region holds no scored pixel.
    public static func scoreInside(sr: PlanarImage, hr: PlanarImage, scale: Int, inside: [Bool]) -> (psnrY: Double, ssimY: Double)? {
        precondition(sr.width == hr.width && sr.height == hr.height && inside.count == sr.width * sr.height,
                     "region score: sizes differ")
        let shave = scale
        let sr3 = sr.channels == 1 ? PlanarImage.stacking([sr, sr, sr]) : sr
        let hr3 = hr.channels == 1 ? PlanarImage.stacking([hr, hr, hr]) : hr
        let ys = lumaBT601(rgbPlanes8(sr3).map { $0.shaved(shave) })
        let yh = lumaBT601(rgbPlanes8(hr3).map { $0.shaved(shave) })
        let w = ys.width, h = ys.height
        func isInside(_ x: Int, _ y: Int) -> Bool { inside[(y + shave) * sr.width + x + shave] }
        var sum = 0.0, n = 0
        for y in 0..<h { for x in 0..<w where isInside(x, y) {
            let d = ys.data[y * w + x] - yh.data[y * w + x]
            sum += d * d; n += 1
        } }
        guard n > 0 else { return nil }
        let map = Metrics.ssimMap(ys, yh)
        var ssimSum = 0.0, m = 0
        for y in 0..<map.height { for x in 0..<map.width where isInside(x + 5, y + 5) {
            ssimSum += map.data[y * map.width + x]; m += 1
        } }
        return (Metrics.psnr(mse: sum / Double(n)), m > 0 ? ssimSum / Double(m) : .nan)
    }
}
