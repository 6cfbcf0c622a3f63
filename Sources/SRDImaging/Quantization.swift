/// The one 8-bit quantiser: what an 8-bit PNG stores and what the evaluation protocol scores.
public enum Quantization {
    /// `v` (nominally 0...1) clamped and rounded half away from zero to 0...255 (MATLAB
    /// `uint8(v * 255)`); NaN becomes 0.
    @inlinable @inline(__always)
    public static func uint8(_ v: Float) -> UInt8 {
        let x = Double(v) * 255
        if !(x > 0) { return 0 }
        if x >= 255 { return 255 }
        // Round half away from zero without a libm call (`rounded` is one on baseline x86-64:
        // 1.3% of a whole job): x is a Float times 255, at most 32 significant bits, so x + 0.5
        // is exact in Double and truncating it rounds exactly as `rounded(.toNearestOrAwayFromZero)`.
        return UInt8(x + 0.5)
    }
}
