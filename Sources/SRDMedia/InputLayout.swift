import CFFmpeg

/// A copy of everything about an input that a writer reproduces: streams' codec parameters,
/// time bases, dispositions, metadata, chapters and container metadata.
///
/// Taken once when the reader opens, so a writer can be built on another thread while the reader
/// keeps demuxing (the demuxer may touch its own structures as it reads).
final class InputLayout: @unchecked Sendable {
    struct Stream {
        let index: Int
        let mediaType: AVMediaType
        /// Owned copy; freed with the layout.
        let parameters: UnsafeMutablePointer<AVCodecParameters>
        let timeBase: AVRational
        let disposition: Int32
        let metadata: [(String, String)]
        let averageFrameRate: AVRational
        let displayMatrix: [Int32]?
        /// HDR10 mastering display and content light level, when the stream has them.
        let hdr: HDRMetadata?
        /// The demuxer hides it (e.g. the text track that carries mp4 chapters).
        let hidden: Bool
    }

    struct Chapter {
        let id: Int64
        let timeBase: AVRational
        let start: Int64
        let end: Int64
        let metadata: [(String, String)]
    }

    let path: String
    let formatName: String
    let streams: [Stream]
    let chapters: [Chapter]
    let metadata: [(String, String)]
    let videoStreamIndex: Int

    init(context ctx: UnsafeMutablePointer<AVFormatContext>, path: String, videoStreamIndex: Int) throws {
        self.path = path
        self.videoStreamIndex = videoStreamIndex
        formatName = avName(ctx.pointee.iformat.pointee.name)
        var streams: [Stream] = []
        for i in 0..<Int(ctx.pointee.nb_streams) {
            let st = ctx.pointee.streams[i]!
            guard let par = avcodec_parameters_alloc() else { throw MediaError(.readFailed, "out of memory") }
            try check(avcodec_parameters_copy(par, st.pointee.codecpar), .readFailed, "cannot copy stream \(i) of \(path)")
            streams.append(Stream(index: i, mediaType: par.pointee.codec_type, parameters: par,
                                  timeBase: st.pointee.time_base, disposition: st.pointee.disposition,
                                  metadata: dictionaryEntries(st.pointee.metadata),
                                  averageFrameRate: st.pointee.avg_frame_rate,
                                  displayMatrix: VideoStreamInfo.displayMatrix(of: st),
                                  hdr: HDRMetadata.read(from: st),
                                  hidden: st.pointee.discard.rawValue >= AVDISCARD_ALL.rawValue))
        }
        self.streams = streams
        var chapters: [Chapter] = []
        for i in 0..<Int(ctx.pointee.nb_chapters) {
            let ch = ctx.pointee.chapters[i]!.pointee
            chapters.append(Chapter(id: ch.id, timeBase: ch.time_base, start: ch.start, end: ch.end,
                                    metadata: dictionaryEntries(ch.metadata)))
        }
        self.chapters = chapters
        metadata = dictionaryEntries(ctx.pointee.metadata)
    }

    deinit {
        for s in streams {
            var p: UnsafeMutablePointer<AVCodecParameters>? = s.parameters
            avcodec_parameters_free(&p)
        }
    }

    var videoStream: Stream { streams[videoStreamIndex] }
}

/// All entries of an AVDictionary, in order.
func dictionaryEntries(_ dict: OpaquePointer?) -> [(String, String)] {
    var out: [(String, String)] = []
    var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
    while let e = av_dict_get(dict, "", entry, AV_DICT_IGNORE_SUFFIX) {
        out.append((String(cString: e.pointee.key), String(cString: e.pointee.value)))
        entry = e
    }
    return out
}

/// Sets entries on an AVDictionary, skipping keys in `except` (case-insensitive).
func setEntries(_ entries: [(String, String)], on dict: inout OpaquePointer?, except: Set<String> = []) {
    for (k, v) in entries where !except.contains(k.lowercased()) {
        av_dict_set(&dict, k, v, 0)
    }
}
