/// How a layer fills samples outside the image.
public enum PaddingMode: String, Sendable, CaseIterable {
    /// Zeros (PyTorch's default, TensorFlow 'SAME').
    case zeros
    /// The nearest edge sample repeated (MATLAB `imfilter(..., 'replicate')`, SRCNN/FSRCNN).
    case replicate

    /// Accepts the spellings found in metadata: "zero", "zeros", "replicate".
    public init?(metadata: String) {
        switch metadata.lowercased() {
        case "zero", "zeros", "constant": self = .zeros
        case "replicate", "edge": self = .replicate
        default: return nil
        }
    }

    /// Copies `src` (C, H, W) into `dst` (C, H + top + bottom, W + left + right), filling the border.
    public func pad(_ src: UnsafePointer<Float>, _ shape: Shape3, into dst: UnsafeMutablePointer<Float>,
                    top: Int, bottom: Int, left: Int, right: Int) {
        let (h, w) = (shape.h, shape.w)
        let wp = w + left + right, hp = h + top + bottom
        for c in 0..<shape.c {
            let s = src + c * h * w
            let d = dst + c * hp * wp
            for yp in 0..<hp {
                let row = d + yp * wp
                let y = yp - top
                if self == .zeros && (y < 0 || y >= h) {
                    row.update(repeating: 0, count: wp)
                    continue
                }
                let sr = s + min(max(y, 0), h - 1) * w
                let fillL: Float = self == .zeros ? 0 : sr[0]
                let fillR: Float = self == .zeros ? 0 : sr[w - 1]
                if left > 0 { row.update(repeating: fillL, count: left) }
                (row + left).update(from: sr, count: w)
                if right > 0 { (row + left + w).update(repeating: fillR, count: right) }
            }
        }
    }
}

/// Pads every channel by a fixed number of samples per side (FSRCNN replicates 1 px before its deconvolution).
public struct Pad2D: Layer {
    public var mode: PaddingMode
    public var top: Int, bottom: Int, left: Int, right: Int

    public init(_ mode: PaddingMode, top: Int, bottom: Int, left: Int, right: Int) {
        self.mode = mode
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// The same padding on all four sides.
    public init(_ mode: PaddingMode, _ amount: Int) {
        self.init(mode, top: amount, bottom: amount, left: amount, right: amount)
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        Shape3(input.c, input.h + top + bottom, input.w + left + right)
    }

    public var geometry: LayerGeometry { LayerGeometry(reach: max(top, bottom, left, right)) }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        precondition(output.shape == outputShape(for: input.shape))
        mode.pad(input.pointer, input.shape, into: output.pointer, top: top, bottom: bottom, left: left, right: right)
    }

    /// Naive reference: index clamping (replicate) or bounds test (zeros) per output sample.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s)
        var y = Tensor(shape: [o.c, o.h, o.w])
        for c in 0..<o.c {
            for i in 0..<o.h {
                for j in 0..<o.w {
                    var yy = i - top, xx = j - left
                    if mode == .zeros && (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) { continue }
                    yy = min(max(yy, 0), s.h - 1)
                    xx = min(max(xx, 0), s.w - 1)
                    y.data[(c * o.h + i) * o.w + j] = x.data[(c * s.h + yy) * s.w + xx]
                }
            }
        }
        return y
    }
}
