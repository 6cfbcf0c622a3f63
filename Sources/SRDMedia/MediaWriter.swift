import CFFmpeg

/// Encodes processed frames and copies everything else of the input into a new file.
///
/// The video encoder's time base is the input video stream's, so every frame keeps its input
/// timestamp exactly (variable frame rate stays in sync with audio). Colour tags, sample aspect
/// ratio and rotation are copied; audio, subtitle, attachment and data streams are copied
/// bit-identical when the container can carry them (otherwise skipped with a line in `warnings`);
/// chapters and container and stream metadata are copied.
///
/// Use from one thread at a time. Call `finish()` to complete the file, or `close()` to abandon it.
public final class MediaWriter: @unchecked Sendable {
    public let path: String
    /// The muxer used.
    public let formatName: String
    /// The encoder's pixel format name.
    public let pixelFormat: String
    /// Streams skipped, options ignored, timestamps repaired.
    public private(set) var warnings: [String] = []
    /// Frames encoded so far.
    public private(set) var framesWritten = 0

    private let container: OutputContainer
    /// nil for a joined output, whose video packets are already encoded.
    private let encoder: VideoEncoder?
    private let videoOutIndex: Int
    /// Input stream index -> output stream index, for copied streams.
    var streamMap: [Int: Int] = [:]
    /// Input mov_text streams whose empty gap samples are dropped: the mov muxer writes its own
    /// at the end of every cue, so copying the input's would double them.
    var dropsEmptyTextSamples: Set<Int> = []
    private let encoderTimeBase: AVRational
    private var lastPTS: Int64?
    private var lastVideoDTS: Int64?
    /// A segment's video packet timestamps as encoded (input video time base), in packet
    /// order: NUT shifts and guesses them, the join needs the encoder's own.
    public private(set) var segmentTimestamps: SegmentTimestamps?
    private var scratch: UnsafeMutablePointer<AVPacket>?
    private var done = false

    /// What the file holds besides the encoded video.
    public enum Role: Sendable, Equatable {
        /// The whole result: the video plus the input's audio, subtitles, attachments, chapters
        /// and metadata.
        case complete
        /// One segment's video only, in NUT (which keeps any time base and codec exactly), encoded
        /// as `finalFormat` needs it (global header or in-band parameter sets), for `SegmentJoiner`.
        case segment(finalFormat: String)
    }

    /// Creates the output, its streams, and writes the header.
    /// - Parameters:
    ///   - path: file to write (may be a temporary name: the format comes from
    ///     `settings.formatName`, else `chooseFormat(outputPath: path, ...)`).
    ///   - reader: the source, whose streams, chapters, metadata and tags are copied.
    ///   - width, height: size of the images that will be written.
    public init(path: String, reader: MediaReader, width: Int, height: Int, settings: EncodeSettings,
                role: Role = .complete) throws {
        self.path = path
        let layout = reader.layout
        let source = reader.video
        let format: String
        let finalFormat: String
        switch role {
        case .complete:
            format = settings.formatName
                ?? Self.chooseFormat(outputPath: path, inputPath: layout.path, inputFormat: layout.formatName,
                                     videoCodec: settings.codec)
            finalFormat = format
        case .segment(let final):
            format = "nut"
            finalFormat = final
        }
        container = try OutputContainer(path: path, formatName: format)
        formatName = container.formatName
        guard width > 0, height > 0 else {
            throw MediaError(.invalidArgument, "cannot write \(width)x\(height) video to \(path)")
        }

        // Video: the source's timing, tags and geometry, re-encoded.
        let pixFmt: PixelFormatInfo
        if let name = settings.pixelFormat {
            guard let p = PixelFormatInfo(name: name) else {
                throw MediaError(.invalidArgument, "unknown pixel format \(name)")
            }
            pixFmt = p
        } else {
            pixFmt = try VideoEncoder.choosePixelFormat(codecName: settings.codec, sourceDepth: source.bitDepth)
        }
        pixelFormat = pixFmt.name
        let vin = layout.videoStream
        let par = vin.parameters.pointee
        let sourceSpec = ColorSpec.source(format: PixelFormatInfo(AVPixelFormat(raw: par.format)),
                                          matrix: Int32(bitPattern: par.color_space.rawValue),
                                          range: Int32(bitPattern: par.color_range.rawValue),
                                          height: Int(par.height))
        let spec = ColorSpec.output(format: pixFmt, source: sourceSpec, outputHeight: height)
        encoderTimeBase = vin.timeBase
        let rate = Self.frameRate(vin, source)
        var encoderOptions = settings.extraOptions
        if let hdr = vin.hdr, settings.codec == "libx265" {
            // libx265 writes the HDR10 SEI from its own parameters (libav 5.1 does not pass side data).
            let own = hdr.x265Parameters
            encoderOptions["x265-params"] = encoderOptions["x265-params"].map { $0 + ":" + own } ?? own
        }
        let globalHeader = av_guess_format(finalFormat, nil, nil).map { $0.pointee.flags & AVFMT_GLOBALHEADER != 0 }
            ?? container.wantsGlobalHeader
        let encoder = try VideoEncoder(.init(
            codecName: settings.codec, pixelFormat: pixFmt, width: width, height: height,
            timeBase: vin.timeBase, frameRate: rate, sampleAspectRatio: Self.aspect(source), spec: spec,
            primaries: par.color_primaries, transfer: par.color_trc,
            crf: settings.crf, preset: settings.preset, extraOptions: encoderOptions,
            globalHeader: globalHeader))
        self.encoder = encoder
        warnings += encoder.warnings
        let (index, videoWarnings) = try Self.addVideoStream(container, path: path, layout: layout, source: source) { vout in
            avcodec_parameters_from_context(vout.pointee.codecpar, encoder.context)
        }
        videoOutIndex = index
        warnings += videoWarnings
        if role == .complete { try copyEverythingElse(layout) } else {
            segmentTimestamps = SegmentTimestamps(timeBase: vin.timeBase)
        }
        try openFile(muxerOptions: settings.muxerOptions)
    }

    /// Creates the joined output of a segmented job: the video stream takes `video`'s coded
    /// parameters (the segments' encoder), its packets come through `write(videoPacket:)`, and
    /// everything else of the input is copied as for a single pass.
    public init(path: String, reader: MediaReader, video: SegmentVideo, formatName format: String,
                muxerOptions: [String: String] = [:]) throws {
        self.path = path
        container = try OutputContainer(path: path, formatName: format)
        formatName = container.formatName
        pixelFormat = video.pixelFormat
        encoder = nil
        let layout = reader.layout
        encoderTimeBase = video.timeBase
        let (index, videoWarnings) = try Self.addVideoStream(container, path: path, layout: layout, source: reader.video) { vout in
            avcodec_parameters_copy(vout.pointee.codecpar, video.parameters)
        }
        videoOutIndex = index
        warnings += videoWarnings
        try copyEverythingElse(layout)
        try openFile(muxerOptions: muxerOptions)
    }

    private static func frameRate(_ vin: InputLayout.Stream, _ source: VideoStreamInfo) -> AVRational {
        let rate = vin.averageFrameRate
        return rate.num <= 0 || rate.den <= 0 ? source.averageFrameRate.av : rate
    }

    private static func aspect(_ source: VideoStreamInfo) -> AVRational {
        source.sampleAspectRatio.num > 0 ? source.sampleAspectRatio.av : AVRational(num: 0, den: 1)
    }

    /// The output video stream: coded parameters from `configure`, timing, aspect, disposition,
    /// HDR metadata, stream metadata and rotation from the input.
    private static func addVideoStream(_ container: OutputContainer, path: String, layout: InputLayout, source: VideoStreamInfo,
                                       configure: (UnsafeMutablePointer<AVStream>) -> Int32) throws -> (Int, [String]) {
        let vin = layout.videoStream
        let formatName = container.formatName
        var warnings: [String] = []
        let vout = try container.addStream()
        try check(configure(vout), .writeFailed, "cannot configure the video stream of \(path)")
        vout.pointee.codecpar.pointee.codec_tag = 0
        vout.pointee.time_base = vin.timeBase
        vout.pointee.avg_frame_rate = Self.frameRate(vin, source)
        vout.pointee.sample_aspect_ratio = Self.aspect(source)
        vout.pointee.disposition = vin.disposition
        if let hdr = vin.hdr { try hdr.attach(to: vout) }
        // The old encoder's name would now be wrong.
        setEntries(vin.metadata, on: &vout.pointee.metadata, except: ["encoder"])
        if let matrix = vin.displayMatrix {
            try Self.setDisplayMatrix(matrix, on: vout, path: path)
            if !Self.movFamily.contains(formatName) {
                warnings.append("\(formatName) output may not keep the input's rotation (\(source.rotation) degrees)")
            }
        }
        return (Int(vout.pointee.index), warnings)
    }

    /// Audio, subtitles, attachments, data, chapters and container metadata.
    private func copyEverythingElse(_ layout: InputLayout) throws {
        if formatName == "image2" {
            // Pictures hold no audio, subtitles or chapters.
            if layout.streams.contains(where: { $0.index != layout.videoStreamIndex && !$0.hidden }) {
                warnings.append("pictures hold only the video: audio, subtitles and other streams are not written")
            }
        } else {
            try copyStreams(layout)
            try copyChapters(layout)
            setEntries(layout.metadata, on: &container.context!.pointee.metadata, except: ["encoder"])
        }
    }

    private func openFile(muxerOptions: [String: String]) throws {
        guard let pkt = av_packet_alloc() else { throw MediaError(.writeFailed, "out of memory") }
        scratch = pkt
        try container.writeHeader(options: muxerOptions)
    }

    deinit {
        close()
    }

    /// Encodes one image. `pts` and `duration` are in the input video stream's time base (pass
    /// the `VideoFrame`'s values). A pts not after the previous one is moved just after it (with a
    /// warning), since encoders and muxers need increasing timestamps.
    public func write(image: PlanarImage, pts: Int64, duration: Int64) throws {
        let pts = try nextPTS(pts)
        try requireEncoder().encode(image, pts: pts, duration: duration, sink: muxVideo)
        framesWritten += 1
    }

    /// Encodes a frame that a packer of this writer (`makePacker()`) converted, with the same
    /// timestamp rules as `write(image:pts:duration:)`.
    public func write(frame: PackedFrame, pts: Int64, duration: Int64) throws {
        let pts = try nextPTS(pts)
        try requireEncoder().encode(frame, pts: pts, duration: duration, sink: muxVideo)
        framesWritten += 1
    }

    /// A converter into this writer's encoder format, for a worker thread: frames in flight can
    /// then be kept packed (`PackedFrame`) instead of as float RGB. Packers may be used
    /// concurrently with each other and with this writer.
    public func makePacker() throws -> FramePacker { try requireEncoder().makePacker() }

    private func requireEncoder() throws -> VideoEncoder {
        guard let encoder else { throw MediaError(.invalidArgument, "\(path) copies its video: it has no encoder") }
        return encoder
    }

    /// Muxes one already encoded video packet of a segment (timestamps in the segment's time
    /// base, which is the input video's). A dts not after the previous one, where two segments'
    /// encoder delays meet, is moved just after it (still at or before the pts).
    public func write(videoPacket packet: SegmentPacket) throws {
        guard !done, let scratch else { throw MediaError(.invalidArgument, "\(path) is already finished") }
        try check(av_packet_ref(scratch, packet.packet), .writeFailed, "cannot reference a packet for \(path)")
        defer { av_packet_unref(scratch) }
        if let last = lastVideoDTS, scratch.pointee.dts != avNoPTS, scratch.pointee.dts <= last {
            let moved = last + 1
            guard scratch.pointee.pts == avNoPTS || moved <= scratch.pointee.pts else {
                throw MediaError(.writeFailed, "segment packets overlap in time at pts \(scratch.pointee.pts) in \(path)")
            }
            scratch.pointee.dts = moved
        }
        if scratch.pointee.dts != avNoPTS { lastVideoDTS = scratch.pointee.dts }
        framesWritten += 1
        scratch.pointee.pos = -1
        try muxVideo(scratch)
    }

    /// `pts`, or just after the previous one if it is not after it (with a warning).
    private func nextPTS(_ pts: Int64) throws -> Int64 {
        guard !done else { throw MediaError(.invalidArgument, "\(path) is already finished") }
        var pts = pts
        if let last = lastPTS, pts <= last {
            if warnings.filter({ $0.contains("timestamp") }).count < 5 {
                warnings.append("\(path): frame \(framesWritten) timestamp \(pts) not after \(last); moved to \(last + 1)")
            }
            pts = last + 1
        }
        lastPTS = pts
        return pts
    }

    /// Muxes a packet from the reader unchanged (timestamps rescaled to the output stream).
    /// Packets of streams that were not copied are dropped.
    public func write(packet: PassthroughPacket) throws {
        guard !done else { throw MediaError(.invalidArgument, "\(path) is already finished") }
        guard let out = streamMap[packet.streamIndex], let scratch else { return }
        if dropsEmptyTextSamples.contains(packet.streamIndex), packet.isEmptyTextSample { return }
        try check(av_packet_ref(scratch, packet.packet), .writeFailed, "cannot reference a packet for \(path)")
        scratch.pointee.stream_index = Int32(out)
        scratch.pointee.pos = -1
        av_packet_rescale_ts(scratch, packet.timeBase.av, container.stream(out).pointee.time_base)
        defer { av_packet_unref(scratch) }
        try container.write(scratch)
    }

    /// Drains the encoder, writes the trailer and closes the file.
    public func finish() throws {
        guard !done else { return }
        do {
            try encoder?.flush(sink: muxVideo)
            try container.finish()
        } catch {
            close()
            throw error
        }
        done = true
        close()
    }

    /// Frees everything without writing a trailer (after an error; the file is incomplete).
    public func close() {
        done = true
        container.close()
        av_packet_free(&scratch)
    }

    func appendWarning(_ w: String) { warnings.append(w) }
    func containerCanCarry(_ codec: AVCodecID) -> Bool? { container.canCarry(codec) }
    func containerAddStream() throws -> UnsafeMutablePointer<AVStream> { try container.addStream() }
    var containerContext: UnsafeMutablePointer<AVFormatContext>? { container.context }

    private func muxVideo(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        segmentTimestamps?.append(packet)
        packet.pointee.stream_index = Int32(videoOutIndex)
        av_packet_rescale_ts(packet, encoderTimeBase, container.stream(videoOutIndex).pointee.time_base)
        try container.write(packet)
    }

    static func setDisplayMatrix(_ matrix: [Int32], on st: UnsafeMutablePointer<AVStream>, path: String) throws {
        guard let sd = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, 36) else {
            throw MediaError(.writeFailed, "cannot set the rotation of \(path)")
        }
        for (i, v) in matrix.prefix(9).enumerated() {
            UnsafeMutableRawPointer(sd).storeBytes(of: v, toByteOffset: i * 4, as: Int32.self)
        }
    }
}
