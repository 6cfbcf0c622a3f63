import CFFmpeg

extension MediaWriter {
    /// Adds an output stream for every audio, subtitle, attachment and data stream of the input
    /// that the container can carry; the others are skipped with a warning.
    func copyStreams(_ layout: InputLayout) throws {
        for s in layout.streams where s.index != layout.videoStreamIndex && !s.hidden {
            let type = MediaStreamType(s.mediaType)
            let codecID = s.parameters.pointee.codec_id
            let codecName = avName(avcodec_get_name(codecID))
            guard [.audio, .subtitle, .attachment, .data].contains(type) else {
                if s.disposition & Int32(AV_DISPOSITION_ATTACHED_PIC) == 0 {
                    appendWarning("input stream \(s.index) (\(type.rawValue) \(codecName)) is not copied: only one video stream is kept")
                } else {
                    appendWarning("input stream \(s.index) (cover art \(codecName)) is not copied")
                }
                continue
            }
            if type == .attachment {
                // Attachments (fonts, cover files) are often of no known codec; only Matroska
                // has a place for them.
                guard formatName == "matroska" else {
                    appendWarning("input stream \(s.index) (attachment \(attachmentName(s))) is not copied: \(formatName) cannot carry it")
                    continue
                }
                streamMap[s.index] = try addCopiedStream(s)
                continue
            }
            if codecID == AV_CODEC_ID_NONE {
                appendWarning("input stream \(s.index) (\(type.rawValue), unknown codec) is not copied")
                continue
            }
            if containerCanCarry(codecID) == false {
                appendWarning("input stream \(s.index) (\(type.rawValue) \(codecName)) is not copied: \(formatName) cannot carry it")
                continue
            }
            let out = try addCopiedStream(s)
            streamMap[s.index] = out
            if codecID == AV_CODEC_ID_MOV_TEXT, Self.movFamily.contains(formatName) {
                dropsEmptyTextSamples.insert(s.index)
            }
        }
    }

    /// Muxers of the QuickTime family: they store rotation and regenerate mov_text gap samples.
    static let movFamily: Set<String> = ["mov", "mp4", "ipod", "3gp", "3g2", "ismv", "f4v", "psp"]

    private func attachmentName(_ s: InputLayout.Stream) -> String {
        s.metadata.first { $0.0.lowercased() == "filename" }?.1 ?? "unnamed"
    }

    private func addCopiedStream(_ s: InputLayout.Stream) throws -> Int {
        let st = try containerAddStream()
        try check(avcodec_parameters_copy(st.pointee.codecpar, s.parameters), .writeFailed,
                  "cannot copy stream \(s.index) into \(path)")
        // The input's codec tag may mean something else (or nothing) in the output container.
        st.pointee.codecpar.pointee.codec_tag = 0
        st.pointee.time_base = s.timeBase
        st.pointee.disposition = s.disposition
        setEntries(s.metadata, on: &st.pointee.metadata)
        return Int(st.pointee.index)
    }

    /// Copies chapters with their titles and times.
    func copyChapters(_ layout: InputLayout) throws {
        guard let ctx = containerContext else { return }
        for ch in layout.chapters {
            guard let out = srd_add_chapter(ctx, ch.id, ch.timeBase, ch.start, ch.end) else {
                throw MediaError(.writeFailed, "cannot add a chapter to \(path)")
            }
            setEntries(ch.metadata, on: &out.pointee.metadata)
        }
    }
}
