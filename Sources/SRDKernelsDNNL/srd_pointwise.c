// Pointwise NHWC steps of srd's oneDNN plans (see include/srd_dnnl.h): what runs between the
// convolutions, on pixel ranges so callers can split them across threads.
#include "srd_dnnl.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

// Pointwise kernels, branch-free: a data-dependent branch per sample mispredicts on real
// activations (10x slower than this on 32-channel maps). Eight samples at a time with the
// compilers' vector extensions; the select is a mask blend.

typedef float f8 __attribute__((vector_size(32), aligned(4)));
typedef int i8 __attribute__((vector_size(32)));

static inline f8 prelu8(f8 v, f8 s) {
    i8 positive = v > (f8){0};
    f8 scaled = v * s;
    return (f8)((positive & (i8)v) | (~positive & (i8)scaled));
}

static inline float prelu1(float v, float s) { return v > 0 ? v : s * v; }

void srd_nhwc_prelu(const float *x, float *y, const float *slopes, int slope_count, int channels,
                    long first, long end) {
    long i = first * (long)channels, stop = end * (long)channels;
    if (slope_count == 1 || channels % 8 != 0) {
        // Shared slope (or a channel count the 8-wide pattern does not tile): sample by sample.
        if (slope_count == 1) {
            const f8 s8 = (f8){0} + slopes[0];
            for (; i + 8 <= stop; i += 8) *(f8 *)(y + i) = prelu8(*(const f8 *)(x + i), s8);
            for (; i < stop; i++) y[i] = prelu1(x[i], slopes[0]);
        } else {
            for (; i < stop; i++) y[i] = prelu1(x[i], slopes[i % channels]);
        }
        return;
    }
    for (long p = first; p < end; p++) {
        const float *xp = x + p * channels;
        float *yp = y + p * channels;
        for (int c = 0; c < channels; c += 8) *(f8 *)(yp + c) = prelu8(*(const f8 *)(xp + c), *(const f8 *)(slopes + c));
    }
}

static inline uint8_t quantize1(float v, float inverse, float zero) {
    float q = v * inverse + zero + 0.5f;
    return q <= 0 ? 0 : (q >= 255 ? 255 : (uint8_t)q);
}

void srd_nhwc_prelu_u8(const float *x, uint8_t *y, const float *slopes, int slope_count, int channels,
                       float inverse_scale, float zero, long first, long end) {
    long i = first * (long)channels, stop = end * (long)channels;
#ifdef __SSE2__
    if (slope_count == 1 || channels % 16 == 0) {
        // 16 samples (of one pixel, or shared-slope) at a time: PReLU, scale, round (cvtps: to
        // nearest), then the saturating packs clamp to 0...255.
        const __m128 inv = _mm_set1_ps(inverse_scale), z = _mm_set1_ps(zero), zero4 = _mm_setzero_ps();
        long period = slope_count == 1 ? 16 : channels, channel = i % period;
        for (; i + 16 <= stop; i += 16, channel = channel + 16 == period ? 0 : channel + 16) {
            const float *s = slope_count == 1 ? NULL : slopes + channel;
            __m128i q[4];
            for (int k = 0; k < 4; k++) {
                __m128 v = _mm_loadu_ps(x + i + 4 * k);
                __m128 sl = s ? _mm_loadu_ps(s + 4 * k) : _mm_set1_ps(slopes[0]);
                __m128 negative = _mm_cmplt_ps(v, zero4);
                v = _mm_or_ps(_mm_and_ps(negative, _mm_mul_ps(v, sl)), _mm_andnot_ps(negative, v));
                q[k] = _mm_cvtps_epi32(_mm_add_ps(_mm_mul_ps(v, inv), z));
            }
            _mm_storeu_si128((__m128i *)(y + i), _mm_packus_epi16(_mm_packs_epi32(q[0], q[1]), _mm_packs_epi32(q[2], q[3])));
        }
    }
#endif
    for (; i < stop; i++) y[i] = quantize1(prelu1(x[i], slopes[slope_count == 1 ? 0 : i % channels]), inverse_scale, zero);
}

void srd_add(const float *a, const float *b, float alpha, float *out, long first, long end) {
    long i = first;
    const f8 a8 = (f8){0} + alpha;
    for (; i + 8 <= end; i += 8) *(f8 *)(out + i) = *(const f8 *)(a + i) + a8 * *(const f8 *)(b + i);
    for (; i < end; i++) out[i] = a[i] + alpha * b[i];
}

void srd_relu(const float *x, float *y, float slope, long first, long end) {
    long i = first;
    const f8 s8 = (f8){0} + slope;
    for (; i + 8 <= end; i += 8) *(f8 *)(y + i) = prelu8(*(const f8 *)(x + i), s8);
    for (; i < end; i++) y[i] = prelu1(x[i], slope);
}
