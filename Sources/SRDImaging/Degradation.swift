import Foundation

/// How a high-resolution image becomes the low-resolution input a model is measured or trained on.
///
/// The default is the evaluation protocol's: MATLAB bicubic 1/s with antialiasing on the float
/// image, rounded once to 8 bits. Blur, noise and JPEG compression model real footage
/// (`--self-reference` options, and training's real-world degradations).
public struct Degradation: Sendable, Equatable, Codable {
    /// Gaussian blur sigma in HR pixels before downscaling (0 = none).
    public var blurSigma: Double
    /// Gaussian noise standard deviation in 8-bit levels, added after downscaling (0 = none).
    public var noiseSigma: Double
    /// JPEG quality (libjpeg's 1...100) of a compression round trip applied last, to the 8-bit
    /// low-resolution image (0 = none). See `JPEGArtifacts`.
    public var jpegQuality: Int

    public init(blurSigma: Double = 0, noiseSigma: Double = 0, jpegQuality: Int = 0) {
        self.blurSigma = blurSigma
        self.noiseSigma = noiseSigma
        self.jpegQuality = jpegQuality
    }

    private enum CodingKeys: String, CodingKey { case blurSigma, noiseSigma, jpegQuality }

    /// Every field optional, so descriptions written before a field existed still read.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(blurSigma: try c.decodeIfPresent(Double.self, forKey: .blurSigma) ?? 0,
                  noiseSigma: try c.decodeIfPresent(Double.self, forKey: .noiseSigma) ?? 0,
                  jpegQuality: try c.decodeIfPresent(Int.self, forKey: .jpegQuality) ?? 0)
    }

    /// A short description for logs and metadata, e.g. "MATLAB bicubic x1/2 antialiased, 8-bit, jpeg q40".
    public func summary(scale: Int) -> String {
        "MATLAB bicubic x1/\(scale) antialiased, 8-bit" + (blurSigma > 0 ? ", blur \(blurSigma)" : "")
            + (noiseSigma > 0 ? ", noise \(noiseSigma)" : "") + (jpegQuality > 0 ? ", jpeg q\(jpegQuality)" : "")
    }

    /// The protocol's plain bicubic degradation.
    public static let bicubic = Degradation()

    /// Degrades `hr` (whose sides must be multiples of `scale`) to 1/scale, quantised to 8 bits.
    /// `seed` makes the noise reproducible per frame.
    public func apply(to hr: PlanarImage, scale: Int, seed: UInt64 = 0) -> PlanarImage {
        precondition(hr.width % scale == 0 && hr.height % scale == 0, "mod-crop before degrading")
        var src = hr
        if blurSigma > 0 { src = src.gaussianBlurred(sigma: blurSigma) }
        var lr = src.resized(width: hr.width / scale, height: hr.height / scale, scale: 1 / Double(scale))
        if noiseSigma > 0 {
            var rng = SplitMix64(seed: seed &+ 0x5EED)
            let s = noiseSigma / 255
            for i in 0..<lr.data.count { lr.data[i] += Float(rng.nextGaussian() * s) }
        }
        lr = lr.quantized8()
        if jpegQuality > 0 && lr.channels == 3 { lr = JPEGArtifacts.roundTrip(lr, quality: jpegQuality) }
        return lr
    }
}

extension PlanarImage {
    /// Separable Gaussian blur (radius 3 sigma), edges replicated.
    public func gaussianBlurred(sigma: Double) -> PlanarImage {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        var tmp = self, out = self
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    var s = 0.0
                    for k in -radius...radius { s += kernel[k + radius] * Double(self[c, y, Swift.min(Swift.max(x + k, 0), width - 1)]) }
                    tmp[c, y, x] = Float(s)
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    var s = 0.0
                    for k in -radius...radius { s += kernel[k + radius] * Double(tmp[c, Swift.min(Swift.max(y + k, 0), height - 1), x]) }
                    out[c, y, x] = Float(s)
                }
            }
        }
        return out
    }
}

