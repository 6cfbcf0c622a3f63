import Foundation
import SRDMedia
import SRDPipeline
import XCTest

/// The temporal stage on synthetic frames: it removes per-frame noise where the motion is
/// reliable, and a scene cut resets it so nothing of the first scene ghosts into the second.
final class TemporalSmootherTests: XCTestCase {
    /// Ground truth rendered at 192x128, the protocol's low-resolution input made from it, and
    /// a "network output" = ground truth plus per-frame noise (the invented detail that flickers).
    private func frames(pattern: SyntheticClip.Pattern, range: Range<Int>, seed: UInt64) -> [(lr: PlanarImage, out: PlanarImage, clean: PlanarImage)] {
        var rng = SplitMix64(seed: seed)
        return range.map { i in
            let clean = SyntheticClip.render(frame: i, pattern: pattern, width: 192, height: 128)
            let lr = Degradation.bicubic.apply(to: clean, scale: 2)
            var noisy = clean
            for k in 0..<noisy.data.count { noisy.data[k] += Float(rng.nextGaussian() * 0.03) }
            return (lr, noisy, clean)
        }
    }

    private func mse(_ a: PlanarImage, _ b: PlanarImage) -> Double {
        zip(a.data, b.data).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.data.count)
    }

    func testSmoothingRemovesFlickerOnReliableMotion() {
        let clip = frames(pattern: .colourBars, range: 0..<8, seed: 1)
        var smoother = TemporalSmoother(strength: 0.9)
        var before = 0.0, after = 0.0
        for (i, f) in clip.enumerated() {
            let motion = i > 0 ? TemporalSmoother.MotionAnalysis(current: f.lr, previous: clip[i - 1].lr) : nil
            let s = smoother.smooth(f.out, motion: motion, lowRes: f.lr, index: i)
            if i >= 3 {
                before += mse(f.out, f.clean)
                after += mse(s, f.clean)
            }
        }
        XCTAssertEqual(smoother.resets, [])
        XCTAssertLessThan(after, before * 0.6, "smoothing should average the per-frame noise away")
    }

    func testSceneCutResetsWithoutGhosting() {
        let a = frames(pattern: .detail, range: 0..<5, seed: 2)
        let b = frames(pattern: .colourBars, range: 40..<45, seed: 3)
        let joined = a + b
        var smoother = TemporalSmoother(strength: 1)
        var outputs: [PlanarImage] = []
        for (i, f) in joined.enumerated() {
            let motion = i > 0 ? TemporalSmoother.MotionAnalysis(current: f.lr, previous: joined[i - 1].lr) : nil
            outputs.append(smoother.smooth(f.out, motion: motion, lowRes: f.lr, index: i))
        }
        XCTAssertEqual(smoother.resets, [5], "the cut between the clips must reset the recursion")
        XCTAssertEqual(outputs[5], joined[5].out, "the first frame after a cut is the network's own")
        // After the cut, no trace of the first clip: each output is much closer to its own
        // content than the first clip's last frame is.
        for i in 6..<joined.count {
            let own = mse(outputs[i], joined[i].clean)
            let ghost = mse(joined[4].clean, joined[i].clean)
            XCTAssertLessThan(own, ghost * 0.05, "frame \(i) carries the previous scene")
        }
    }

    func testStrengthZeroIsIdentity() {
        let clip = frames(pattern: .detail, range: 0..<3, seed: 4)
        var smoother = TemporalSmoother(strength: 0)
        for (i, f) in clip.enumerated() {
            let motion = i > 0 ? TemporalSmoother.MotionAnalysis(current: f.lr, previous: clip[i - 1].lr) : nil
            XCTAssertEqual(smoother.smooth(f.out, motion: motion, lowRes: f.lr, index: i), f.out)
        }
    }

    /// A wrong motion estimate (it says "static" while the content moved) must not drag the
    /// previous frame in: the low-resolution check sees that the warped previous output does not
    /// match the current input. Without the check (and with a lax full-resolution test) it ghosts.
    func testLowResolutionCheckRejectsMisalignedContent() {
        let clip = frames(pattern: .detail, range: 0..<12, seed: 5)
        let (a, b) = (clip[0], clip[11])
        let wrongMotion = TemporalSmoother.MotionAnalysis(current: b.lr, previous: b.lr)
        XCTAssertFalse(wrongMotion.isSceneCut)
        func run(_ settings: TemporalSmoother.Settings) -> Double {
            var smoother = TemporalSmoother(strength: 1, settings: settings)
            _ = smoother.smooth(a.out, motion: nil, lowRes: a.lr, index: 0)
            return mse(smoother.smooth(b.out, motion: wrongMotion, lowRes: b.lr, index: 1), b.clean)
        }
        var unchecked = TemporalSmoother.Settings()
        unchecked.lowResCheck = 0
        unchecked.detailScale = 1000
        unchecked.backProjection = 0
        var checked = unchecked
        checked.lowResCheck = TemporalSmoother.Settings().lowResCheck
        let own = mse(b.out, b.clean)
        let ghost = run(unchecked), kept = run(checked)
        XCTAssertGreaterThan(ghost, mse(a.clean, b.clean) * 0.5, "without the check the moved content ghosts in")
        // The zone plate's finest rings vanish at the input's size, so there the check cannot see
        // the motion (it is built to let invented detail through); it must reject most of the rest.
        XCTAssertLessThan(kept, ghost * 0.25, "with it the current frame is kept where the content moved")
        var strict = checked
        strict.lowResCheck = 0.3
        XCTAssertLessThan(run(strict), own * 1.2, "a strict check keeps the current frame everywhere")
    }
}
