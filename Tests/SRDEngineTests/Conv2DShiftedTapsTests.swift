import XCTest
@testable import SRDEngine

/// The shifted-tap GEMM convolution against the naive reference and the im2col kernel.
final class Conv2DShiftedTapsTests: XCTestCase {
    func check(o: Int, i: Int, kh: Int, kw: Int, h: Int, w: Int, padding: Int? = nil, dilation: Int = 1,
               mode: PaddingMode = .zeros, algorithm: Conv2D.Algorithm = .shiftedTaps, seed: UInt64, line: UInt = #line) {
        var conv = Conv2D(weight: .random(shape: [o, i, kh, kw], seed: seed), bias: .random(shape: [o], seed: seed + 1),
                          padding: padding, dilation: dilation, paddingMode: mode)
        conv.algorithm = algorithm
        XCTAssertTrue(conv.usesShiftedTaps, line: line)
        let x = Tensor.random(shape: [i, h, w], seed: seed + 2)
        let fast = conv(x), ref = conv.referenceForward(x)
        XCTAssertEqual(fast.shape, ref.shape, line: line)
        assertClose(fast, ref, 1e-4, "taps \(o)x\(i)x\(kh)x\(kw) d\(dilation) \(mode)", line: line)
        conv.algorithm = .im2col
        XCTAssertFalse(conv.usesShiftedTaps, line: line)
        assertClose(fast, conv(x), 1e-4, "taps vs im2col", line: line)
    }

    /// Narrow rows: several rows per band through the scratch band, with a remainder band.
    func testSeveralRowsPerBand() { check(o: 8, i: 16, kh: 3, kw: 3, h: 23, w: 40, algorithm: .automatic, seed: 1) }
    /// Rows wider than the band: one row per GEMM, written straight into the output.
    func testOneRowPerBandWritesOutput() {
        check(o: 3, i: 2, kh: 3, kw: 3, h: 3, w: Conv2D.shiftedTapsBandColumns + 5, seed: 2)
    }
    func testNonSquareDilatedReplicate() { check(o: 5, i: 4, kh: 3, kw: 5, h: 14, w: 17, padding: 2, dilation: 2, mode: .replicate, seed: 3) }
    /// No padding: the GEMMs read the input itself.
    func testValidReadsInputDirectly() { check(o: 4, i: 3, kh: 5, kw: 5, h: 12, w: 10, padding: 0, seed: 4) }

    func testAutomaticKeepsIm2colForRGBAndStrides() {
        let rgb = Conv2D(weight: .random(shape: [64, 3, 3, 3], seed: 5), bias: nil)
        XCTAssertFalse(rgb.usesShiftedTaps)
        let strided = Conv2D(weight: .random(shape: [8, 32, 3, 3], seed: 6), bias: nil, stride: 2, padding: 1)
        XCTAssertFalse(strided.usesShiftedTaps)
        let pointwise = Conv2D(weight: .random(shape: [8, 32, 1, 1], seed: 7), bias: nil)
        XCTAssertFalse(pointwise.usesShiftedTaps)
    }
}
