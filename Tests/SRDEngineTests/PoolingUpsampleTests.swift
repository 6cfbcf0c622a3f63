import XCTest
@testable import SRDEngine

final class PoolingUpsampleTests: XCTestCase {
    func testMaxPool() {
        let x = Tensor.random(shape: [3, 9, 8], seed: 31)
        let p = MaxPool2D(kernel: 2)
        XCTAssertEqual(p(x).shape, [3, 4, 4])
        assertClose(p(x), p.referenceForward(x), 0, "maxpool 2")
        let p3 = MaxPool2D(kernel: 3, stride: 2)
        assertClose(p3(x), p3.referenceForward(x), 0, "maxpool 3/2")
        XCTAssertEqual(p(Tensor(shape: [1, 2, 2], data: [1, -5, 7, 2])).data, [7])
    }

    func testNearest() {
        let x = Tensor.random(shape: [2, 5, 4], seed: 32)
        let u = Upsample(factor: 3, mode: .nearest)
        assertClose(u(x), u.referenceForward(x), 0, "nearest")
        XCTAssertEqual(Upsample(factor: 2, mode: .nearest)(Tensor(shape: [1, 1, 2], data: [1, 2])).data, [1, 1, 2, 2, 1, 1, 2, 2])
    }

    func testBilinear() {
        let x = Tensor.random(shape: [2, 5, 7], seed: 33)
        for r in [2, 3, 4] {
            let u = Upsample(factor: r, mode: .bilinear)
            assertClose(u(x), u.referenceForward(x), 1e-6, "bilinear x\(r)")
        }
        // PyTorch: interpolate([0, 1], scale 2, bilinear, align_corners=False) = [0, .25, .75, 1].
        let y = Upsample(factor: 2, mode: .bilinear)(Tensor(shape: [1, 1, 2], data: [0, 1]))
        XCTAssertEqual(Array(y.data[0..<4]), [0, 0.25, 0.75, 1])
    }

    func testPad() {
        let x = Tensor(shape: [1, 2, 2], data: [1, 2, 3, 4])
        let rep = Pad2D(.replicate, 1)(x)
        XCTAssertEqual(rep.data, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        let r = Tensor.random(shape: [2, 4, 5], seed: 34)
        let pad = Pad2D(.zeros, top: 1, bottom: 2, left: 3, right: 0)
        assertClose(pad(r), pad.referenceForward(r), 0, "zero pad")
        let pad2 = Pad2D(.replicate, top: 2, bottom: 0, left: 1, right: 3)
        assertClose(pad2(r), pad2.referenceForward(r), 0, "replicate pad")
    }
}
