/// Random weights and test inputs draw from the project's one generator (SRDImaging's
/// `SplitMix64`), so benchmarks and tests are bit-for-bit repeatable.
public typealias SeededRandom = SplitMix64
