import CFFmpeg

/// What the reader knows about the video stream it decodes, taken from libav after probing.
public struct VideoStreamInfo: Sendable, Hashable {
    /// Index of the stream in the input file.
    public var streamIndex: Int
    public var codecName: String
    public var width: Int
    public var height: Int
    /// Unit of `VideoFrame.pts` and `duration`.
    public var timeBase: Rational
    /// Average frame rate (libav's avg_frame_rate; falls back to r_frame_rate). 0/1 when unknown.
    public var averageFrameRate: Rational
    public var pixelFormat: String
    /// Bits per sample of the decoded format (8, 10, 12, 16).
    public var bitDepth: Int
    /// AVColorPrimaries, AVColorTransferCharacteristic, AVColorSpace and AVColorRange raw values as
    /// tagged in the file (2 / 0 mean unspecified), and their libav names.
    public var colorPrimaries: Int32
    public var colorPrimariesName: String
    public var colorTransfer: Int32
    public var colorTransferName: String
    public var colorMatrix: Int32
    public var colorMatrixName: String
    public var colorRange: Int32
    public var colorRangeName: String
    /// Pixel (sample) aspect ratio; 0/1 when unknown.
    public var sampleAspectRatio: Rational
    /// Clockwise rotation in degrees (0..<360) a player applies, from the display matrix.
    public var rotation: Double
    /// Frame count from the container, else duration x average frame rate; 0 when unknown.
    public var estimatedFrameCount: Int
    /// The stream's own frame count (an MP4/MOV index has one); 0 when the container has none.
    public var framesDeclaredByContainer: Int
    /// HDR10 static metadata (stream side data), when present.
    public var hdr: HDRMetadata?

    /// PQ (SMPTE ST 2084) or HLG transfer, or HDR10 metadata: an HDR video.
    public var isHDR: Bool { colorTransfer == 16 || colorTransfer == 18 || hdr != nil }
    /// Stream duration, else container duration, in seconds; 0 when unknown.
    public var durationSeconds: Double
    /// The demuxer's name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "image2".
    public var containerFormat: String
}

extension VideoStreamInfo {
    init(stream st: UnsafeMutablePointer<AVStream>, format ctx: UnsafeMutablePointer<AVFormatContext>, index: Int) {
        let par = st.pointee.codecpar.pointee
        let pixFmt = AVPixelFormat(raw: par.format)
        let info = PixelFormatInfo(pixFmt)
        streamIndex = index
        codecName = avName(avcodec_get_name(par.codec_id))
        width = Int(par.width)
        height = Int(par.height)
        timeBase = Rational(st.pointee.time_base)
        var rate = st.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = st.pointee.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 0, den: 1) }
        averageFrameRate = Rational(rate)
        pixelFormat = info?.name ?? "none"
        bitDepth = info?.bitDepth ?? Int(par.bits_per_raw_sample)
        colorPrimaries = Int32(bitPattern: par.color_primaries.rawValue)
        colorPrimariesName = avName(av_color_primaries_name(par.color_primaries))
        colorTransfer = Int32(bitPattern: par.color_trc.rawValue)
        colorTransferName = avName(av_color_transfer_name(par.color_trc))
        colorMatrix = Int32(bitPattern: par.color_space.rawValue)
        colorMatrixName = avName(av_color_space_name(par.color_space))
        colorRange = Int32(bitPattern: par.color_range.rawValue)
        colorRangeName = avName(av_color_range_name(par.color_range))
        var sar = st.pointee.sample_aspect_ratio
        if sar.num == 0 { sar = par.sample_aspect_ratio }
        sampleAspectRatio = Rational(num: Int(sar.num), den: Int(max(sar.den, 1)))
        rotation = Self.rotation(of: st)
        hdr = HDRMetadata.read(from: st)
        var seconds = 0.0
        if st.pointee.duration != avNoPTS, st.pointee.duration > 0 {
            seconds = Double(st.pointee.duration) * av_q2d(st.pointee.time_base)
        } else if ctx.pointee.duration != avNoPTS, ctx.pointee.duration > 0 {
            seconds = Double(ctx.pointee.duration) / Double(AV_TIME_BASE)
        }
        durationSeconds = seconds
        framesDeclaredByContainer = max(0, Int(st.pointee.nb_frames))
        if st.pointee.nb_frames > 0 {
            estimatedFrameCount = Int(st.pointee.nb_frames)
        } else {
            estimatedFrameCount = Int((seconds * averageFrameRate.doubleValue).rounded())
        }
        containerFormat = avName(ctx.pointee.iformat.pointee.name)
    }

    /// The display matrix as stored in the stream's side data (9 x Int32), if any.
    static func displayMatrix(of st: UnsafeMutablePointer<AVStream>) -> [Int32]? {
        var size: Int = 0
        guard let sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 36 else { return nil }
        return (0..<9).map { UnsafeRawPointer(sd).loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
    }

    /// Clockwise degrees in 0..<360 (libav's display matrix angle is counter-clockwise).
    static func rotation(of st: UnsafeMutablePointer<AVStream>) -> Double {
        guard let m = displayMatrix(of: st) else { return 0 }
        let ccw = m.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress) }
        guard ccw.isFinite else { return 0 }
        var cw = -ccw.rounded()
        cw = cw.truncatingRemainder(dividingBy: 360)
        if cw < 0 { cw += 360 }
        return cw == 0 ? 0 : cw  // no negative zero
    }
}
