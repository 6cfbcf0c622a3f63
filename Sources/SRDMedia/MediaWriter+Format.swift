import CFFmpeg

extension MediaWriter {
    /// The muxer for an output: guessed from `outputPath`'s extension, else the input's container;
    /// "matroska" when that is an image-sequence muxer or cannot carry the video codec.
    ///
    /// - Parameters:
    ///   - outputPath: where the result will finally live (its extension decides).
    ///   - input: the reader of the source.
    ///   - videoCodec: the encoder that will be used.
    public static func chooseFormat(outputPath: String, input: MediaReader, videoCodec: String = "libx264") -> String {
        chooseFormat(outputPath: outputPath, inputFormat: input.video.containerFormat, videoCodec: videoCodec)
    }

    static func chooseFormat(outputPath: String, inputFormat: String, videoCodec: String) -> String {
        let codecID = avcodec_find_encoder_by_name(videoCodec)?.pointee.id ?? AV_CODEC_ID_H264
        var candidates: [UnsafePointer<AVOutputFormat>] = []
        if let byName = av_guess_format(nil, outputPath, nil) { candidates.append(byName) }
        // Demuxer names are lists ("mov,mp4,m4a,3gp,3g2,mj2"); the first that is a muxer counts.
        for name in inputFormat.split(separator: ",") {
            if let f = av_guess_format(String(name), nil, nil) { candidates.append(f); break }
        }
        for f in candidates {
            let name = avName(f.pointee.name)
            if f.pointee.flags & AVFMT_NOFILE != 0 || name.hasPrefix("image2") || name == "null" { continue }
            if avformat_query_codec(f, codecID, FF_COMPLIANCE_NORMAL) == 0 { continue }
            return name
        }
        return "matroska"
    }
}
