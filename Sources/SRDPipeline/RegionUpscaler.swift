import Foundation
import SRDEngine
import SRDImaging

/// Where a job's network runs: everywhere (the default), given rectangles, a mask picture or
/// video, or tiles chosen per frame from the input's detail (`--region auto`).
public enum RegionRequest: Sendable, Equatable {
    case rects([PixelRect])
    /// A picture (one mask for every frame) or a video (one mask frame per input frame).
    case mask(String)
    case auto
}

/// Region settings of a job (`--region`, `--region-mask`, preset `region*` keys).
public struct RegionSettings: Sendable, Equatable {
    public var request: RegionRequest
    /// Output pixels over which the network's output fades into the classical scaler's, inside
    /// the selected area.
    public var feather: Int
    /// `--region auto`: a cell needs at least this detail (mean |Y - mean3x3(Y)|, 8-bit levels).
    public var threshold: Double
    /// `--region auto`: cell side in input pixels.
    public var cell: Int
    /// The classical scaler outside the regions (lanczos by default).
    public var scaler: String
    /// Also score PSNR/SSIM inside the selection (`--metrics-region`).
    public var scoreInside: Bool

    public static let defaultFeather = 16
    /// Chosen on training pictures (`Scripts/region-table calibrate`: 12 BSD200 images, fast-x2
    /// and fast-x4): the largest threshold whose worst Y-PSNR loss stayed under 0.05 dB.
    public static let defaultThreshold = 1.0
    public static let defaultCell = 64

    public init(request: RegionRequest, feather: Int = RegionSettings.defaultFeather,
                threshold: Double = RegionSettings.defaultThreshold, cell: Int = RegionSettings.defaultCell,
                scaler: String = "lanczos", scoreInside: Bool = false) {
        self.request = request; self.feather = feather; self.threshold = threshold; self.cell = cell
        self.scaler = scaler; self.scoreInside = scoreInside
    }
}

/// Upscales a frame with the network on a `RegionMap`'s crops only and the classical scaler
/// everywhere else, blended with the map's feathered weights.
///
/// Each crop is extended by the model's `cropMargin` (its receptive radius plus the chroma
/// resize's support), with the origin on the model's alignment, exactly as tiles are: so where
/// the weight is 1 the result equals whole-frame super-resolution (RegionTests).
struct RegionUpscaler {
    let scale: Int
    let margin: Int
    let alignment: Int
    let feather: Int
    let classical: ResizeKernel
    /// `--region auto`: when the crops add up to a whole-frame run anyway, keep the network's
    /// output everywhere. The classical pass and the blend would only add cost (and lower the
    /// quality of the few cells left out), so `auto` is never slower than no regions. Explicit
    /// rectangles and masks keep the classical scaler outside them, as asked.
    var networkWhenWhole = false

    struct Result {
        var image: PlanarImage
        /// Input pixels the network ran on, margins included.
        var networkPixels: Int
        /// Milliseconds in the network's runs.
        var networkMs: Double
        /// The network's output was kept everywhere (`networkWhenWhole`).
        var networkEverywhere = false
    }

    /// Rows per band and the column gap that splits a band's crop (input pixels): large, since
    /// every crop pays the network's margin on each side.
    static let band = 256
    static let gap = 128
    /// Crops covering at least this share of the frame run as one whole frame instead.
    static let wholeFrameShare = 0.8

    /// - Parameter weights: `map.weights(scale:feather:)` when the caller made them once for
    ///   every frame (fixed rectangles); nil computes them for this frame's map.
    func upscale(_ lowRes: PlanarImage, map: RegionMap, weights: [Float]? = nil, runner: SuperResolutionRunner) throws -> Result {
        let s = scale, w = lowRes.width, h = lowRes.height, ow = w * s, oh = h * s
        if map.isFull {
            let t0 = Date()
            let image = try runner.upscale(lowRes)
            return Result(image: image, networkPixels: w * h, networkMs: Date().timeIntervalSince(t0) * 1000)
        }
        if map.isEmpty {
            return Result(image: lowRes.resized(width: ow, height: oh, scale: Double(s), kernel: classical), networkPixels: 0, networkMs: 0)
        }
        var runs: [(core: PixelRect, extended: PixelRect)] = map.crops(band: Self.band, gap: Self.gap).map { crop in
            let x0 = max(0, crop.x - margin) / alignment * alignment
            let y0 = max(0, crop.y - margin) / alignment * alignment
            let x1 = min(w, crop.x + crop.width + margin), y1 = min(h, crop.y + crop.height + margin)
            return (crop, PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
        }
        // Crops that add up to most of the frame cost more than one whole-frame run (margins,
        // more launches): run the frame once and blend the same way.
        if runs.map({ $0.extended.width * $0.extended.height }).reduce(0, +) >= Int(Self.wholeFrameShare * Double(w * h)) {
            if networkWhenWhole {
                let t0 = Date()
                let image = try runner.upscale(lowRes)
                return Result(image: image, networkPixels: w * h, networkMs: Date().timeIntervalSince(t0) * 1000, networkEverywhere: true)
            }
            let all = PixelRect(x: 0, y: 0, width: w, height: h)
            runs = [(all, all)]
        }
        var out = lowRes.resized(width: ow, height: oh, scale: Double(s), kernel: classical)
        let weights = weights ?? map.weights(scale: s, feather: feather)
        var pixels = 0, ms = 0.0
        for (crop, e) in runs {
            let (x0, y0) = (e.x, e.y)
            let t0 = Date()
            let sr = try runner.upscale(e == PixelRect(x: 0, y: 0, width: w, height: h) ? lowRes : lowRes.cropped(x: x0, y: y0, width: e.width, height: e.height))
            ms += Date().timeIntervalSince(t0) * 1000
            pixels += e.width * e.height
            let sw = sr.width, sh = sr.height
            out.data.withUnsafeMutableBufferPointer { o in
                sr.data.withUnsafeBufferPointer { p in
                    for c in 0..<3 {
                        for oy in (crop.y * s)..<((crop.y + crop.height) * s) {
                            let srRow = (c * sh + oy - y0 * s) * sw - x0 * s
                            let outRow = (c * oh + oy) * ow
                            for ox in (crop.x * s)..<((crop.x + crop.width) * s) {
                                let k = weights[oy * ow + ox]
                                guard k > 0 else { continue }
                                let base = o[outRow + ox]
                                o[outRow + ox] = k == 1 ? p[srRow + ox] : base + k * (p[srRow + ox] - base)
                            }
                        }
                    }
                }
            }
        }
        return Result(image: out, networkPixels: pixels, networkMs: ms)
    }
}
