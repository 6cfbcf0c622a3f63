import CFFmpeg

/// Writes small synthetic video files with libav, for tests and the product's sample generator.
///
/// Frames are procedural: a moving zone plate (fine detail up to Nyquist), fine stripes, a moving
/// square and the frame number in a built-in 5x7 font; or colour bars or a gradient. Options add
/// irregular timestamps, a sine-tone audio track, subtitle cues, chapters, a title, rotation and
/// an attachment, so every copy path of the writer can be exercised.
public enum SyntheticClip {
    /// The picture content.
    public enum Pattern: String, Sendable, Hashable {
        /// Zone plate, stripes, moving square, frame number.
        case detail
        /// 75% colour bars (white yellow cyan green magenta red blue black) with the frame number.
        case colourBars
        /// A horizontal grey ramp from 0 to 1 (for bit-depth checks).
        case gradient
    }

    /// Colour tags written to the video stream; raw libav enum values.
    public struct ColorTags: Sendable, Hashable {
        public var primaries: Int32
        public var transfer: Int32
        public var matrix: Int32
        public var range: Int32

        public init(primaries: Int32, transfer: Int32, matrix: Int32, range: Int32) {
            self.primaries = primaries
            self.transfer = transfer
            self.matrix = matrix
            self.range = range
        }

        /// BT.709, limited range.
        public static let bt709 = ColorTags(primaries: 1, transfer: 1, matrix: 1, range: 1)
        /// BT.709, full range.
        public static let bt709Full = ColorTags(primaries: 1, transfer: 1, matrix: 1, range: 2)
        /// BT.601 (SMPTE 170M), limited range.
        public static let bt601 = ColorTags(primaries: 6, transfer: 6, matrix: 6, range: 1)
        /// BT.2020 non-constant luminance, 10-bit transfer, limited range.
        public static let bt2020 = ColorTags(primaries: 9, transfer: 14, matrix: 9, range: 1)
        /// Nothing tagged (readers then guess by size; frames are made with that same guess).
        public static let unspecified = ColorTags(primaries: 2, transfer: 2, matrix: 2, range: 0)
    }

    public struct Options: Sendable, Hashable {
        public var width = 320
        public var height = 240
        public var frames = 24
        /// Nominal rate; with `variableFrameRate` the average differs.
        public var frameRate = Rational(num: 24, den: 1)
        public var codec = "libx264"
        public var pixelFormat = "yuv420p"
        public var crf: Double? = 20
        public var preset: String? = "veryfast"
        public var colorTags = ColorTags.bt709
        public var pattern = Pattern.detail
        /// Irregular frame durations (40, 20, 60, 33, 50, 17 ms, repeating) in a 1/1000 time base.
        public var variableFrameRate = false
        /// A 440 Hz stereo sine tone: aac in mp4/mov, flac in matroska, pcm_s16le otherwise.
        public var audio = false
        /// Tone tracks written when `audio` is set (each an octave above the one before).
        public var audioTracks = 1
        /// Frames between keyframes (the encoder's GOP size); nil keeps the encoder's default.
        public var keyframeInterval: Int?
        /// Three text cues: mov_text in mp4/mov, subrip in matroska.
        public var subtitles = false
        /// Chapters evenly dividing the clip, titled "CHAPTER 1"...; 0 for none.
        public var chapters = 0
        /// Container title metadata.
        public var title: String?
        /// Clockwise rotation a player should apply (display matrix), or nil for none.
        public var rotation: Double?
        public var sampleAspectRatio = Rational(num: 1, den: 1)
        /// A small text attachment (matroska only), like a font attached to subtitles.
        public var attachment = false
        /// HDR10 metadata on the video stream (and in the bitstream, with libx265).
        public var hdr: HDRMetadata?
        /// libav muxer name; nil guesses from the path's extension.
        public var formatName: String?
        /// Pictures to encode instead of the generated pattern (they set the frame count and
        /// size): `CodecDegradation` round-trips through this.
        public var images: [PlanarImage]?

        public init() {}
    }

    /// What was written.
    public struct Result: Sendable, Hashable {
        /// Video timestamps as given to the encoder, in `timeBase`.
        public var videoPTS: [Int64]
        public var timeBase: Rational
        public var durationSeconds: Double
        public var formatName: String
    }

    /// Writes a clip to `path`.
    @discardableResult
    public static func write(to path: String, options: Options) throws -> Result {
        var o = options
        if let images = o.images, let first = images.first {
            o.frames = images.count; o.width = first.width; o.height = first.height
        }
        guard o.width > 0, o.height > 0, o.frames > 0, o.frameRate.num > 0, o.frameRate.den > 0 else {
            throw MediaError(.invalidArgument, "synthetic clip needs a positive size, frame count and rate")
        }
        let formatName: String
        if let f = o.formatName {
            formatName = f
        } else if let f = av_guess_format(nil, path, nil) {
            formatName = avName(f.pointee.name)
        } else {
            throw MediaError(.invalidArgument, "cannot tell a container from the name \(path)")
        }
        let container = try OutputContainer(path: path, formatName: formatName)
        var finished = false
        defer { if !finished { container.close() } }

        // Timing: frame i is shown at pts[i] in timeBase.
        let timeBase: AVRational
        var pts: [Int64] = []
        var durations: [Int64] = []
        if o.variableFrameRate {
            timeBase = AVRational(num: 1, den: 1000)
            let pattern: [Int64] = [40, 20, 60, 33, 50, 17]
            var t: Int64 = 0
            for i in 0..<o.frames {
                pts.append(t); durations.append(pattern[i % pattern.count]); t += pattern[i % pattern.count]
            }
        } else {
            timeBase = AVRational(num: Int32(o.frameRate.den), den: Int32(o.frameRate.num))
            pts = (0..<o.frames).map(Int64.init)
            durations = [Int64](repeating: 1, count: o.frames)
        }
        let totalSeconds = Double(pts.last! + durations.last!) * av_q2d(timeBase)

        // Video stream.
        guard let pixFmt = PixelFormatInfo(name: o.pixelFormat) else {
            throw MediaError(.invalidArgument, "unknown pixel format \(o.pixelFormat)")
        }
        let sourceSpec = ColorSpec.source(format: PixelFormatInfo(name: "yuv420p"), matrix: o.colorTags.matrix,
                                          range: o.colorTags.range, height: o.height)
        let spec = ColorSpec.output(format: pixFmt, source: sourceSpec, outputHeight: o.height)
        let encoder = try VideoEncoder(.init(
            codecName: o.codec, pixelFormat: pixFmt, width: o.width, height: o.height,
            timeBase: timeBase, frameRate: o.frameRate.av, sampleAspectRatio: o.sampleAspectRatio.av, spec: spec,
            matrixTag: pixFmt.isYUV ? AVColorSpace(rawValue: numericCast(o.colorTags.matrix)) : nil,
            rangeTag: pixFmt.isYUV ? AVColorRange(rawValue: numericCast(o.colorTags.range)) : nil,
            primaries: AVColorPrimaries(rawValue: numericCast(o.colorTags.primaries)),
            transfer: AVColorTransferCharacteristic(rawValue: numericCast(o.colorTags.transfer)),
            crf: o.crf, preset: o.preset,
            extraOptions: (o.hdr.map { o.codec == "libx265" ? ["x265-params": $0.x265Parameters] : [:] } ?? [:])
                .merging(o.keyframeInterval.map { ["g": String($0)] } ?? [:]) { a, _ in a },
            globalHeader: container.wantsGlobalHeader))
        let vst = try container.addStream()
        if let hdr = o.hdr { try hdr.attach(to: vst) }
        try check(avcodec_parameters_from_context(vst.pointee.codecpar, encoder.context), .writeFailed,
                  "cannot configure the video stream of \(path)")
        vst.pointee.time_base = timeBase
        vst.pointee.avg_frame_rate = o.variableFrameRate
            ? AVRational(num: Int32(o.frames * 1000), den: Int32(pts.last! + durations.last!))
            : o.frameRate.av
        vst.pointee.sample_aspect_ratio = o.sampleAspectRatio.av
        if let r = o.rotation {
            var m = [Int32](repeating: 0, count: 9)
            // av_display_rotation_set takes the clockwise angle (av_display_rotation_get returns
            // counter-clockwise), so a player asked to turn by r clockwise gets r here.
            m.withUnsafeMutableBufferPointer { av_display_rotation_set($0.baseAddress, r) }
            try MediaWriter.setDisplayMatrix(m, on: vst, path: path)
        }

        let audio = o.audio ? try (0..<max(1, o.audioTracks)).map { try ToneTrack(container: container, path: path, track: $0) } : []
        let subtitles = o.subtitles ? try SubtitleTrack(container: container, path: path) : nil
        if o.attachment { try addAttachment(container, path: path) }
        try addChapters(count: o.chapters, seconds: totalSeconds, to: container, path: path)
        if let title = o.title { av_dict_set(&container.context!.pointee.metadata, "title", title, 0) }

        try container.writeHeader()
        try subtitles?.writeCues(count: 3, clipSeconds: totalSeconds)
        let videoIndex = Int(vst.pointee.index)
        let mux: (UnsafeMutablePointer<AVPacket>) throws -> Void = { pkt in
            pkt.pointee.stream_index = Int32(videoIndex)
            av_packet_rescale_ts(pkt, timeBase, container.stream(videoIndex).pointee.time_base)
            try container.write(pkt)
        }
        for i in 0..<o.frames {
            let image = o.images?[i] ?? render(frame: i, pattern: o.pattern, width: o.width, height: o.height)
            try encoder.encode(image, pts: pts[i], duration: durations[i], sink: mux)
            for track in audio { try track.write(untilSeconds: Double(pts[i] + durations[i]) * av_q2d(timeBase)) }
        }
        try encoder.flush(sink: mux)
        for track in audio { try track.finish() }
        try container.finish()
        container.close()
        finished = true
        return Result(videoPTS: pts, timeBase: Rational(timeBase), durationSeconds: totalSeconds,
                      formatName: formatName)
    }

    private static func addChapters(count: Int, seconds: Double, to container: OutputContainer, path: String) throws {
        guard count > 0, let ctx = container.context else { return }
        let total = Int64(seconds * 1000)
        for i in 0..<count {
            let start = total * Int64(i) / Int64(count), end = total * Int64(i + 1) / Int64(count)
            guard let ch = srd_add_chapter(ctx, Int64(i + 1), AVRational(num: 1, den: 1000), start, end) else {
                throw MediaError(.writeFailed, "cannot add a chapter to \(path)")
            }
            av_dict_set(&ch.pointee.metadata, "title", "CHAPTER \(i + 1)", 0)
        }
    }

    private static func addAttachment(_ container: OutputContainer, path: String) throws {
        guard container.canCarry(AV_CODEC_ID_TEXT) != false, container.formatName == "matroska" else {
            throw MediaError(.unsupported, "\(container.formatName) cannot carry attachments (use .mkv) for \(path)")
        }
        let st = try container.addStream()
        let bytes = Array("srd synthetic clip attachment\n".utf8)
        let par = st.pointee.codecpar!
        par.pointee.codec_type = AVMEDIA_TYPE_ATTACHMENT
        par.pointee.codec_id = AV_CODEC_ID_TEXT
        guard let extra = av_mallocz(bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else {
            throw MediaError(.writeFailed, "out of memory")
        }
        extra.copyMemory(from: bytes, byteCount: bytes.count)
        par.pointee.extradata = extra.assumingMemoryBound(to: UInt8.self)
        par.pointee.extradata_size = Int32(bytes.count)
        av_dict_set(&st.pointee.metadata, "filename", "notes.txt", 0)
        av_dict_set(&st.pointee.metadata, "mimetype", "text/plain", 0)
    }
}
