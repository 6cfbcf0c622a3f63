// oneDNN convolution kernels for srd (see include/srd_dnnl.h). Plain C over oneDNN's C API.
#define _GNU_SOURCE
#include "srd_dnnl.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct srd_dnnl_conv {
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t src, weights, bias, dst, skip, slopes;
    /// bf16 / int8 kernels given an f32 source: the caller's f32 tensor and its conversion into `src`.
    dnnl_memory_t user_src;
    dnnl_primitive_t src_reorder;
    int prelu_index, skip_index;
    int oh, ow;
    char implementation[128];
};

static dnnl_engine_t shared_engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void make_engine(void) { engine_status = dnnl_engine_create(&shared_engine, dnnl_cpu, 0); }

/// The one CPU engine of the process (oneDNN engines are thread-safe; streams are not).
static dnnl_engine_t engine(void) {
    pthread_once(&engine_once, make_engine);
    return engine_status == dnnl_success ? shared_engine : NULL;
}

static const char *status_text(dnnl_status_t s) {
    switch (s) {
    case dnnl_success: return "success";
    case dnnl_out_of_memory: return "out of memory";
    case dnnl_invalid_arguments: return "invalid arguments";
    case dnnl_unimplemented: return "no implementation for this shape on this CPU";
    case dnnl_iterator_ends: return "iterator ends";
    case dnnl_runtime_error: return "runtime error (a kernel could not be generated or run)";
    case dnnl_not_required: return "not required";
    default: return "unknown oneDNN status";
    }
}

#define TRY(call, what)                                                                     \
    do {                                                                                    \
        dnnl_status_t st_ = (call);                                                         \
        if (st_ != dnnl_success) {                                                          \
            if (error) snprintf(error, (size_t)error_length, "oneDNN %s: %s", what, status_text(st_)); \
            goto fail;                                                                      \
        }                                                                                   \
    } while (0)

/// Convolution (transposed = 0, weights OIHW) or transposed convolution (transposed = 1,
/// weights IOHW as PyTorch stores them); pads are top, left, bottom, right.
static srd_dnnl_conv *make_kernel(int transposed, int ic, int oc, int h, int w, int kh, int kw, int stride,
                                  int pad_t, int pad_lft, int pad_b, int pad_rr, int dilation,
                                  const float *weights, const float *bias,
                                  srd_dnnl_post_ops post, int precision, int types,
                                  float in_scale, int in_zero, char *error, int error_length) {
    srd_dnnl_conv *c = calloc(1, sizeof(*c));
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t user_weights = NULL;
    int8_t *q_weights = NULL;
    float *w_scales = NULL, *q_bias = NULL;
    if (!c) { if (error) snprintf(error, (size_t)error_length, "out of memory"); return NULL; }
    c->prelu_index = c->skip_index = -1;
    dnnl_engine_t eng = engine();
    if (!eng) { if (error) snprintf(error, (size_t)error_length, "oneDNN: no CPU engine"); free(c); return NULL; }

    int ekh = (kh - 1) * dilation + 1, ekw = (kw - 1) * dilation + 1;
    if (transposed) {
        c->oh = (h - 1) * stride + ekh - pad_t - pad_b;
        c->ow = (w - 1) * stride + ekw - pad_lft - pad_rr;
    } else {
        c->oh = (h + pad_t + pad_b - ekh) / stride + 1;
        c->ow = (w + pad_lft + pad_rr - ekw) / stride + 1;
    }

    dnnl_dims_t src_dims = {1, ic, h, w}, dst_dims = {1, oc, c->oh, c->ow};
    dnnl_dims_t w_dims = {oc, ic, kh, kw}, b_dims = {oc};
    dnnl_dims_t strides = {stride, stride}, dilates = {dilation - 1, dilation - 1};
    dnnl_dims_t pad_l = {pad_t, pad_lft}, pad_r = {pad_b, pad_rr};
    if (!transposed) {
        // The right/bottom padding oneDNN needs so that the output size comes out as computed.
        pad_r[0] = (c->oh - 1) * stride + ekh - h - pad_t;
        pad_r[1] = (c->ow - 1) * stride + ekw - w - pad_lft;
    }
    int bf16 = precision == SRD_DNNL_BF16, int8 = precision == SRD_DNNL_INT8 && !transposed;
    dnnl_data_type_t compute = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_data_type_t src_type = int8 ? dnnl_u8 : compute;
    dnnl_data_type_t w_type = int8 ? dnnl_s8 : compute;
    dnnl_data_type_t dst_type = bf16 && (types & SRD_DNNL_DST_BF16) ? dnnl_bf16 : dnnl_f32;
    dnnl_data_type_t skip_type = bf16 && (types & SRD_DNNL_SKIP_BF16) ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t src_md, user_src_md, dst_md, skip_md, w_any, b_md, w_user_md;
    TRY(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, src_type, dnnl_nhwc), "source layout");
    TRY(dnnl_memory_desc_init_by_tag(&user_src_md, 4, src_dims, dnnl_f32, dnnl_nhwc), "source layout");
    TRY(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dst_type, dnnl_nhwc), "destination layout");
    TRY(dnnl_memory_desc_init_by_tag(&skip_md, 4, dst_dims, skip_type, dnnl_nhwc), "skip layout");
    TRY(dnnl_memory_desc_init_by_tag(&w_any, 4, w_dims, w_type, dnnl_format_tag_any), "weight layout");
    TRY(dnnl_memory_desc_init_by_tag(&w_user_md, 4, w_dims, int8 ? dnnl_s8 : dnnl_f32, transposed ? dnnl_iohw : dnnl_oihw), "weight layout");
    if (int8) {
        // Per-output-channel symmetric weight quantization; the kernel computes
        // scale[o] * (sum(q_src * q_w) + bias'[o]) (oneDNN 2.x adds the bias before the scale).
        long per = (long)ic * kh * kw;
        q_weights = malloc((size_t)(oc * per));
        w_scales = malloc(sizeof(float) * (size_t)oc);
        q_bias = malloc(sizeof(float) * (size_t)oc);
        if (!q_weights || !w_scales || !q_bias) { if (error) snprintf(error, (size_t)error_length, "out of memory"); goto fail; }
        for (int o = 0; o < oc; o++) {
            float m = 0;
            for (long k = 0; k < per; k++) { float a = weights[o * per + k]; m = a > m ? a : (-a > m ? -a : m); }
            float ws = m > 0 ? m / 127.0f : 1.0f;
            for (long k = 0; k < per; k++) {
                float q = weights[o * per + k] / ws;
                q = q > 127 ? 127 : (q < -127 ? -127 : q);
                q_weights[o * per + k] = (int8_t)(q >= 0 ? q + 0.5f : q - 0.5f);
            }
            w_scales[o] = in_scale * ws;
            q_bias[o] = (bias ? bias[o] : 0.0f) / w_scales[o];
        }
    }
    TRY(dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_x), "bias layout");

    dnnl_convolution_desc_t desc;
    dnnl_deconvolution_desc_t ddesc;
    if (transposed) {
        TRY(dnnl_dilated_deconvolution_forward_desc_init(&ddesc, dnnl_forward_inference, dnnl_deconvolution_direct, &src_md,
                                                         &w_any, &b_md, &dst_md, strides, dilates, pad_l, pad_r), "transposed convolution");
    } else {
        dnnl_alg_kind_t alg = precision == SRD_DNNL_F32_WINOGRAD ? dnnl_convolution_winograd : dnnl_convolution_direct;
        TRY(dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, alg, &src_md, &w_any, &b_md,
                                                       &dst_md, strides, dilates, pad_l, pad_r), "convolution");
    }

    TRY(dnnl_primitive_attr_create(&attr), "attributes");
    if (int8) {
        TRY(dnnl_primitive_attr_set_output_scales(attr, oc, 1 << 1, w_scales), "int8 output scales");
        if (in_zero != 0) TRY(dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &in_zero), "int8 source zero point");
    }
    TRY(dnnl_post_ops_create(&ops), "post-ops");
    int index = 0;
    if (post.activation == 1) {
        TRY(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, post.relu_slope, 0.0f), "ReLU post-op");
        index++;
    } else if (post.activation == 2) {
        TRY(dnnl_post_ops_append_prelu(ops, post.prelu_count > 1 ? 1 << 1 : 0), "PReLU post-op");
        c->prelu_index = index++;
    }
    if (post.add_skip) {
        if (post.skip_scale != 1.0f) {
            TRY(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_linear, post.skip_scale, 0.0f), "scale post-op");
            index++;
        }
        TRY(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &skip_md), "residual-add post-op");
        c->skip_index = index++;
    }
    TRY(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops");
    TRY(dnnl_primitive_desc_create(&pd, transposed ? (const_dnnl_op_desc_t)&ddesc : (const_dnnl_op_desc_t)&desc, attr, eng, NULL),
        "convolution kernel");

    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl) {
        snprintf(c->implementation, sizeof(c->implementation), "%s", impl);
    }
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    TRY(dnnl_primitive_create(&c->primitive, pd), "convolution kernel");
    TRY(dnnl_stream_create(&c->stream, eng, dnnl_stream_default_flags), "stream");

    // Weights: PyTorch's OIHW, re-laid once into the kernel's format.
    TRY(dnnl_memory_create(&user_weights, &w_user_md, eng, int8 ? (void *)q_weights : (void *)weights), "weights");
    TRY(dnnl_memory_create(&c->weights, w_md, eng, DNNL_MEMORY_ALLOCATE), "weights");
    TRY(dnnl_reorder_primitive_desc_create(&rpd, &w_user_md, eng, w_md, eng, NULL), "weight reorder");
    TRY(dnnl_primitive_create(&reorder, rpd), "weight reorder");
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, user_weights}, {DNNL_ARG_TO, c->weights}};
    TRY(dnnl_primitive_execute(reorder, c->stream, 2, rargs), "weight reorder");
    TRY(dnnl_stream_wait(c->stream), "weight reorder");

    TRY(dnnl_memory_create(&c->bias, &b_md, eng, DNNL_MEMORY_ALLOCATE), "bias");
    void *bias_handle = NULL;
    TRY(dnnl_memory_get_data_handle(c->bias, &bias_handle), "bias");
    for (int o = 0; o < oc; o++) ((float *)bias_handle)[o] = int8 ? q_bias[o] : (bias ? bias[o] : 0.0f);

    if (c->prelu_index >= 0) {
        dnnl_dims_t s_dims = {1, post.prelu_count > 1 ? oc : 1, 1, 1};
        dnnl_memory_desc_t s_md;
        TRY(dnnl_memory_desc_init_by_tag(&s_md, 4, s_dims, dnnl_f32, dnnl_nchw), "PReLU slopes");
        TRY(dnnl_memory_create(&c->slopes, &s_md, eng, DNNL_MEMORY_ALLOCATE), "PReLU slopes");
        void *s = NULL;
        TRY(dnnl_memory_get_data_handle(c->slopes, &s), "PReLU slopes");
        memcpy(s, post.prelu_slopes, sizeof(float) * (size_t)(post.prelu_count > 1 ? oc : 1));
    }
    if ((bf16 && !(types & SRD_DNNL_SRC_BF16)) || (int8 && !(types & SRD_DNNL_SRC_U8))) {
        // The kernel's own bf16 / int8 copy of an f32 source, converted at each run
        // (int8: q = saturate(round(x / in_scale))).
        dnnl_primitive_desc_t spd = NULL;
        dnnl_primitive_attr_t rattr = NULL;
        TRY(dnnl_memory_create(&c->src, &src_md, eng, DNNL_MEMORY_ALLOCATE), "low-precision source");
        TRY(dnnl_memory_create(&c->user_src, &user_src_md, eng, DNNL_MEMORY_NONE), "source");
        if (int8) {
            float inverse = 1.0f / in_scale;
            TRY(dnnl_primitive_attr_create(&rattr), "attributes");
            if (dnnl_primitive_attr_set_output_scales(rattr, 1, 0, &inverse) != dnnl_success
                || (in_zero != 0 && dnnl_primitive_attr_set_zero_points(rattr, DNNL_ARG_DST, 1, 0, &in_zero) != dnnl_success)) {
                dnnl_primitive_attr_destroy(rattr);
                TRY(dnnl_invalid_arguments, "int8 source quantization");
            }
        }
        dnnl_status_t st = dnnl_reorder_primitive_desc_create(&spd, &user_src_md, eng, &src_md, eng, rattr);
        if (rattr) dnnl_primitive_attr_destroy(rattr);
        TRY(st, "source conversion");
        st = dnnl_primitive_create(&c->src_reorder, spd);
        dnnl_primitive_desc_destroy(spd);
        TRY(st, "source conversion");
    } else {
        TRY(dnnl_memory_create(&c->src, &src_md, eng, DNNL_MEMORY_NONE), "source");
    }
    TRY(dnnl_memory_create(&c->dst, &dst_md, eng, DNNL_MEMORY_NONE), "destination");
    if (c->skip_index >= 0) TRY(dnnl_memory_create(&c->skip, &skip_md, eng, DNNL_MEMORY_NONE), "skip");

    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user_weights);
    free(q_weights);
    free(w_scales);
    free(q_bias);
    dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(ops);
    dnnl_primitive_attr_destroy(attr);
    return c;

fail:
    free(q_weights);
    free(w_scales);
    free(q_bias);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (user_weights) dnnl_memory_destroy(user_weights);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    srd_dnnl_conv_destroy(c);
    return NULL;
}

srd_dnnl_conv *srd_dnnl_conv_create(int ic, int oc, int h, int w, int kh, int kw, int stride,
                                    int pad_h, int pad_w, int dilation,
                                    const float *weights, const float *bias,
                                    srd_dnnl_post_ops post, int precision, int types,
                                    float input_scale, int input_zero,
                                    char *error, int error_length) {
    return make_kernel(0, ic, oc, h, w, kh, kw, stride, pad_h, pad_w, pad_h, pad_w, dilation, weights, bias, post,
                       precision, types, input_scale, input_zero, error, error_length);
}

srd_dnnl_conv *srd_dnnl_deconv_create(int ic, int oc, int h, int w, int kh, int kw, int stride,
                                      int pad_t, int pad_l, int pad_b, int pad_r, int dilation,
                                      const float *weights, const float *bias, int precision, int types,
                                      char *error, int error_length) {
    srd_dnnl_post_ops none = {0};
    return make_kernel(1, ic, oc, h, w, kh, kw, stride, pad_t, pad_l, pad_b, pad_r, dilation, weights, bias, none,
                       precision, types, 1.0f, 0, error, error_length);
}

void srd_dnnl_conv_output_size(const srd_dnnl_conv *conv, int *oh, int *ow) {
    *oh = conv->oh;
    *ow = conv->ow;
}

const char *srd_dnnl_conv_implementation(const srd_dnnl_conv *conv) { return conv->implementation; }

int srd_dnnl_conv_execute(srd_dnnl_conv *c, const void *src, void *dst, const void *skip,
                          char *error, int error_length) {
    dnnl_exec_arg_t args[7];
    int n = 0;
    if (c->src_reorder) {
        TRY(dnnl_memory_set_data_handle(c->user_src, (void *)src), "source");
        dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, c->user_src}, {DNNL_ARG_TO, c->src}};
        TRY(dnnl_primitive_execute(c->src_reorder, c->stream, 2, rargs), "source conversion");
    } else {
        TRY(dnnl_memory_set_data_handle(c->src, (void *)src), "source");
    }
    TRY(dnnl_memory_set_data_handle(c->dst, dst), "destination");
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, c->src};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, c->weights};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, c->bias};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, c->dst};
    if (c->prelu_index >= 0) {
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_MULTIPLE_POST_OP(c->prelu_index) | DNNL_ARG_WEIGHTS, c->slopes};
    }
    if (c->skip_index >= 0) {
        if (!skip) { if (error) snprintf(error, (size_t)error_length, "convolution needs its skip input"); return -1; }
        TRY(dnnl_memory_set_data_handle(c->skip, (void *)skip), "skip");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_MULTIPLE_POST_OP(c->skip_index) | DNNL_ARG_SRC_1, c->skip};
    }
    TRY(dnnl_primitive_execute(c->primitive, c->stream, n, args), "convolution");
    TRY(dnnl_stream_wait(c->stream), "convolution");
    return 0;
fail:
    return -1;
}

void srd_dnnl_conv_destroy(srd_dnnl_conv *c) {
    if (!c) return;
    if (c->primitive) dnnl_primitive_destroy(c->primitive);
    if (c->src) dnnl_memory_destroy(c->src);
    if (c->user_src) dnnl_memory_destroy(c->user_src);
    if (c->src_reorder) dnnl_primitive_destroy(c->src_reorder);
    if (c->weights) dnnl_memory_destroy(c->weights);
    if (c->bias) dnnl_memory_destroy(c->bias);
    if (c->dst) dnnl_memory_destroy(c->dst);
    if (c->skip) dnnl_memory_destroy(c->skip);
    if (c->slopes) dnnl_memory_destroy(c->slopes);
    if (c->stream) dnnl_stream_destroy(c->stream);
    free(c);
}

static void (*omp_setter)(int);
static pthread_once_t omp_once = PTHREAD_ONCE_INIT;

static void find_omp_setter(void) {
    // libdnnl links the OpenMP runtime; look its setter up rather than link it a second time.
    omp_setter = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
}

int srd_dnnl_set_thread_count(int threads) {
    pthread_once(&omp_once, find_omp_setter);
    if (!omp_setter) return -1;
    omp_setter(threads);
    return 0;
}

int srd_dnnl_cpu_isa(void) { return (int)dnnl_get_effective_cpu_isa(); }

int srd_dnnl_self_test(char *error, int error_length) {
    float weights[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, src[16], dst[16];
    for (int i = 0; i < 16; i++) src[i] = (float)i;
    srd_dnnl_post_ops none = {0};
    srd_dnnl_conv *c = srd_dnnl_conv_create(1, 1, 4, 4, 3, 3, 1, 1, 1, 1, weights, NULL, none, SRD_DNNL_F32, 0, 1.0f, 0, error, error_length);
    if (!c) return 0;
    int rc = srd_dnnl_conv_execute(c, src, dst, NULL, error, error_length);
    srd_dnnl_conv_destroy(c);
    if (rc != 0) return 0;
    for (int i = 0; i < 16; i++) {
        if (dst[i] != src[i]) { if (error) snprintf(error, (size_t)error_length, "oneDNN self-test gave wrong values"); return 0; }
    }
    return 1;
}
