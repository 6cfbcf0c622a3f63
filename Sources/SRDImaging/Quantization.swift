/// The one 8-bit quantiser: what an 8-bit PNG stores and what the evaluation protocol scores.
public enum Quantization {
    /// `v` (nominally 0...1) clamped and rounded half away from zero to 0...255 (MATLAB
    /// `uint8(v * 255)`); NaN becomes 0.
    @inlinable @inline(__always)
    public static func uint8(_ v: Float) -> UInt8 {
        let x = Double(v) * 255
        if !(x > 0) { return 0 }
        if x >= 255 { return 255 }
        return UInt8(x.rounded(.toNearestOrAwayFromZero))
    }
}
