import XCTest
@testable import SRDEngine

final class ActivationTests: XCTestCase {
    let x = Tensor.random(shape: [4, 6, 5], in: -3...3, seed: 21)

    func testPReLUShared() {
        let p = PReLU(slopes: Tensor(shape: [1], data: [0.25]))
        assertClose(p(x), p.referenceForward(x), 1e-7, "PReLU shared")
        XCTAssertEqual(p(Tensor(shape: [1, 1, 2], data: [-2, 3])).data, [-0.5, 3])
    }

    func testPReLUPerChannel() {
        let p = PReLU(slopes: Tensor(shape: [4], data: [0.1, 0.2, 0.3, 0.4]))
        let y = p(x)
        assertClose(y, p.referenceForward(x), 1e-7, "PReLU per channel")
        // Channel 3's negative samples scale by 0.4.
        let plane = 30
        for j in 0..<plane where x.data[3 * plane + j] < 0 {
            XCTAssertEqual(y.data[3 * plane + j], x.data[3 * plane + j] * 0.4, accuracy: 1e-6)
        }
    }

    func testPointwiseLayers() {
        assertClose(ReLU()(x), ReLU().referenceForward(x), 0, "ReLU")
        assertClose(LeakyReLU(slope: 0.2)(x), LeakyReLU(slope: 0.2).referenceForward(x), 0, "LeakyReLU")
        assertClose(Tanh()(x), Tanh().referenceForward(x), 1e-6, "tanh")
        assertClose(Sigmoid()(x), Sigmoid().referenceForward(x), 1e-6, "sigmoid")
        assertClose(Affine(scale: 0.5, shift: 0.5)(x), Affine(scale: 0.5, shift: 0.5).referenceForward(x), 0, "affine")
        let ms = MeanShift(mean: [0.4, 0.5, 0.6], range: 255, sign: -1)
        let rgb = Tensor.random(shape: [3, 4, 4], in: 0...1, seed: 22)
        assertClose(ms(rgb), ms.referenceForward(rgb), 1e-5, "MeanShift")
        XCTAssertEqual(ms(rgb).data[0], rgb.data[0] - 102, accuracy: 1e-4)
    }

    func testAddAndConcat() {
        let a = Tensor.random(shape: [2, 3, 3], seed: 23), b = Tensor.random(shape: [2, 3, 3], seed: 24)
        var b2 = ProgramBuilder(inputChannels: 2)
        let s = b2.add(b2.input, b2(Affine(scale: 1, shift: 1), b2.input), alpha: 0.1)
        let sum = Program(b2, output: s)(a)
        assertClose(sum, Add(alpha: 0.1).referenceForward(a, Affine(scale: 1, shift: 1).referenceForward(a)), 1e-6, "add")
        let cat = Concat().referenceForward([a, b])
        XCTAssertEqual(cat.shape, [4, 3, 3])
        XCTAssertEqual(Array(cat.data[18...]), b.data)
    }
}
