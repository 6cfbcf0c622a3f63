/// SplitMix64: a small, fast, reproducible generator for random weights and test inputs.
///
/// Seeded randomness keeps benchmarks and tests bit-for-bit repeatable across runs and machines,
/// which the system generator does not promise.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` with 24 bits of resolution.
    public mutating func nextFloat(in range: ClosedRange<Float>) -> Float {
        let u = Float(next() >> 40) / Float(1 << 24)
        return range.lowerBound + (range.upperBound - range.lowerBound) * u
    }
}
