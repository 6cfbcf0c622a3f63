import XCTest
@testable import SRDEngine

/// Every backward pass against central finite differences of L = sum(R * layer(x)) for a random R.
///
/// Float32 forward passes, the loss summed in float64. Inputs are kept away from the kinks of
/// ReLU-like functions and max-pool ties so the difference quotient is valid. Tolerance: 2e-3
/// relative to max(1, |numeric|) for layers linear in what is perturbed (exact quotients), a
/// little more for curved ones.
final class GradientCheckTests: XCTestCase {
    /// A random input in -1...1 with |x| >= 0.05 (no kinks within the finite-difference step).
    func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var t = Tensor.random(shape: shape, in: -1...1, seed: seed)
        t.data = t.data.map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
        return t
    }

    /// Checks d/dx and d/dparams of `make(params)` at `x`.
    func check(_ label: String, x: Tensor, params: [Tensor] = [], eps: Float = 1e-2, tolerance: Double = 2e-3,
               _ make: ([Tensor]) -> any DifferentiableLayer, file: StaticString = #filePath, line: UInt = #line) {
        let layer = make(params)
        let outShape = layer.outputShape(for: x.shape3)
        let r = Tensor.random(shape: [outShape.c, outShape.h, outShape.w], in: -1...1, seed: 99)
        func loss(_ l: any DifferentiableLayer, _ xi: Tensor) -> Double {
            let y = l(xi)
            var s = 0.0
            for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
            return s
        }
        // Analytic.
        let ws = Workspace()
        var xs = x.data, ys = [Float](repeating: 0, count: outShape.count), rs = r.data
        var gx = [Float](repeating: 0, count: x.count)
        var gp = params.map { [Float](repeating: 0, count: $0.count) }
        xs.withUnsafeMutableBufferPointer { xp in
            ys.withUnsafeMutableBufferPointer { yp in
                rs.withUnsafeMutableBufferPointer { rp in
                    gx.withUnsafeMutableBufferPointer { gxp in
                        let xin = FeatureMap(xp.baseAddress!, x.shape3), yout = FeatureMap(yp.baseAddress!, outShape)
                        layer.forward(xin, into: yout, workspace: ws)
                        let ptrs = (0..<gp.count).map { i in UnsafeMutablePointer<Float>.allocate(capacity: gp[i].count) }
                        for (i, p) in ptrs.enumerated() { p.update(repeating: 0, count: gp[i].count) }
                        layer.backward(input: xin, output: yout, outputGradient: FeatureMap(rp.baseAddress!, outShape),
                                       inputGradient: FeatureMap(gxp.baseAddress!, x.shape3), parameterGradients: ptrs, workspace: ws)
                        for (i, p) in ptrs.enumerated() {
                            gp[i] = Array(UnsafeBufferPointer(start: p, count: gp[i].count))
                            p.deallocate()
                        }
                    }
                }
            }
        }
        XCTAssertEqual(layer.parameterSizes, params.map(\.count), "\(label): parameter sizes", file: file, line: line)
        // Numeric, input.
        var worst = 0.0
        for i in 0..<x.count {
            var xp = x, xm = x
            xp.data[i] += eps
            xm.data[i] -= eps
            let n = (loss(layer, xp) - loss(layer, xm)) / Double(2 * eps)
            worst = max(worst, abs(n - Double(gx[i])) / max(1, abs(n)))
        }
        XCTAssertLessThan(worst, tolerance, "\(label): input gradient", file: file, line: line)
        // Numeric, parameters.
        for (k, p) in params.enumerated() {
            var worstP = 0.0
            for i in 0..<p.count {
                var pp = params, pm = params
                pp[k].data[i] += eps
                pm[k].data[i] -= eps
                let n = (loss(make(pp), x) - loss(make(pm), x)) / Double(2 * eps)
                worstP = max(worstP, abs(n - Double(gp[k][i])) / max(1, abs(n)))
            }
            XCTAssertLessThan(worstP, tolerance, "\(label): parameter \(k) gradient", file: file, line: line)
        }
    }

    func convParams(_ o: Int, _ i: Int, _ k: Int, seed: UInt64) -> [Tensor] {
        [Tensor.random(shape: [o, i, k, k], in: -0.5...0.5, seed: seed), Tensor.random(shape: [o], in: -0.5...0.5, seed: seed + 1)]
    }

    func testConv3x3Same() {
        check("conv 3x3", x: input([3, 7, 6], seed: 1), params: convParams(4, 3, 3, seed: 2)) {
            Conv2D(weight: $0[0], bias: $0[1])
        }
    }

    func testConvStridedPadded() {
        check("conv 3x3 stride 2 pad 1", x: input([2, 9, 8], seed: 3), params: convParams(3, 2, 3, seed: 4)) {
            Conv2D(weight: $0[0], bias: $0[1], stride: 2, padding: 1)
        }
        check("conv 4x4 stride 2 pad 1", x: input([2, 8, 8], seed: 5), params: convParams(3, 2, 4, seed: 6)) {
            Conv2D(weight: $0[0], bias: $0[1], stride: 2, padding: 1)
        }
        check("conv 5x5 valid", x: input([2, 8, 7], seed: 7), params: convParams(2, 2, 5, seed: 8)) {
            Conv2D(weight: $0[0], bias: $0[1], padding: 0)
        }
    }

    func testConvReplicatePaddingAndPointwise() {
        check("conv 3x3 replicate", x: input([2, 6, 5], seed: 9), params: convParams(3, 2, 3, seed: 10)) {
            Conv2D(weight: $0[0], bias: $0[1], paddingMode: .replicate)
        }
        check("conv 1x1", x: input([4, 5, 5], seed: 11), params: convParams(3, 4, 1, seed: 12)) {
            Conv2D(weight: $0[0], bias: $0[1])
        }
    }

    func testTransposedConv() {
        let params = [Tensor.random(shape: [3, 2, 4, 4], in: -0.5...0.5, seed: 30), Tensor.random(shape: [2], in: -0.5...0.5, seed: 31)]
        check("deconv 4x4 stride 2 pad 1", x: input([3, 4, 5], seed: 32), params: params) {
            TransposedConv2D(weight: $0[0], bias: $0[1], stride: 2, padding: 1)
        }
        let p9 = [Tensor.random(shape: [2, 1, 9, 9], in: -0.5...0.5, seed: 33), Tensor.random(shape: [1], in: -0.5...0.5, seed: 34)]
        check("deconv 9x9 stride 3 pad 4 output padding 2 (FSRCNN x3)", x: input([2, 3, 3], seed: 35), params: p9) {
            TransposedConv2D(weight: $0[0], bias: $0[1], stride: 3, padding: 4, outputPadding: 2)
        }
    }

    func testActivations() {
        let x = input([3, 5, 4], seed: 13)
        check("PReLU shared", x: x, params: [Tensor(shape: [1], data: [0.2])]) { PReLU(slopes: $0[0]) }
        check("PReLU per channel", x: x, params: [Tensor(shape: [3], data: [0.1, 0.25, -0.3])]) { PReLU(slopes: $0[0]) }
        check("ReLU", x: x, eps: 1e-2) { _ in ReLU() }
        check("LeakyReLU", x: x, eps: 1e-2) { _ in LeakyReLU(slope: 0.2) }
        check("tanh", x: x, eps: 1e-2, tolerance: 5e-3) { _ in Tanh() }
        check("sigmoid", x: x, eps: 1e-2, tolerance: 5e-3) { _ in Sigmoid() }
        check("affine", x: x) { _ in Affine(scale: 0.5, shift: 0.25) }
        check("mean shift", x: x) { _ in MeanShift(mean: [0.4, 0.5, 0.6], range: 1, sign: -1) }
    }

    func testRearrangementsAndResampling() {
        check("pixel shuffle x2", x: input([8, 3, 4], seed: 14)) { _ in PixelShuffle(2) }
        check("pixel shuffle x3", x: input([9, 2, 3], seed: 15)) { _ in PixelShuffle(3) }
        check("pixel shuffle x2, TensorFlow order", x: input([8, 3, 4], seed: 16)) { _ in PixelShuffle(2, order: .tensorflow) }
        check("upsample nearest", x: input([2, 3, 4], seed: 16)) { _ in Upsample(factor: 2, mode: .nearest) }
        check("upsample bilinear", x: input([2, 3, 4], seed: 17)) { _ in Upsample(factor: 2, mode: .bilinear) }
        // Max pool: distinct values spaced more than 2 eps apart, so no window's winner changes.
        var x = Tensor(shape: [2, 6, 6])
        var perm = Array(0..<72)
        var rng = SeededRandom(seed: 18)
        perm.shuffle(using: &rng)
        x.data = perm.map { Float($0) * 0.05 }
        check("max pool 2", x: x, eps: 1e-2) { _ in MaxPool2D(kernel: 2) }
        check("max pool 3 stride 2", x: x, eps: 1e-2) { _ in MaxPool2D(kernel: 3, stride: 2) }
    }

    /// The largest relative error between the analytic gradient of sum(weights * net(input)) and
    /// central differences with step `eps`, over every `every`-th parameter, and where it was.
    static func worstParameterGradientError(_ net: inout TrainableNetwork, input x: Tensor, weights r: Tensor,
                                            eps: Float, every: Int) throws -> (Double, String) {
        let (_, g) = try net.weightedSumGradient(input: x, weights: r)
        var worst = 0.0, worstName = ""
        let base = net.values
        defer { net.values = base }
        for i in stride(from: 0, to: net.parameterCount, by: every) {
            net.values = base
            net.values[i] += eps
            let lp = try net.weightedSumGradient(input: x, weights: r).value
            net.values[i] -= 2 * eps
            let lm = try net.weightedSumGradient(input: x, weights: r).value
            let n = (lp - lm) / Double(2 * eps)
            let e = abs(n - Double(g[i])) / max(1, abs(n))
            if e > worst { worst = e; worstName = net.specs[net.offsets.lastIndex { $0 <= i }!].name + " n=\(n) a=\(g[i])" }
        }
        return (worst, worstName)
    }

    /// The whole-graph backward (residual add, two consumers of the input, pixel shuffle) against
    /// finite differences on every parameter of a tiny SRDFast.
    func testSRDFastNetworkGradient() throws {
        let d = ModelDescription(name: "t", arch: "SRDFast", scale: 2, color: .y(.bt601), input: .lr,
                                 hyperparameters: ["channels": .number(4), "blocks": .number(2), "skip_kernel": .number(3)])
        var net = try TrainableNetwork(description: d, tensors: ModelLoader.randomParameters(for: d, seed: 5))
        let x = Tensor.random(shape: [1, 6, 5], in: 0...1, seed: 6)
        let r = Tensor.random(shape: [1, 12, 10], in: -1...1, seed: 7)
        // A small step: with random weights many pre-activations sit near a PReLU kink, and a
        // step that crosses one spoils the difference quotient (2e-3 already does for a few).
        let (worst, worstName) = try Self.worstParameterGradientError(&net, input: x, weights: r, eps: 4e-4, every: 3)
        XCTAssertLessThan(worst, 2e-2, "SRDFast parameter gradients, worst at \(worstName)")
    }

    /// EDSR's residual blocks with res_scale (the add's alpha) and mean shifts.
    func testEDSRNetworkGradient() throws {
        let d = ModelDescription(name: "t", arch: "EDSR", scale: 2, color: .rgb, input: .lr,
                                 hyperparameters: ["n_resblocks": .number(1), "n_feats": .number(4), "res_scale": .number(0.5), "rgb_range": .number(1)])
        var net = try TrainableNetwork(description: d, tensors: ModelLoader.randomParameters(for: d, seed: 8))
        let x = Tensor.random(shape: [3, 4, 5], in: 0...1, seed: 9)
        let r = Tensor.random(shape: [3, 8, 10], in: -1...1, seed: 10)
        let (worst, _) = try Self.worstParameterGradientError(&net, input: x, weights: r, eps: 1e-2, every: 7)
        XCTAssertLessThan(worst, 2e-2, "EDSR parameter gradients")
    }
}

/// Batch norm in training mode: gradients through the batch statistics, by finite differences.
final class GradientCheckBatchNormTests: XCTestCase {
    func testTrainingModeGradients() {
        let c = 2, h = 3, w = 4, batchSize = 3
        let weight = Tensor(shape: [c], data: [1.3, 0.7]), bias = Tensor(shape: [c], data: [0.1, -0.2])
        let xs = (0..<batchSize).map { Tensor.random(shape: [c, h, w], in: -1...1, seed: UInt64(40 + $0)) }
        let rs = (0..<batchSize).map { Tensor.random(shape: [c, h, w], in: -1...1, seed: UInt64(50 + $0)) }
        func run(_ xs: [Tensor], _ wt: Tensor, _ b: Tensor) -> (Double, BatchNorm2D.BatchStatistics, [[Float]]) {
            let bn = BatchNorm2D(weight: wt, bias: b, runningMean: Tensor(shape: [c]), runningVar: Tensor(shape: [c], repeating: 1))
            let s = Shape3(c, h, w)
            let ins = xs.map { t -> UnsafeMutablePointer<Float> in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: t.count)
                p.update(from: t.data, count: t.count)
                return p
            }
            let outs = xs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
            defer { for p in ins + outs { p.deallocate() } }
            let st = bn.trainingForward(ins.map { FeatureMap($0, s) }, into: outs.map { FeatureMap($0, s) })
            var l = 0.0
            for i in 0..<batchSize { for j in 0..<(c * h * w) { l += Double(outs[i][j]) * Double(rs[i].data[j]) } }
            return (l, st, outs.map { Array(UnsafeBufferPointer(start: $0, count: c * h * w)) })
        }
        // Analytic.
        let bn = BatchNorm2D(weight: weight, bias: bias, runningMean: Tensor(shape: [c]), runningVar: Tensor(shape: [c], repeating: 1))
        let s = Shape3(c, h, w)
        let xPtrs = xs.map { t -> UnsafeMutablePointer<Float> in let p = UnsafeMutablePointer<Float>.allocate(capacity: t.count); p.update(from: t.data, count: t.count); return p }
        let yPtrs = xs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
        let gPtrs = rs.map { t -> UnsafeMutablePointer<Float> in let p = UnsafeMutablePointer<Float>.allocate(capacity: t.count); p.update(from: t.data, count: t.count); return p }
        let dPtrs = xs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
        defer { for p in xPtrs + yPtrs + gPtrs + dPtrs { p.deallocate() } }
        let st = bn.trainingForward(xPtrs.map { FeatureMap($0, s) }, into: yPtrs.map { FeatureMap($0, s) })
        var gw = [Float](repeating: 0, count: c), gb = [Float](repeating: 0, count: c)
        bn.trainingBackward(xPtrs.map { FeatureMap($0, s) }, statistics: st, outputGradients: gPtrs.map { FeatureMap($0, s) },
                            inputGradients: dPtrs.map { FeatureMap($0, s) }, weightGradient: &gw, biasGradient: &gb)
        // The normalised output has zero mean and unit (biased) variance per channel.
        let y0 = run(xs, Tensor(shape: [c], repeating: 1), Tensor(shape: [c])).2
        var m = 0.0, v = 0.0
        for i in 0..<batchSize { for j in 0..<(h * w) { m += Double(y0[i][j]) } }
        m /= Double(batchSize * h * w)
        for i in 0..<batchSize { for j in 0..<(h * w) { v += pow(Double(y0[i][j]) - m, 2) } }
        XCTAssertEqual(m, 0, accuracy: 1e-5)
        XCTAssertEqual(v / Double(batchSize * h * w), 1, accuracy: 1e-3)
        let eps: Float = 1e-2
        var worst = 0.0
        for i in 0..<batchSize {
            for j in 0..<(c * h * w) {
                var xp = xs, xm = xs
                xp[i].data[j] += eps
                xm[i].data[j] -= eps
                let num = (run(xp, weight, bias).0 - run(xm, weight, bias).0) / Double(2 * eps)
                worst = max(worst, abs(num - Double(dPtrs[i][j])) / max(1, abs(num)))
            }
        }
        XCTAssertLessThan(worst, 5e-3, "input gradients through the batch statistics")
        for ch in 0..<c {
            var wp = weight, wm = weight, bp = bias, bm = bias
            wp.data[ch] += eps
            wm.data[ch] -= eps
            bp.data[ch] += eps
            bm.data[ch] -= eps
            XCTAssertEqual((run(xs, wp, bias).0 - run(xs, wm, bias).0) / Double(2 * eps), Double(gw[ch]), accuracy: 2e-3)
            XCTAssertEqual((run(xs, weight, bp).0 - run(xs, weight, bm).0) / Double(2 * eps), Double(gb[ch]), accuracy: 2e-3)
        }
        let updated = bn.updatingRunningStatistics(with: st)
        XCTAssertEqual(updated.runningMean[0], 0.1 * st.mean[0], accuracy: 1e-6)
    }
}
