import Foundation

/// The super-resolution evaluation protocol of `docs/EVAL-PROTOCOL.md` (the field's standard,
/// as in BasicSR, EDSR and RCAN), step by step. Images are `PlanarImage` RGB in 0...1; 8-bit
/// quantisation happens exactly where the protocol says.
///
/// 1. `modcrop`: keep the top-left part whose sides are multiples of the scale; grey -> RGB.
/// 2. `makeLR`: MATLAB `imresize(HR, 1/s, 'bicubic')` with antialiasing on float input, rounded
///    once to uint8 (half away from zero).
/// 3. `quantize8`: SR output clamped to 0...255 and rounded before any metric.
/// 4. shave `scale` pixels from every side of SR and HR.
/// 5. `lumaBT601`: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 on 0...255 RGB, not rounded.
/// 6-7. PSNR and SSIM on that Y, per image (the means are taken over images by the caller).
public enum EvalProtocol {
    /// Step 1: crops to multiples of `scale` (top-left kept); a 1-plane image becomes 3 equal planes.
    public static func modcrop(_ image: PlanarImage, scale: Int) -> PlanarImage {
        precondition(scale >= 1)
        let rgb = image.channels == 1 ? PlanarImage.stacking([image, image, image]) : image
        let w = rgb.width - rgb.width % scale, h = rgb.height - rgb.height % scale
        if w == rgb.width && h == rgb.height { return rgb }
        return rgb.cropped(x: 0, y: 0, width: w, height: h)
    }

    /// Step 2: the protocol LR input of a mod-cropped HR image: bicubic 1/scale with
    /// antialiasing, computed on float samples and quantised once to 8 bits.
    public static func makeLR(_ hr: PlanarImage, scale: Int) -> PlanarImage {
        precondition(hr.width % scale == 0 && hr.height % scale == 0, "HR must be mod-cropped first")
        return quantize8(hr.resized(width: hr.width / scale, height: hr.height / scale,
                                    scale: 1 / Double(scale), kernel: .bicubic, antialias: true))
    }

    /// The bicubic baseline: MATLAB bicubic upscale of the LR by `scale` (not rounded).
    public static func bicubicUpscale(_ lr: PlanarImage, scale: Int) -> PlanarImage {
        lr.resized(width: lr.width * scale, height: lr.height * scale, scale: Double(scale),
                   kernel: .bicubic, antialias: true)
    }

    /// Step 3 (and the rounding of step 2): clamp to 0...1, round to 8 bits half away from
    /// zero (MATLAB `uint8()`), returned as value/255.
    public static func quantize8(_ image: PlanarImage) -> PlanarImage { image.quantized8() }


    /// The 8-bit RGB planes of an image on the 0...255 scale (after `quantize8` semantics).
    public static func rgbPlanes8(_ image: PlanarImage) -> [Plane] {
        let n = image.planeSize
        return (0..<image.channels).map { c in
            var d = [Double](repeating: 0, count: n)
            image.data.withUnsafeBufferPointer { src in
                for i in 0..<n { d[i] = Double(Quantization.uint8(src[c * n + i])) }
            }
            return Plane(width: image.width, height: image.height, data: d)
        }
    }

    /// Step 5: BT.601 studio-range Y from 0...255 RGB planes, float64, not rounded.
    public static func lumaBT601(_ rgb: [Plane]) -> Plane {
        precondition(rgb.count == 3, "Y needs R, G, B")
        var y = rgb[0]
        for i in 0..<y.data.count {
            y.data[i] = 16 + (65.481 * rgb[0].data[i] + 128.553 * rgb[1].data[i] + 24.966 * rgb[2].data[i]) / 255
        }
        return y
    }

    /// Steps 3-7 for one image: scores `sr` against the mod-cropped `hr` (same size).
    /// - Parameters:
    ///   - sr: the upscaler's output, RGB (or 1 plane, taken as grey) in 0...1, any float values.
    ///   - hr: the mod-cropped ground truth (already 8-bit).
    ///   - scale: the upscale factor; also the border shaved from every side.
    ///   - border: pixels shaved per side; defaults to `scale` (the protocol).
    ///   - extended: also compute SSIM on R, G, B and UQI on Y (about 4x the work of the
    ///     protocol's PSNR/SSIM on Y); nil in the score when off.
    public static func score(sr: PlanarImage, hr: PlanarImage, scale: Int, border: Int? = nil,
                             extended: Bool = true) -> ImageScore {
        let sr3 = sr.channels == 1 ? PlanarImage.stacking([sr, sr, sr]) : sr
        let hr3 = hr.channels == 1 ? PlanarImage.stacking([hr, hr, hr]) : hr
        precondition(sr3.width == hr3.width && sr3.height == hr3.height && sr3.channels == 3 && hr3.channels == 3,
                     "SR \(sr.channels)x\(sr.height)x\(sr.width) does not match mod-cropped HR \(hr.channels)x\(hr.height)x\(hr.width)")
        let shave = border ?? scale
        let s = rgbPlanes8(sr3).map { $0.shaved(shave) }
        let h = rgbPlanes8(hr3).map { $0.shaved(shave) }
        let ys = lumaBT601(s), yh = lumaBT601(h)
        let mseY = Metrics.mse(ys, yh)
        let mseRGB = Metrics.mse(s, h)
        let ssimRGB = extended ? (0..<3).map { Metrics.ssim(s[$0], h[$0]) }.reduce(0, +) / 3 : nil
        return ImageScore(psnrY: Metrics.psnr(mse: mseY), ssimY: Metrics.ssim(ys, yh),
                          psnrRGB: Metrics.psnr(mse: mseRGB), ssimRGB: ssimRGB,
                          mseY: mseY, uqiY: extended ? Metrics.uqi(ys, yh) : nil,
                          highFrequencyRatio: Metrics.highFrequencyRatio(ys, yh))
    }
}

/// The protocol's scores of one SR image against its HR.
public struct ImageScore: Sendable, Equatable {
    /// PSNR on BT.601 Y (dB); +infinity for identical images.
    public var psnrY: Double
    /// SSIM on BT.601 Y.
    public var ssimY: Double
    /// PSNR with the MSE pooled over R, G, B (dB).
    public var psnrRGB: Double
    /// Mean of the SSIMs of R, G and B (nil unless scored with `extended`).
    public var ssimRGB: Double?
    /// MSE on Y (0...255 scale).
    public var mseY: Double
    /// Universal quality index on Y, 8x8 sliding window (nil unless scored with `extended`).
    public var uqiY: Double?
    /// Laplacian energy of SR over HR on the same shaved Y (`Metrics.highFrequencyRatio`):
    /// not part of the protocol, a texture measure (1 = as much fine detail as the truth).
    public var highFrequencyRatio: Double?

    public init(psnrY: Double, ssimY: Double, psnrRGB: Double, ssimRGB: Double?, mseY: Double, uqiY: Double?,
                highFrequencyRatio: Double? = nil) {
        self.highFrequencyRatio = highFrequencyRatio
        self.psnrY = psnrY
        self.ssimY = ssimY
        self.psnrRGB = psnrRGB
        self.ssimRGB = ssimRGB
        self.mseY = mseY
        self.uqiY = uqiY
    }
}
