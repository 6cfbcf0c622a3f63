import Foundation

/// The learning rate at each step: linear warm-up, then cosine decay to `minimum` or a step
/// decay (multiply by `gamma` every `stepEvery` steps).
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case cosine, step, constant }
    public var kind: Kind
    public var base: Double
    public var minimum: Double
    public var warmup: Int
    public var total: Int
    public var stepEvery: Int
    public var gamma: Double

    public init(kind: Kind = .cosine, base: Double, minimum: Double? = nil, warmup: Int = 0, total: Int,
                stepEvery: Int = 0, gamma: Double = 0.5) {
        self.kind = kind
        self.base = base
        self.minimum = minimum ?? base * 0.01
        self.warmup = warmup
        self.total = total
        self.stepEvery = stepEvery > 0 ? stepEvery : max(1, total / 4)
        self.gamma = gamma
    }

    /// Learning rate for step `t` (0-based).
    public func rate(at t: Int) -> Double {
        if t < warmup { return base * Double(t + 1) / Double(warmup) }
        switch kind {
        case .constant: return base
        case .step: return base * pow(gamma, Double(t / stepEvery))
        case .cosine:
            let span = max(1, total - warmup)
            let p = min(1, Double(t - warmup) / Double(span))
            return minimum + (base - minimum) * 0.5 * (1 + cos(Double.pi * p))
        }
    }
}
