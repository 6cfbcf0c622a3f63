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
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int srd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int srd_averror_eof(void) { return AVERROR_EOF; }
static inline int srd_averror(int e) { return AVERROR(e); }
static inline int64_t srd_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational srd_av_time_base_q(void) { return AV_TIME_BASE_Q; }
#endif
