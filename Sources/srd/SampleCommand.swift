import ArgumentParser
import SRDMedia

/// `srd sample OUTPUT`: renders the procedural sample clip used by `Scripts/demo` and
/// `Scripts/make-samples`: fine detail, motion, frame-number text, a sine-tone audio track,
/// subtitles and chapters, all made by libav encoders (no third-party footage).
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Render the procedural sample clip.", shouldDisplay: false)

    @Argument(help: "Output file (.mkv or .mp4).")
    var output: String

    @Option var width = 320
    @Option var height = 180
    @Option var seconds = 4.0
    @Option var fps = 25

    func run() throws {
        SRD.quietLibav()
        var o = SyntheticClip.Options()
        o.width = width
        o.height = height
        o.frameRate = Rational(num: fps, den: 1)
        o.frames = max(1, Int((seconds * Double(fps)).rounded()))
        o.audio = true
        o.subtitles = true
        o.chapters = 2
        o.title = "srd sample"
        o.crf = 16
        o.preset = "medium"
        try SyntheticClip.write(to: output, options: o)
        print("wrote \(output)")
    }
}
