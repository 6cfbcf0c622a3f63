import XCTest
@testable import SRDEngine

final class BatchNormTests: XCTestCase {
    func testFoldingEqualsConvThenBatchNorm() {
        let conv = Conv2D(weight: .random(shape: [6, 4, 3, 3], seed: 41), bias: .random(shape: [6], seed: 42))
        let bn = BatchNorm2D(weight: .random(shape: [6], in: 0.5...1.5, seed: 43), bias: .random(shape: [6], seed: 44),
                             runningMean: .random(shape: [6], seed: 45), runningVar: .random(shape: [6], in: 0.2...2, seed: 46))
        let x = Tensor.random(shape: [4, 10, 9], seed: 47)
        let unfolded = bn(conv(x))
        assertClose(unfolded, bn.referenceForward(conv.referenceForward(x)), 1e-4, "BN layer vs reference")
        assertClose(conv.folding(bn)(x), unfolded, 1e-4, "folded vs unfolded")
    }
}
