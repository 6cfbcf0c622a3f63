#ifndef SRD_DNNL_H
#define SRD_DNNL_H
// The oneDNN convolution kernels of srd's fast backend, as a few plain C calls.
//
// Activations are NHWC float32 (batch 1) from the first layer to the last: oneDNN's direct
// kernels (brgconv) prefer that layout, so no reorder happens between layers. Weights are
// re-laid into the primitive's own blocked format once, when the kernel is made.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct srd_dnnl_conv srd_dnnl_conv;

/// What follows the convolution inside the same kernel, in this order.
typedef struct {
    /// 0 none, 1 ReLU/LeakyReLU with slope `relu_slope`, 2 PReLU with `prelu_slopes`.
    int activation;
    float relu_slope;
    /// PReLU slopes: `prelu_count` values, 1 (shared) or one per output channel.
    const float *prelu_slopes;
    int prelu_count;
    /// 1: dst = skip + skip_scale * activation(conv). The skip tensor is given at execution.
    int add_skip;
    float skip_scale;
} srd_dnnl_post_ops;

/// Precision of the arithmetic:
/// - SRD_DNNL_F32: f32 direct (SRD_DNNL_F32_WINOGRAD: Winograd where oneDNN accepts it).
/// - SRD_DNNL_BF16 (AVX512_BF16): bf16 source and weights; f32 accumulation, bias and post-ops.
/// - SRD_DNNL_INT8 (VNNI; convolutions only): the source quantized to u8 with `input_scale` (real
///   value of one step) and `input_zero` (the u8 code of 0.0), so an input range [lo, hi] uses
///   all 256 codes; weights quantized once per output channel (max |w| / 127, s8); int32
///   accumulation scaled back to f32, then bias and post-ops in f32.
enum { SRD_DNNL_F32 = 0, SRD_DNNL_F32_WINOGRAD = 1, SRD_DNNL_BF16 = 2, SRD_DNNL_INT8 = 3 };

/// Element types of a kernel's tensors (flags; unset = f32). A bf16 or int8 kernel given an f32
/// source converts it into its own low-precision copy at each run (one memory-bound pass); a
/// plan avoids that where it can: it keeps a value in bf16 when every reader is a bf16
/// convolution (SRC/DST/SKIP_BF16, bf16 kernels only), and lets a PReLU write the u8 source of
/// the int8 kernel that alone reads it (SRC_U8, int8 kernels only; `srd_nhwc_prelu_u8`).
enum { SRD_DNNL_SRC_BF16 = 1, SRD_DNNL_DST_BF16 = 2, SRD_DNNL_SKIP_BF16 = 4, SRD_DNNL_SRC_U8 = 8 };

/// Makes a stride/dilation/zero-padding convolution for one input size (h x w, NHWC).
/// `weights` is PyTorch's [oc, ic, kh, kw]; `bias` has oc values or is NULL. `input_scale` and
/// `input_zero` are used by SRD_DNNL_INT8 only.
/// Returns NULL with a message in `error` when oneDNN cannot make it.
srd_dnnl_conv *srd_dnnl_conv_create(int ic, int oc, int h, int w, int kh, int kw, int stride,
                                    int pad_h, int pad_w, int dilation,
                                    const float *weights, const float *bias,
                                    srd_dnnl_post_ops post, int precision, int types,
                                    float input_scale, int input_zero,
                                    char *error, int error_length);

/// A transposed convolution (PyTorch's ConvTranspose2d, weights [ic, oc, kh, kw]): the output
/// is the full result cropped by pad_t / pad_l at the start and pad_b / pad_r at the end.
srd_dnnl_conv *srd_dnnl_deconv_create(int ic, int oc, int h, int w, int kh, int kw, int stride,
                                      int pad_t, int pad_l, int pad_b, int pad_r, int dilation,
                                      const float *weights, const float *bias, int precision, int types,
                                      char *error, int error_length);

/// Output height and width of the convolution.
void srd_dnnl_conv_output_size(const srd_dnnl_conv *conv, int *oh, int *ow);

/// The implementation oneDNN chose (e.g. "brgconv:avx512_core"), for benchmarks and tests.
const char *srd_dnnl_conv_implementation(const srd_dnnl_conv *conv);

/// Runs the convolution: src (h, w, ic) -> dst (oh, ow, oc), NHWC; `skip` has dst's shape when
/// the kernel adds one. Each pointer holds the element type the kernel was made for (`types`).
/// Returns 0, or -1 with a message in `error`.
int srd_dnnl_conv_execute(srd_dnnl_conv *conv, const void *src, void *dst, const void *skip,
                          char *error, int error_length);

void srd_dnnl_conv_destroy(srd_dnnl_conv *conv);

/// Sets the OpenMP team size for oneDNN calls made from the calling thread (each worker of the
/// pool gets its share of the cores). Returns 0 when the OpenMP runtime was found.
int srd_dnnl_set_thread_count(int threads);

/// The CPU instruction set oneDNN dispatches to, in oneDNN's words (cpu_isa enum value).
int srd_dnnl_cpu_isa(void);

/// 1 when a tiny kernel can be generated and run in this process (JIT allowed), else 0 with the
/// reason in `error` (e.g. under systemd's MemoryDenyWriteExecute=yes).
int srd_dnnl_self_test(char *error, int error_length);

/// NHWC pointwise steps the plan runs between convolutions, on pixels [first, end) so callers
/// can split them across threads. In place allowed (y == x, out == a or b).
/// PReLU: y = x > 0 ? x : slope[c] * x, with `slope_count` 1 (shared) or `channels`.
void srd_nhwc_prelu(const float *x, float *y, const float *slopes, int slope_count, int channels,
                    long first, long end);
/// PReLU then u8 quantization in one pass (the int8 kernel that reads the result gets its source
/// without a conversion of its own): y = saturate(round(prelu(x) / scale + zero)). Not in place.
void srd_nhwc_prelu_u8(const float *x, uint8_t *y, const float *slopes, int slope_count, int channels,
                       float inverse_scale, float zero, long first, long end);
/// out = a + alpha * b over samples [first, end).
void srd_add(const float *a, const float *b, float alpha, float *out, long first, long end);
/// y = x > 0 ? x : slope * x over samples [first, end).
void srd_relu(const float *x, float *y, float slope, long first, long end);

#ifdef __cplusplus
}
#endif
#endif
