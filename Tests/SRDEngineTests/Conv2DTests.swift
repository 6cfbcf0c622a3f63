import XCTest
@testable import SRDEngine

/// The im2col + sgemm convolution against its naive reference on seeded random data.
final class Conv2DTests: XCTestCase {
    func check(o: Int, i: Int, k: Int, h: Int, w: Int, stride: Int = 1, padding: Int? = nil, dilation: Int = 1,
               mode: PaddingMode = .zeros, budget: Int? = nil, seed: UInt64, line: UInt = #line) {
        var conv = Conv2D(weight: .random(shape: [o, i, k, k], seed: seed), bias: .random(shape: [o], seed: seed + 1),
                          stride: stride, padding: padding, dilation: dilation, paddingMode: mode)
        if let budget { conv.columnBudget = budget }
        let x = Tensor.random(shape: [i, h, w], seed: seed + 2)
        let fast = conv(x), ref = conv.referenceForward(x)
        XCTAssertEqual(fast.shape, ref.shape, line: line)
        assertClose(fast, ref, 1e-4, "conv \(o)x\(i)x\(k)x\(k) s\(stride) d\(dilation) \(mode)", line: line)
    }

    func testSame3x3ZeroPadding() { check(o: 8, i: 5, k: 3, h: 13, w: 11, seed: 1) }
    func testSame5x5Replicate() { check(o: 6, i: 3, k: 5, h: 9, w: 12, mode: .replicate, seed: 2) }
    func testStride2WithPadding() { check(o: 4, i: 3, k: 3, h: 15, w: 10, stride: 2, padding: 1, seed: 3) }
    func testStride3Replicate() { check(o: 4, i: 2, k: 5, h: 17, w: 14, stride: 3, padding: 2, mode: .replicate, seed: 4) }
    func testDilation2() { check(o: 5, i: 4, k: 3, h: 12, w: 13, dilation: 2, seed: 5) }
    func testDilationReplicateNoPadding() { check(o: 3, i: 2, k: 3, h: 12, w: 9, padding: 0, dilation: 3, mode: .replicate, seed: 6) }
    func testPointwiseFastPath() { check(o: 7, i: 9, k: 1, h: 6, w: 8, seed: 7) }
    func testValidConvolution() { check(o: 3, i: 2, k: 9, h: 14, w: 12, padding: 0, seed: 8) }
    /// A tiny column budget forces one output row per band (and a remainder band).
    func testBandsEqualOneShot() { check(o: 6, i: 4, k: 3, h: 11, w: 7, budget: 4 * 9 * 7 * 2, seed: 9) }

    func testReplicatePaddingByHand() {
        // 1x1 channel [[1, 2], [3, 4]], a 3x3 kernel of ones: corner (0,0) sees 1,1,2 / 1,1,2 / 3,3,4.
        let conv = Conv2D(weight: Tensor(shape: [1, 1, 3, 3], repeating: 1), bias: nil, paddingMode: .replicate)
        let y = conv(Tensor(shape: [1, 2, 2], data: [1, 2, 3, 4]))
        XCTAssertEqual(y.data[0], 18)
        let zero = Conv2D(weight: Tensor(shape: [1, 1, 3, 3], repeating: 1), bias: nil)
        XCTAssertEqual(zero(Tensor(shape: [1, 2, 2], data: [1, 2, 3, 4])).data, [10, 10, 10, 10])
    }

    func testMultiplyAccumulates() {
        let conv = Conv2D(weight: Tensor(shape: [8, 4, 3, 3]), bias: nil)
        XCTAssertEqual(conv.multiplyAccumulates(for: Shape3(4, 10, 20)), Double(8 * 4 * 9 * 200))
    }
}
