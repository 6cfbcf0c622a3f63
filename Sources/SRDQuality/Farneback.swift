import Foundation

/// Settings of Farneback's dense optical flow. The defaults are the evaluation protocol's
/// (and TecoGAN's / Lai et al.'s) call `cv2.calcOpticalFlowFarneback(prev, next, None,
/// 0.5, 3, 15, 3, 5, 1.2, 0)`: flags 0 means the window average is a box filter.
public struct FarnebackParameters: Sendable, Equatable {
    /// Each pyramid level is this fraction of the one below.
    public var pyramidScale: Double = 0.5
    /// Levels above the full-resolution one (OpenCV's `levels`; fewer when a level would be
    /// under 32 pixels on a side).
    public var levels: Int = 3
    /// Side of the box window over which the displacement equations are averaged.
    public var windowSize: Int = 15
    /// Solver iterations per level.
    public var iterations: Int = 3
    /// Half-size of the polynomial-expansion neighbourhood (5: an 11x11 neighbourhood).
    public var polyN: Int = 5
    /// Sigma of the Gaussian weighting the polynomial fit.
    public var polySigma: Double = 1.2

    public init() {}

    /// The protocol's settings (OpenCV's common defaults).
    public static let standard = FarnebackParameters()
}

/// One frame prepared for Farneback flow: its pyramid of polynomial expansions.
///
/// Preparing costs about half of a flow computation and depends only on the frame, so video
/// code prepares each frame once and reuses it for the flows to and from its neighbours.
public struct FarnebackFrame: Sendable {
    public let width: Int
    public let height: Int
    public let parameters: FarnebackParameters
    /// Coarsest first: level k has scale pyramidScale^k; `levels[i]` is level `count-1-i`.
    let pyramid: [PolyLevel]

    struct PolyLevel: Sendable {
        let width: Int
        let height: Int
        /// (height, width, 5): per pixel the fitted coefficients (y, x, yy, xx, xy).
        let coefficients: [Float]
    }

    /// Prepares a single-plane luma image.
    /// - Parameters:
    ///   - luma: one plane in 0...1 (the `PlanarImage` convention, e.g. Y/255). It is scaled to
    ///     0...255 internally: the solver's regulariser (1e-3) assumes 8-bit intensities, so
    ///     flows match OpenCV run on the same frames stored as 8-bit.
    public init(_ luma: PlanarImage, parameters: FarnebackParameters = .standard) {
        precondition(luma.channels == 1, "Farneback flow runs on one plane (luma)")
        self.init(samples255: luma.data.map { $0 * 255 }, width: luma.width, height: luma.height, parameters: parameters)
    }

    /// Prepares samples already on the 0...255 scale, row-major.
    public init(samples255: [Float], width: Int, height: Int, parameters: FarnebackParameters = .standard) {
        precondition(samples255.count == width * height && width > 0 && height > 0)
        precondition(parameters.pyramidScale > 0 && parameters.pyramidScale < 1)
        self.width = width
        self.height = height
        self.parameters = parameters
        let minSize = 32.0
        var top = 0
        var scale = 1.0
        while top < parameters.levels {
            scale *= parameters.pyramidScale
            if Double(width) * scale < minSize || Double(height) * scale < minSize { break }
            top += 1
        }
        let poly = PolyExpansion(n: parameters.polyN, sigma: parameters.polySigma)
        var levels = [PolyLevel]()
        for k in stride(from: top, through: 0, by: -1) {
            let s = pow(parameters.pyramidScale, Double(k))
            let (lw, lh) = FarnebackFrame.levelSize(width, height, s)
            // Blur the full-resolution frame in proportion to the decimation, then resample.
            let sigma = (1 / s - 1) * 0.5
            let ksize = max(Int((sigma * 5).rounded(.toNearestOrEven)) | 1, 3)
            let level = FloatImage(width: width, height: height, data: samples255)
                .blurredAndResized(ksize: ksize, sigma: sigma, width: lw, height: lh)
            levels.append(PolyLevel(width: lw, height: lh, coefficients: poly.expand(level)))
        }
        self.pyramid = levels
    }

    /// OpenCV's level size: cvRound(size * scale) (half to even).
    static func levelSize(_ w: Int, _ h: Int, _ s: Double) -> (Int, Int) {
        (Int((Double(w) * s).rounded(.toNearestOrEven)), Int((Double(h) * s).rounded(.toNearestOrEven)))
    }
}

/// Dense optical flow and warping.
public enum OpticalFlow {
    /// Farneback dense flow from `a` to `b` (OpenCV `calcOpticalFlowFarneback(a, b, ...)`):
    /// a(x, y) ~ b(x + dx, y + dy).
    /// - Parameters:
    ///   - a, b: single-plane luma images of equal size, 0...1 (see `FarnebackFrame.init`).
    public static func farneback(from a: PlanarImage, to b: PlanarImage,
                                 parameters: FarnebackParameters = .standard) -> FlowField {
        farneback(from: FarnebackFrame(a, parameters: parameters), to: FarnebackFrame(b, parameters: parameters))
    }

    /// Farneback flow between two prepared frames (same size and parameters).
    public static func farneback(from a: FarnebackFrame, to b: FarnebackFrame) -> FlowField {
        precondition(a.width == b.width && a.height == b.height && a.parameters == b.parameters,
                     "frames differ in size or parameters")
        let p = a.parameters
        var flow: FlowPlanes?
        for (la, lb) in zip(a.pyramid, b.pyramid) {
            var f: FlowPlanes
            if let prev = flow {
                f = prev.resized(width: la.width, height: la.height, factor: Float(1 / p.pyramidScale))
            } else {
                f = FlowPlanes(width: la.width, height: la.height)
            }
            FarnebackSolver.refine(&f, r0: la.coefficients, r1: lb.coefficients,
                                   windowSize: p.windowSize, iterations: p.iterations)
            flow = f
        }
        let f = flow!
        return FlowField(width: f.width, height: f.height, dx: f.dx, dy: f.dy)
    }
}
