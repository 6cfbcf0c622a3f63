// Swift cannot import function-like macros; these inline functions expose the few libav macros
// the media layer needs.
#ifndef SRD_CFFMPEG_SHIM_H
#define SRD_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/display.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int srd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int srd_averror_eof(void) { return AVERROR_EOF; }
static inline int srd_averror(int e) { return AVERROR(e); }
static inline int srd_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int srd_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int srd_averror_option_not_found(void) { return AVERROR_OPTION_NOT_FOUND; }
static inline int64_t srd_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational srd_av_time_base_q(void) { return AV_TIME_BASE_Q; }
// --- Media layer helpers (SRDMedia) ---------------------------------------------------------
// Swift sees AVFrame.data/linesize as 8-tuples; these keep pointer plumbing out of Swift.
static inline uint8_t *srd_frame_data(const AVFrame *f, int plane) { return f->data[plane]; }
static inline int srd_frame_linesize(const AVFrame *f, int plane) { return f->linesize[plane]; }

/// Native-endian 16-bit planar GBR (AV_PIX_FMT_GBRP16 is a function-like macro).
static inline enum AVPixelFormat srd_pix_fmt_gbrp16(void) { return AV_PIX_FMT_GBRP16; }

/// Converts a whole frame into caller-owned planes.
static inline int srd_sws_frame_to_planes(struct SwsContext *c, const AVFrame *src,
                                          uint8_t *const dst[], const int dst_stride[]) {
    return sws_scale(c, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                     dst, dst_stride);
}

/// Converts one horizontal slice (rows src_y ..< src_y + src_rows, given top to bottom) into dst;
/// swscale keeps the lines its vertical filters need between calls. Returns the rows of dst
/// completed by this call (0 is normal for an early slice), negative on error.
static inline int srd_sws_slice_to_frame(struct SwsContext *c, const uint8_t *const src[],
                                         const int src_stride[], int src_y, int src_rows, AVFrame *dst) {
    return sws_scale(c, src, src_stride, src_y, src_rows, dst->data, dst->linesize);
}

/// Sets the YUV<->RGB matrix (an AVColorSpace value, which equals the SWS_CS_* index) and ranges
/// on both sides; brightness, contrast and saturation stay neutral. Call after sws_init_context.
static inline int srd_sws_set_colorspace(struct SwsContext *c, int src_matrix, int src_full,
                                         int dst_matrix, int dst_full) {
    return sws_setColorspaceDetails(c, sws_getCoefficients(src_matrix), src_full,
                                    sws_getCoefficients(dst_matrix), dst_full,
                                    0, 1 << 16, 1 << 16);
}

/// Appends a chapter (libavformat's own chapter constructor is private).
static inline AVChapter *srd_add_chapter(AVFormatContext *s, int64_t id, AVRational tb,
                                         int64_t start, int64_t end) {
    AVChapter *ch = av_mallocz(sizeof(AVChapter));
    if (!ch) return NULL;
    ch->id = id; ch->time_base = tb; ch->start = start; ch->end = end;
    if (av_dynarray_add_nofree(&s->chapters, (int *)&s->nb_chapters, ch) < 0) { av_free(ch); return NULL; }
    return ch;
}

/// Encodes one text cue (an ASS dialogue line "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,
/// Effect,Text") with a text subtitle encoder (subrip, mov_text). Returns bytes written or an error.
static inline int srd_encode_text_subtitle(AVCodecContext *enc, const char *ass_line,
                                           uint32_t duration_ms, uint8_t *buf, int buf_size) {
    AVSubtitleRect rect = {0};
    AVSubtitleRect *rects[1] = { &rect };
    rect.type = SUBTITLE_ASS;
    rect.ass = (char *)ass_line;
    AVSubtitle sub = {0};
    sub.format = 1;
    sub.end_display_time = duration_ms;
    sub.num_rects = 1;
    sub.rects = rects;
    return avcodec_encode_subtitle(enc, buf, buf_size, &sub);
}
#endif
