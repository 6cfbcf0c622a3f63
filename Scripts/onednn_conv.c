// One 3x3 convolution (stride 1, pad 1, bias, ReLU post-op, NHWC activations) timed in each
// precision oneDNN offers on this CPU, with nothing of srd around it: the numbers behind
// docs/BENCHMARKS.md's per-layer figures. Built and run by Scripts/onednn-conv.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/// Mean of `runs` executions after one warm-up; prints the implementation oneDNN chose.
static void time_conv(dnnl_engine_t eng, dnnl_stream_t s, const char *label, dnnl_data_type_t src_t,
                      dnnl_data_type_t wei_t, dnnl_data_type_t dst_t, dnnl_alg_kind_t alg, int ic, int oc, int h, int w) {
    int runs = 10, any = alg == dnnl_convolution_winograd;
    dnnl_dims_t sd = {1, ic, h, w}, dd = {1, oc, h, w}, wd = {oc, ic, 3, 3}, bd = {oc};
    dnnl_dims_t strides = {1, 1}, dil = {0, 0}, pad = {1, 1};
    dnnl_memory_desc_t smd, dmd, wmd, bmd;
    dnnl_memory_desc_init_by_tag(&smd, 4, sd, src_t, any ? dnnl_format_tag_any : dnnl_nhwc);
    dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dst_t, any ? dnnl_format_tag_any : dnnl_nhwc);
    dnnl_memory_desc_init_by_tag(&wmd, 4, wd, wei_t, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x);
    dnnl_convolution_desc_t cd;
    dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, alg, &smd, &wmd, &bmd, &dmd, strides, dil, pad, pad);
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t ops;
    dnnl_primitive_attr_create(&attr);
    dnnl_post_ops_create(&ops);
    dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0);
    dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL) != dnnl_success) {
        printf("| %d->%d %dx%d | %s | no kernel | |\n", ic, oc, h, w, label);
        return;
    }
    const char *impl = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t p;
    dnnl_primitive_create(&p, pd);
    dnnl_memory_t ms, md, mw, mb;
    dnnl_memory_create(&ms, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), eng, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&md, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), eng, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&mw, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), eng, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&mb, &bmd, eng, DNNL_MEMORY_ALLOCATE);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, md}};
    dnnl_primitive_execute(p, s, 4, args);
    dnnl_stream_wait(s);
    double t = now_ms();
    for (int i = 0; i < runs; i++) dnnl_primitive_execute(p, s, 4, args);
    dnnl_stream_wait(s);
    double ms_per = (now_ms() - t) / runs;
    printf("| %d->%d %dx%d | %s | %s | %.1f |\n", ic, oc, h, w, label, impl, ms_per);
    dnnl_memory_destroy(ms); dnnl_memory_destroy(md); dnnl_memory_destroy(mw); dnnl_memory_destroy(mb);
    dnnl_primitive_destroy(p); dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(ops); dnnl_primitive_attr_destroy(attr);
}

int main(void) {
    dnnl_engine_t eng;
    dnnl_stream_t s;
    dnnl_engine_create(&eng, dnnl_cpu, 0);
    dnnl_stream_create(&s, eng, 0);
    printf("| layer | precision | oneDNN implementation | ms |\n|---|---|---|---:|\n");
    int shapes[2][4] = {{32, 32, 540, 960}, {64, 64, 270, 480}};
    for (int k = 0; k < 2; k++) {
        int ic = shapes[k][0], oc = shapes[k][1], h = shapes[k][2], w = shapes[k][3];
        time_conv(eng, s, "f32 direct", dnnl_f32, dnnl_f32, dnnl_f32, dnnl_convolution_direct, ic, oc, h, w);
        time_conv(eng, s, "f32 Winograd (blocked layout)", dnnl_f32, dnnl_f32, dnnl_f32, dnnl_convolution_winograd, ic, oc, h, w);
        time_conv(eng, s, "bf16 (bf16 dst)", dnnl_bf16, dnnl_bf16, dnnl_bf16, dnnl_convolution_direct, ic, oc, h, w);
        time_conv(eng, s, "int8 u8 src (f32 dst)", dnnl_u8, dnnl_s8, dnnl_f32, dnnl_convolution_direct, ic, oc, h, w);
        time_conv(eng, s, "int8 s8 src (s8 dst)", dnnl_s8, dnnl_s8, dnnl_s8, dnnl_convolution_direct, ic, oc, h, w);
    }
    return 0;
}
