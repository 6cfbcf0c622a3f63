import CFFmpeg
import Foundation

extension SyntheticClip {
    /// A 440 Hz stereo sine tone at 48 kHz, encoded as the container prefers, written in step
    /// with the video so the file is interleaved.
    final class ToneTrack {
        private var context: UnsafeMutablePointer<AVCodecContext>?
        private var frame: UnsafeMutablePointer<AVFrame>?
        private var packet: UnsafeMutablePointer<AVPacket>?
        private let container: OutputContainer
        private let streamIndex: Int
        private let frameSize: Int
        private let name: String
        private var nextSample: Int64 = 0
        private let frequency: Double
        static let sampleRate: Int32 = 48000

        /// - Parameter track: 0 for the first tone track (440 Hz, "eng"); later ones are an
        ///   octave apart and tagged as other languages, so each track's packets differ.
        init(container: OutputContainer, path: String, track: Int = 0) throws {
            self.container = container
            frequency = 440 * pow(2, Double(track))
            let preferred = ["mp4", "mov", "ipod"].contains(container.formatName) ? ["aac", "flac", "pcm_s16le"]
                : container.formatName == "matroska" ? ["flac", "aac", "pcm_s16le"] : ["pcm_s16le", "aac", "flac"]
            guard let codec = preferred.lazy.compactMap({ avcodec_find_encoder_by_name($0) })
                .first(where: { container.canCarry($0.pointee.id) != false }) else {
                throw MediaError(.unsupported, "no audio encoder for \(container.formatName) in \(path)")
            }
            name = avName(codec.pointee.name)
            context = avcodec_alloc_context3(codec)
            frame = av_frame_alloc()
            packet = av_packet_alloc()
            guard let ctx = context, let frame else { throw MediaError(.encodeFailed, "out of memory") }
            ctx.pointee.sample_fmt = codec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_S16
            ctx.pointee.sample_rate = Self.sampleRate
            av_channel_layout_default(&ctx.pointee.ch_layout, 2)
            ctx.pointee.time_base = AVRational(num: 1, den: Self.sampleRate)
            ctx.pointee.bit_rate = 128_000
            if container.wantsGlobalHeader { ctx.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
            try check(avcodec_open2(ctx, codec, nil), .codecUnavailable, "cannot open the \(name) encoder")
            frameSize = ctx.pointee.frame_size > 0 ? Int(ctx.pointee.frame_size) : 1024

            let st = try container.addStream()
            try check(avcodec_parameters_from_context(st.pointee.codecpar, ctx), .writeFailed, "cannot configure audio of \(path)")
            st.pointee.time_base = ctx.pointee.time_base
            av_dict_set(&st.pointee.metadata, "language", ["eng", "fra", "deu", "spa"][track % 4], 0)
            streamIndex = Int(st.pointee.index)

            frame.pointee.format = ctx.pointee.sample_fmt.rawValue
            frame.pointee.sample_rate = Self.sampleRate
            frame.pointee.nb_samples = Int32(frameSize)
            try check(av_channel_layout_copy(&frame.pointee.ch_layout, &ctx.pointee.ch_layout), .encodeFailed, "channel layout")
            try check(av_frame_get_buffer(frame, 0), .encodeFailed, "cannot allocate an audio frame")
        }

        deinit {
            avcodec_free_context(&context)
            av_frame_free(&frame)
            av_packet_free(&packet)
        }

        /// Encodes whole frames of tone up to `seconds` (or a short last frame when `final`).
        func write(untilSeconds seconds: Double, final: Bool = false) throws {
            guard let ctx = context, let frame, let packet else { return }
            let end = Int64((seconds * Double(Self.sampleRate)).rounded())
            while end - nextSample >= Int64(frameSize) || (final && end > nextSample) {
                let n = Int(min(Int64(frameSize), end - nextSample))
                try check(av_frame_make_writable(frame), .encodeFailed, "audio frame not writable")
                frame.pointee.nb_samples = Int32(n)
                fill(frame, count: n)
                frame.pointee.pts = nextSample
                nextSample += Int64(n)
                try drainEncoder(ctx, frame, packet: packet, name: name, sink: mux)
            }
        }

        func finish() throws {
            try write(untilSeconds: Double(nextSample) / Double(Self.sampleRate), final: true)
            guard let ctx = context, let packet else { return }
            try drainEncoder(ctx, nil, packet: packet, name: name, sink: mux)
        }

        private func mux(_ pkt: UnsafeMutablePointer<AVPacket>) throws {
            pkt.pointee.stream_index = Int32(streamIndex)
            av_packet_rescale_ts(pkt, context!.pointee.time_base, container.stream(streamIndex).pointee.time_base)
            try container.write(pkt)
        }

        private func fill(_ frame: UnsafeMutablePointer<AVFrame>, count: Int) {
            let fmt = AVSampleFormat(rawValue: frame.pointee.format)
            let planar = av_sample_fmt_is_planar(fmt) != 0
            let channels = Int(frame.pointee.ch_layout.nb_channels)
            let packed = av_get_packed_sample_fmt(fmt)
            for i in 0..<count {
                let t = Double(nextSample + Int64(i)) / Double(Self.sampleRate)
                let v = 0.25 * sin(2 * Double.pi * frequency * t)
                for c in 0..<channels {
                    let plane = planar ? c : 0
                    let index = planar ? i : i * channels + c
                    let base = UnsafeMutableRawPointer(srd_frame_data(frame, Int32(plane))!)
                    switch packed {
                    case AV_SAMPLE_FMT_FLT: base.storeBytes(of: Float(v), toByteOffset: index * 4, as: Float.self)
                    case AV_SAMPLE_FMT_DBL: base.storeBytes(of: v, toByteOffset: index * 8, as: Double.self)
                    case AV_SAMPLE_FMT_S32: base.storeBytes(of: Int32(v * 2147483647), toByteOffset: index * 4, as: Int32.self)
                    default: base.storeBytes(of: Int16(v * 32767), toByteOffset: index * 2, as: Int16.self)
                    }
                }
            }
        }
    }
}
