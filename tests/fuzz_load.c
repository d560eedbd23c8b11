/* tests/fuzz_load.c: libFuzzer target for gmpview's loader and index (viz/).
 *
 * Any bytes: the loader must return 0 or -1 with a line and a field, never crash,
 * leak or read out of bounds (built with -fsanitize=fuzzer,address,undefined). The
 * chunked (parallel) path must give the same result and the same error, and so must
 * the loader's fast path for flat lines against cJSON alone. A file
 * that loads is also indexed and its run queues replayed at a few events, since the
 * index trusts only what the loader checked.
 *
 * By hand, for as long as you like:
 *   cmake -S . -B build && make -C build fuzz_load
 *   mkdir -p corpus && build/gmpsim run args_copy -o corpus/a.jsonl
 *   build/tests/fuzz_load corpus -max_total_time=3600
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    viz_model m, m3;
    viz_error err, err3;
    int rc = viz_load_mem(&m, (const char *)data, size, &err);
    /* The parallel loader's path (3 chunks, merged) must agree exactly. */
    int rc3 = viz_load_mem_chunks(&m3, (const char *)data, size, 3, 0, &err3);
    if (rc != rc3) __builtin_trap();
    /* And the loader's fast path for flat lines must build what cJSON builds. */
    viz_model m0;
    viz_error err0;
    viz_load_set_fast(0);
    int rc0 = viz_load_mem(&m0, (const char *)data, size, &err0);
    viz_load_set_fast(1);
    if (rc0 != rc) __builtin_trap();
    if (rc != 0 && (err.line != err0.line || strcmp(err.field, err0.field) != 0 || strcmp(err.msg, err0.msg) != 0))
        __builtin_trap();
    if (rc == 0) {
        if (m0.ev_count != m.ev_count) __builtin_trap();
        for (int64_t i = 0; i < m.ev_count && i < 256; i++) {
            char a[512], b[512];
            viz_event_describe(&m, i, a, sizeof a);
            viz_event_describe(&m0, i, b, sizeof b);
            if (strcmp(a, b) != 0 || strcmp(viz_str(&m, m.ev[i].why), viz_str(&m0, m0.ev[i].why)) != 0)
                __builtin_trap();
        }
        viz_model_free(&m0);
    }
    if (rc != 0) {
        if (err.line < 0 || err.field[0] == 0 || memchr(err.msg, 0, sizeof err.msg) == NULL) __builtin_trap();
        if (err.line != err3.line || strcmp(err.field, err3.field) != 0 || strcmp(err.msg, err3.msg) != 0)
            __builtin_trap();
        return 0;
    }
    if (m.ev_count != m3.ev_count || m.p_count != m3.p_count || m.t_end_ns != m3.t_end_ns) __builtin_trap();
    viz_model_free(&m3);
    viz_index ix;
    if (viz_index_build(&ix, &m) == 0) {
        viz_rq rq;
        viz_rq_init(&rq);
        int64_t n = m.ev_count;
        int64_t at[4] = {0, n / 2, n, n / 3};
        for (int k = 0; k < 4; k++) viz_rq_at(&ix, at[k], &rq);
        for (int64_t i = 0; i < n && i < 64; i++) {
            char buf[256];
            viz_event_describe(&m, i, buf, sizeof buf);
            int32_t rows[8];
            viz_stack_at(&ix, m.ev[i].g, i, rows, 8);
            viz_gnow now;
            if (viz_g_state_at(&ix, m.ev[i].g, i, &now) == VIZ_G_ALIVE && now.state == VIZ_S_NONE) __builtin_trap();
        }
        viz_rq_free(&rq);
        viz_index_free(&ix);
    }
    viz_model_free(&m);
    return 0;
}
