/// Training patches draw from the project's one generator (SRDImaging's `SplitMix64`); its
/// public `state` is what a checkpoint stores, so a resumed run draws exactly the patches the
/// uninterrupted run would have drawn.
public typealias TrainingRandom = SplitMix64
