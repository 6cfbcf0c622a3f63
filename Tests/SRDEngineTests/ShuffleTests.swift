import XCTest
@testable import SRDEngine

final class ShuffleTests: XCTestCase {
    func testPixelShuffleMatchesReference() {
        for (r, c) in [(2, 3), (3, 2), (4, 1)] {
            let x = Tensor.random(shape: [c * r * r, 5, 7], seed: UInt64(r))
            assertClose(PixelShuffle(r)(x), PixelShuffle(r).referenceForward(x), 0, "PixelShuffle(\(r)) C=\(c)")
        }
    }

    func testPixelShuffleOrderByHand() {
        // 4 channels of one sample each: out[0, i, j] = in[2i + j].
        let y = PixelShuffle(2)(Tensor(shape: [4, 1, 1], data: [0, 1, 2, 3]))
        XCTAssertEqual(y.shape, [1, 2, 2])
        XCTAssertEqual(y.data, [0, 1, 2, 3])
        // 8 channels, C = 2: channel c takes inputs 4c ..< 4c + 4.
        let z = PixelShuffle(2)(Tensor(shape: [8, 1, 1], data: [0, 1, 2, 3, 4, 5, 6, 7]))
        XCTAssertEqual(z.data, [0, 1, 2, 3, 4, 5, 6, 7])
        let d = PixelShuffle(2, order: .tensorflow)(Tensor(shape: [8, 1, 1], data: [0, 1, 2, 3, 4, 5, 6, 7]))
        // TF order: out[c, i, j] = in[(2i + j) * 2 + c].
        XCTAssertEqual(d.data, [0, 2, 4, 6, 1, 3, 5, 7])
    }

    /// The TensorFlow order equals the PyTorch order after permuting channels k*C + c -> c*r^2 + k, and the
    /// two agree for one output channel.
    func testDepthToSpaceIsPixelShuffleWithPermutedChannels() {
        let r = 3, c = 2, h = 4, w = 5
        let x = Tensor.random(shape: [c * r * r, h, w], seed: 11)
        var permuted = Tensor(shape: x.shape)
        for k in 0..<(r * r) {
            for ch in 0..<c {
                for j in 0..<(h * w) { permuted.data[(ch * r * r + k) * h * w + j] = x.data[(k * c + ch) * h * w + j] }
            }
        }
        XCTAssertEqual(PixelShuffle(r, order: .tensorflow)(x), PixelShuffle(r)(permuted))
        XCTAssertEqual(PixelShuffle(r, order: .tensorflow)(x), PixelShuffle(r, order: .tensorflow).referenceForward(x))
        XCTAssertNotEqual(PixelShuffle(r, order: .tensorflow)(x), PixelShuffle(r)(x))
        let one = Tensor.random(shape: [r * r, h, w], seed: 12)
        XCTAssertEqual(PixelShuffle(r, order: .tensorflow)(one), PixelShuffle(r)(one))
    }
}
