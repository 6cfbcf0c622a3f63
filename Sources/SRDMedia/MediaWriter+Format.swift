import CFFmpeg

extension MediaWriter {
    /// The muxer for an output: guessed from `outputPath`'s extension, else the input's container
    /// (by the input's extension, so an .mp4 input gives "mp4" rather than "mov", then by the
    /// demuxer's name); "matroska" when that is an image-sequence muxer or cannot carry the video
    /// codec.
    ///
    /// - Parameters:
    ///   - outputPath: where the result will finally live (its extension decides).
    ///   - input: the reader of the source.
    ///   - videoCodec: the encoder that will be used.
    public static func chooseFormat(outputPath: String, input: MediaReader, videoCodec: String = "libx264") -> String {
        chooseFormat(outputPath: outputPath, inputPath: input.path, inputFormat: input.video.containerFormat,
                     videoCodec: videoCodec)
    }

    static func chooseFormat(outputPath: String, inputPath: String, inputFormat: String, videoCodec: String) -> String {
        let codecID = avcodec_find_encoder_by_name(videoCodec)?.pointee.id ?? AV_CODEC_ID_H264
        // Demuxer names are lists ("mov,mp4,m4a,3gp,3g2,mj2"): the input file's extension picks
        // the member when it is one of them, else the first name that is also a muxer.
        let inputNames = inputFormat.split(separator: ",").map(String.init)
        var chosen = av_guess_format(nil, outputPath, nil)
        if chosen == nil, let f = av_guess_format(nil, inputPath, nil), inputNames.contains(avName(f.pointee.name)) {
            chosen = f
        }
        if chosen == nil {
            chosen = inputNames.lazy.compactMap { av_guess_format($0, nil, nil) }.first
        }
        if let f = chosen {
            let name = avName(f.pointee.name)
            let isFileContainer = f.pointee.flags & AVFMT_NOFILE == 0 && !name.hasPrefix("image2") && name != "null"
            if isFileContainer, avformat_query_codec(f, codecID, FF_COMPLIANCE_NORMAL) != 0 { return name }
        }
        return "matroska"
    }

    /// True when this libav build has the encoder `name`.
    public static func hasEncoder(_ name: String) -> Bool { avcodec_find_encoder_by_name(name) != nil }

    /// Why `outputPath`'s container cannot hold `videoCodec` video (e.g. `.wav`, `.gif` for
    /// H.264), or nil when it can or when libav does not know the extension (Matroska is used).
    public static func unsuitableOutput(_ outputPath: String, videoCodec: String) -> String? {
        guard let f = av_guess_format(nil, outputPath, nil) else { return nil }
        let name = avName(f.pointee.name)
        if f.pointee.video_codec == AV_CODEC_ID_NONE {
            return "cannot write video to \(outputPath): the \(name) container holds no video"
        }
        guard let codec = avcodec_find_encoder_by_name(videoCodec) else { return nil }
        if avformat_query_codec(f, codec.pointee.id, FF_COMPLIANCE_NORMAL) == 0 {
            return "cannot write \(videoCodec) video to \(outputPath): the \(name) container cannot hold it (use .mkv, .mp4, or a picture name such as out_%08d.png)"
        }
        return nil
    }
}
