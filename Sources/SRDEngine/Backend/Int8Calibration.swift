import Foundation

/// The activation ranges int8 inference quantizes with, measured once on training images and
/// stored in the weight file (`__metadata__` key `int8_calibration`), so a model's int8 mode
/// is reproducible and costs nothing at load.
///
/// One range (min, max) per convolution, keyed by its step index in the model's `Program`
/// (architectures build their programs deterministically). Inputs are quantized to u8 over
/// their range with a zero point (a PReLU output such as [-0.3, 2] gets 255 steps, not the 127
/// of a symmetric s8 code). Weights need no stored scales: their per-channel scales
/// (max |w| / 127) follow from the weights.
public struct Int8Calibration: Sendable, Equatable {
    public struct Range: Sendable, Equatable {
        public var min: Float
        public var max: Float
        public init(min: Float, max: Float) { self.min = min; self.max = max }

        /// Real value of one u8 step over [min(min, 0), max(max, 0)] (0.0 must be a code: it is
        /// the convolution's zero padding).
        public var scale: Float {
            let step = (Swift.max(max, 0) - Swift.min(min, 0)) / 255
            return step > 0 ? step : 1
        }
        /// The u8 code of 0.0.
        public var zeroPoint: Int32 { Int32((-Swift.min(min, 0) / scale).rounded()) }
    }

    public static let metadataKey = "int8_calibration"
    /// Convolutions with fewer input or output channels run in f32: a 1- or 3-channel head is
    /// cheap and quantizing the image itself costs the most fidelity; a tail that makes the
    /// output pixels (scale^2 x colours channels) puts its rounding straight into the picture.
    public static let minimumChannels = 16

    /// Whether int8 plans run `conv` in int8.
    public static func quantizes(_ conv: Conv2D) -> Bool {
        conv.inChannels >= minimumChannels && conv.outChannels >= minimumChannels
    }

    public var ranges: [Int: Range]

    public init(ranges: [Int: Range]) { self.ranges = ranges }

    /// Reads `{"<step>": [min, max], ...}` from a weight file's metadata; nil when absent or bad.
    public init?(metadata: [String: String]) {
        guard let text = metadata[Self.metadataKey], let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [Double]] else { return nil }
        var ranges: [Int: Range] = [:]
        for (key, pair) in object {
            guard let step = Int(key), pair.count == 2 else { return nil }
            ranges[step] = Range(min: Float(pair[0]), max: Float(pair[1]))
        }
        self.ranges = ranges
    }

    /// The metadata value (JSON, keys sorted).
    public var encoded: String {
        let object = Dictionary(uniqueKeysWithValues: ranges.map { (String($0.key), [Double($0.value.min), Double($0.value.max)]) })
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `program` (OpenBLAS reference, f32) on each input and records the range of every
    /// convolution's input. Inputs are whole network inputs (e.g. Y planes of LR images).
    public static func measure(program: Program, inputs: [PlanarImage]) -> Int8Calibration {
        var ranges: [Int: Range] = [:]
        let workspace = Workspace()
        for image in inputs {
            let shape = Shape3(image.channels, image.height, image.width)
            let input = workspace.scratch(.tileInput, count: shape.count)
            image.data.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: shape.count) }
            _ = program.forward(FeatureMap(input, shape), workspace: workspace) { step, x in
                var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
                let p = UnsafeBufferPointer(start: x.pointer, count: x.shape.count)
                for v in p { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
                let old = ranges[step] ?? Range(min: lo, max: hi)
                ranges[step] = Range(min: Swift.min(old.min, lo), max: Swift.max(old.max, hi))
            }
        }
        return Int8Calibration(ranges: ranges)
    }
}
