import XCTest
@testable import SRDEngine

final class TransposedConv2DTests: XCTestCase {
    func check(i: Int, o: Int, k: Int, stride: Int, padding: Int, outputPadding: Int = 0, dilation: Int = 1,
               h: Int, w: Int, budget: Int? = nil, seed: UInt64, line: UInt = #line) {
        var t = TransposedConv2D(weight: .random(shape: [i, o, k, k], seed: seed), bias: .random(shape: [o], seed: seed + 1),
                                 stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
        if let budget { t.columnBudget = budget }
        let x = Tensor.random(shape: [i, h, w], seed: seed + 2)
        let fast = t(x), ref = t.referenceForward(x)
        XCTAssertEqual(fast.shape, ref.shape, line: line)
        XCTAssertEqual(fast.shape, [o, (h - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1,
                                    (w - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1], line: line)
        assertClose(fast, ref, 1e-4, "transposed conv k\(k) s\(stride) p\(padding)", line: line)
    }

    func testStride2Kernel4() { check(i: 5, o: 3, k: 4, stride: 2, padding: 1, h: 7, w: 9, seed: 1) }
    func testStride3Kernel9LikeFSRCNN() { check(i: 6, o: 1, k: 9, stride: 3, padding: 6, h: 8, w: 7, seed: 2) }
    func testOutputPaddingAndDilation() { check(i: 3, o: 2, k: 3, stride: 2, padding: 1, outputPadding: 1, dilation: 2, h: 6, w: 5, seed: 3) }
    func testNegativeOutputPaddingCropsTheEnd() { check(i: 2, o: 2, k: 9, stride: 4, padding: 8, outputPadding: -1, h: 5, w: 6, seed: 4) }
    func testBands() { check(i: 4, o: 2, k: 2, stride: 2, padding: 0, h: 9, w: 4, budget: 2 * 4 * 4, seed: 5) }

    func testScatterByHand() {
        // One input sample 2 with a 2x2 kernel [[1, 2], [3, 4]], stride 2: a 2x2 output block.
        let t = TransposedConv2D(weight: Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]), bias: Tensor(shape: [1], data: [0.5]), stride: 2)
        XCTAssertEqual(t(Tensor(shape: [1, 1, 1], data: [2])).data, [2.5, 4.5, 6.5, 8.5])
    }
}
