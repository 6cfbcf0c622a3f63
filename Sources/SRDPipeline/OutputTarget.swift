import Foundation
import SRDMedia

/// Where a job's result goes, and how it appears there only when complete: a video or a single
/// picture is written under a hidden name beside OUTPUT and renamed; a picture sequence
/// (`out/%08d.png`) is written into a hidden folder beside it and its files are moved in at the
/// end. On any error nothing of it is left.
struct OutputTarget {
    let output: String
    /// Set for picture outputs (by OUTPUT's extension).
    let image: ImageOutput?
    /// What the writer opens: the hidden file, or the pattern inside the hidden folder.
    let writePath: String
    private let staging: String?

    init(output: String) {
        self.output = output
        image = ImageOutput.detect(output)
        let url = URL(fileURLWithPath: output)
        let dir = url.deletingLastPathComponent()
        if image?.isSequence == true {
            let folder = dir.appendingPathComponent(".srd-partial-\(getpid())-frames").path
            staging = folder
            writePath = (folder as NSString).appendingPathComponent(url.lastPathComponent)
        } else {
            staging = nil
            writePath = dir.appendingPathComponent(".\(url.lastPathComponent).srd-partial-\(getpid())").path
        }
    }

    /// Refuses, before any work, an output that cannot hold the result: a picture encoder this
    /// libav lacks, a single picture for an input of several frames, a container that cannot
    /// carry the video codec.
    func validate(video: VideoStreamInfo, encode: EncodeSettings) throws {
        if let image {
            guard image.isAvailable else {
                throw PipelineError.invalidArgument("cannot write \(output): this libav build has no \(image.codec) encoder")
            }
            if !image.isSequence, video.estimatedFrameCount > 1 {
                let stem = URL(fileURLWithPath: output).deletingPathExtension().path
                let ext = URL(fileURLWithPath: output).pathExtension
                throw PipelineError.invalidArgument("\(output) holds one picture but the input has \(video.estimatedFrameCount) frames: name a pattern such as \(stem)_%08d.\(ext)")
            }
        } else if encode.formatName == nil, let why = MediaWriter.unsuitableOutput(output, videoCodec: encode.codec) {
            throw PipelineError.invalidArgument(why)
        }
    }

    /// The encoder settings: a picture output's own (PNG/TIFF keep more than 8 bits as 16); for
    /// an HDR or 10-bit HEVC input with no `--codec`, 10-bit libx265 (HDR10 metadata carried);
    /// else `base`.
    func encodeSettings(_ base: EncodeSettings, reader: MediaReader, codecGiven: Bool) -> EncodeSettings {
        guard let image else {
            var e = base
            let video = reader.video
            if !codecGiven, video.isHDR || (video.codecName == "hevc" && video.bitDepth > 8),
               MediaWriter.hasEncoder("libx265") {
                e.codec = "libx265"
                if e.pixelFormat == nil || !(e.pixelFormat!.contains("10") || e.pixelFormat!.contains("12")) {
                    e.pixelFormat = "yuv420p10le"
                }
            }
            if e.formatName == nil { e.formatName = MediaWriter.chooseFormat(outputPath: output, input: reader, videoCodec: e.codec) }
            return e
        }
        var e = image.settings(sourceDepth: reader.video.bitDepth)
        if let p = base.pixelFormat { e.pixelFormat = p }
        e.extraOptions.merge(base.extraOptions) { $1 }
        return e
    }

    /// Makes the output appear: fsync, then rename (or move every picture of a sequence in).
    func commit() throws {
        if let staging {
            let names = try FileManager.default.contentsOfDirectory(atPath: staging).sorted()
            let dir = (output as NSString).deletingLastPathComponent
            for name in names { try UpscaleJob.fsync(path: (staging as NSString).appendingPathComponent(name)) }
            for name in names where rename((staging as NSString).appendingPathComponent(name), (dir as NSString).appendingPathComponent(name)) != 0 {
                throw PipelineError.outputNotWritable(output, String(cString: strerror(errno)))
            }
            try? FileManager.default.removeItem(atPath: staging)
        } else {
            try UpscaleJob.fsync(path: writePath)
            if rename(writePath, output) != 0 {
                throw PipelineError.outputNotWritable(output, String(cString: strerror(errno)))
            }
        }
        UpscaleJob.fsyncDirectory(of: output)
    }

    /// Removes whatever was written.
    func discard() {
        try? FileManager.default.removeItem(atPath: staging ?? writePath)
    }

    /// Prepares the hidden folder of a sequence.
    func prepare() throws {
        guard let staging else { return }
        try? FileManager.default.removeItem(atPath: staging)
        do { try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false) } catch {
            throw PipelineError.outputNotWritable(output, "cannot create \(staging)")
        }
    }
}
