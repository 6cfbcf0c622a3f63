// Shape legend used across the engine:
//   C, H, W   channels, height, width of one feature map (batch 1, channel-major)
//   O, I      output and input channels of a convolution
//   kh, kw    kernel rows and columns; s stride; d dilation; r sub-pixel factor

/// The shape of one feature map: (C, H, W), channel-major like `PlanarImage`.
public struct Shape3: Hashable, Sendable, CustomStringConvertible {
    public var c: Int
    public var h: Int
    public var w: Int

    public init(_ c: Int, _ h: Int, _ w: Int) {
        self.c = c
        self.h = h
        self.w = w
    }

    /// Number of samples.
    @inlinable public var count: Int { c * h * w }
    /// Samples in one channel plane.
    @inlinable public var plane: Int { h * w }

    public var description: String { "[\(c), \(h), \(w)]" }
}

/// A dense float32 tensor with an explicit shape, C order (last index fastest).
///
/// Weights are stored as tensors with PyTorch layouts (`[O, I, kh, kw]` for a convolution), and
/// tests and the golden files exchange feature maps as `[C, H, W]` or `[1, C, H, W]` tensors.
/// The hot loops never see a `Tensor`: they run on `FeatureMap` views into planned workspaces.
public struct Tensor: Equatable, Sendable, CustomStringConvertible {
    public var shape: [Int]
    public var data: [Float]

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// Wraps existing values; `data.count` must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(data.count == shape.reduce(1, *), "Tensor: \(data.count) values for shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Uniform values in `range`, reproducible from `seed`.
    public static func random(shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return random(shape: shape, in: range, using: &rng)
    }

    /// Uniform values in `range` drawn from `rng`.
    public static func random(shape: [Int], in range: ClosedRange<Float>, using rng: inout SeededRandom) -> Tensor {
        let n = shape.reduce(1, *)
        var data = [Float](repeating: 0, count: n)
        for i in 0..<n { data[i] = rng.nextFloat(in: range) }
        return Tensor(shape: shape, data: data)
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The shape as (C, H, W); accepts `[C, H, W]` or `[1, C, H, W]`.
    public var shape3: Shape3 {
        switch shape.count {
        case 3: return Shape3(shape[0], shape[1], shape[2])
        case 4 where shape[0] == 1: return Shape3(shape[1], shape[2], shape[3])
        default: preconditionFailure("tensor of shape \(shape) is not a single feature map")
        }
    }

    /// Largest absolute element-wise difference; shapes must match in size.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(count == other.count, "comparing \(shape) with \(other.shape)")
        var m: Float = 0
        for i in 0..<count { m = max(m, abs(data[i] - other.data[i])) }
        return m
    }

    public var description: String { "Tensor\(shape)" }
}

extension Tensor {
    /// A feature map tensor `[C, H, W]` holding the image's planes.
    public init(_ image: PlanarImage) {
        self.init(shape: [image.channels, image.height, image.width], data: image.data)
    }

    /// The tensor as an image; accepts `[C, H, W]` or `[1, C, H, W]`.
    public var planarImage: PlanarImage {
        let s = shape3
        return PlanarImage(width: s.w, height: s.h, channels: s.c, data: data)
    }
}

/// An unowned view of one feature map in a workspace buffer: `pointer[(c * h + y) * w + x]`.
///
/// Views are valid until the owning `Workspace` runs the next step that reuses the buffer;
/// layers read and write them without bounds checks, so shapes are checked by preconditions
/// at layer entry instead.
public struct FeatureMap {
    public var pointer: UnsafeMutablePointer<Float>
    public var shape: Shape3

    public init(_ pointer: UnsafeMutablePointer<Float>, _ shape: Shape3) {
        self.pointer = pointer
        self.shape = shape
    }

    /// Pointer to channel `c`'s plane.
    @inlinable public func channel(_ c: Int) -> UnsafeMutablePointer<Float> { pointer + c * shape.plane }

    /// Copies the view into a new tensor `[C, H, W]`.
    public func toTensor() -> Tensor {
        Tensor(shape: [shape.c, shape.h, shape.w], data: Array(UnsafeBufferPointer(start: pointer, count: shape.count)))
    }
}
