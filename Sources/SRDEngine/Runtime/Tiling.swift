/// Runs a `Program` over a frame in tiles, so that memory is bounded by the tile size.
///
/// Each tile's core (tileSize x tileSize input pixels) is extended by the program's receptive
/// radius on every side (clipped to the frame), with the extended origin rounded down to the
/// program's alignment so pooling windows fall where they fall for the whole frame. Every kept
/// output pixel then sees exactly the inputs it sees in whole-frame inference: the stitched
/// result equals the whole-frame result up to float summation order. One executor per worker.
public final class TiledExecutor {
    public let program: Program
    /// Core tile size in input pixels; nil runs the whole frame at once.
    public let tileSize: Int?

    /// The tile side (input pixels) used unless a caller or preset chooses one: large enough
    /// that the receptive-field margin is a small share of the work, small enough that a
    /// 64-channel activation of a tile stays in tens of megabytes.
    public static let defaultTileSize = 512
    public let workspace: Workspace
    /// Backend, precision and threads of this executor's network runs.
    public let execution: ExecutionSettings
    /// oneDNN plans by aligned tile shape (a frame has at most a few: the grid's near-equal cores).
    private var plans: [Shape3: OneDNNPlan] = [:]
    /// Tile shapes oneDNN could not make kernels for; they run on OpenBLAS.
    private var unplannable: [Shape3: String] = [:]

    /// The weight file's int8 activation ranges, for `.int8` plans.
    public let calibration: Int8Calibration?

    public init(program: Program, tileSize: Int?, workspace: Workspace = Workspace(), execution: ExecutionSettings = .default,
                calibration: Int8Calibration? = nil) {
        precondition(tileSize.map { $0 > 0 } ?? true, "tile size must be positive")
        self.program = program
        self.calibration = calibration
        self.tileSize = tileSize
        self.workspace = workspace
        self.execution = execution
    }

    /// What oneDNN chose for the convolutions of the plans made so far (empty on OpenBLAS), and
    /// why any tile shape fell back to OpenBLAS.
    public var backendReport: (implementations: [String], fallbacks: [String]) {
        (Array(Set(plans.values.flatMap(\.implementations))).sorted(), unplannable.values.sorted())
    }

    /// One network run on a tile, by the configured backend. A tile shape oneDNN cannot make
    /// kernels for runs on the OpenBLAS reference instead (recorded in `backendReport`).
    func forward(_ tile: FeatureMap) -> FeatureMap {
        guard execution.backend == .onednn else { return program.forward(tile, workspace: workspace) }
        let input = program.aligned(tile, workspace: workspace)
        if unplannable[input.shape] == nil {
            if plans[input.shape] == nil {
                do {
                    plans[input.shape] = try OneDNNPlan(program: program, input: input.shape,
                                                        precision: execution.precision, threads: execution.threads,
                                                        calibration: calibration)
                } catch {
                    unplannable[input.shape] = "\(error)"
                }
            }
            if let plan = plans[input.shape] { return plan.forward(input, workspace: workspace) }
        }
        return program.forward(tile, workspace: workspace)
    }

    /// Tile rectangles (x, y, width, height) of the cores, in input pixels.
    ///
    /// The grid (columns x rows of near-equal cores) is the one that computes the fewest pixels,
    /// margins included, among grids whose extended tiles fit in (tileSize + 2 x radius)^2 pixels,
    /// the memory the tile size stands for. A 480 x 270 frame with a 37-pixel radius thus runs as
    /// two full-height tiles rather than a 2 x 2 grid of 256-pixel squares.
    public func tiles(width: Int, height: Int) -> [(x: Int, y: Int, width: Int, height: Int)] {
        guard let t = tileSize, t < width || t < height else { return [(0, 0, width, height)] }
        let m = program.receptiveRadius, a = program.alignment
        let budget = (t + 2 * m) * (t + 2 * m)
        // Cores along one axis split into n near-equal parts, and the summed / largest extended length.
        func split(_ length: Int, _ n: Int) -> (cores: [(Int, Int)], total: Int, largest: Int) {
            var cores: [(Int, Int)] = [], total = 0, largest = 0
            for i in 0..<n {
                let start = length * i / n, end = length * (i + 1) / n
                cores.append((start, end - start))
                let e0 = n == 1 ? 0 : max(0, start - m) / a * a
                let e1 = n == 1 ? length : min(length, end + m)
                total += e1 - e0
                largest = max(largest, e1 - e0)
            }
            return (cores, total, largest)
        }
        var best: (cost: Int, count: Int, xs: [(Int, Int)], ys: [(Int, Int)])?
        let maxX = max(1, (width + t - 1) / t * 2), maxY = max(1, (height + t - 1) / t * 2)
        for nx in 1...min(maxX, width) {
            let sx = split(width, nx)
            for ny in 1...min(maxY, height) {
                let sy = split(height, ny)
                guard sx.largest * sy.largest <= budget else { continue }
                let cost = sx.total * sy.total
                if best == nil || cost < best!.cost || (cost == best!.cost && nx * ny < best!.count) {
                    best = (cost, nx * ny, sx.cores, sy.cores)
                }
            }
        }
        guard let grid = best else {
            // Only when the radius dwarfs the tile: fall back to squares of the tile size.
            var out: [(Int, Int, Int, Int)] = []
            for y in stride(from: 0, to: height, by: t) {
                for x in stride(from: 0, to: width, by: t) { out.append((x, y, min(t, width - x), min(t, height - y))) }
            }
            return out
        }
        var out: [(Int, Int, Int, Int)] = []
        for (y, h) in grid.ys { for (x, w) in grid.xs { out.append((x, y, w, h)) } }
        return out
    }

    /// Runs the program on `input` (C x H x W) and returns the (C' x sH x sW) output.
    public func run(_ input: PlanarImage) -> PlanarImage {
        precondition(input.channels == program.inputChannels,
                     "network expects \(program.inputChannels) channels, got \(input.channels)")
        let s = program.scale, a = program.alignment, m = program.receptiveRadius
        var result: PlanarImage?
        let ws = workspace
        for core in tiles(width: input.width, height: input.height) {
            // Extended rectangle [x0, x1) x [y0, y1).
            let whole = core.width == input.width && core.height == input.height
            let x0 = whole ? 0 : max(0, core.x - m) / a * a
            let y0 = whole ? 0 : max(0, core.y - m) / a * a
            let x1 = whole ? input.width : min(input.width, core.x + core.width + m)
            let y1 = whole ? input.height : min(input.height, core.y + core.height + m)
            let tshape = Shape3(input.channels, y1 - y0, x1 - x0)
            let tin = ws.scratch(.tileInput, count: tshape.count)
            input.data.withUnsafeBufferPointer { src in
                for c in 0..<input.channels {
                    for row in 0..<tshape.h {
                        (tin + (c * tshape.h + row) * tshape.w)
                            .update(from: src.baseAddress! + (c * input.height + y0 + row) * input.width + x0, count: tshape.w)
                    }
                }
            }
            let y = forward(FeatureMap(tin, tshape))
            if result == nil {
                result = PlanarImage(width: input.width * s, height: input.height * s, channels: y.shape.c)
            }
            // Copy the core's output.
            let ox = (core.x - x0) * s, oy = (core.y - y0) * s
            let cw = core.width * s, ch = core.height * s
            let outW = input.width * s, outH = input.height * s
            result!.data.withUnsafeMutableBufferPointer { dst in
                for c in 0..<y.shape.c {
                    for row in 0..<ch {
                        (dst.baseAddress! + (c * outH + core.y * s + row) * outW + core.x * s)
                            .update(from: y.channel(c) + (oy + row) * y.shape.w + ox, count: cw)
                    }
                }
            }
        }
        return result!
    }
}
