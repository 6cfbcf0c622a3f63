import CFFmpeg

/// An exact fraction (time bases, frame rates, aspect ratios), as libav's AVRational.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    public var num: Int
    public var den: Int

    public init(num: Int, den: Int) {
        self.num = num
        self.den = den
    }

    /// The value as a Double; 0 when the denominator is 0 (libav's "unknown").
    public var doubleValue: Double { den == 0 ? 0 : Double(num) / Double(den) }

    public var description: String { "\(num)/\(den)" }

    init(_ r: AVRational) { self.init(num: Int(r.num), den: Int(r.den)) }

    var av: AVRational { AVRational(num: Int32(num), den: Int32(den)) }
}
