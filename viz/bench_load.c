/* viz/bench_load.c: gmpview_bench, the viewer's benchmark (a program, not a test:
 * timings are for people, never asserted).
 *
 *   gmpview_bench [--events N] [--file PATH] [--keep] [--size WxH]
 *
 * Writes a synthetic schedule of N events (default 10 million) in the real format
 * (the simulator cannot yet make one that large quickly): waves of goroutines created
 * by main, each with an argument copy, a frame, a block on a channel, a wake-up by
 * main and an exit, spread over 8 Ps; or loads an existing --file. Then measures:
 *  - load time (viz_load_file) and index time (viz_index_build), events per second;
 *  - peak RSS (getrusage) against the file's size;
 *  - layout + software rendering of a full frame at several zoom levels, from the
 *    whole run down to a microsecond, with the playhead in the middle and a
 *    goroutine selected: mean and worst of several frames each.
 * Targets (issue 6): load 10M events < 10 s, memory < 3x the file, frames < 16 ms.
 */
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "render_sdl.h"

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time: what the work costs whatever else the machine is running. */
static double bench_cpu(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

/* ---- [SECTION] the synthetic schedule ------------------------------------------- */

static int bench_write(const char *path, int64_t n_events) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    enum { P = 8 };
    int64_t i = 0, t = 0, g = 2;
    fprintf(f, "{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":1,\"scenario\":\"bench_synthetic\","
               "\"seed\":1,\"strategy\":\"random\",\"options\":{\"procs\":%d,\"go\":\"1.22\"}}\n", P);
    for (int p = 0; p < P; p++)
        fprintf(f, "{\"i\":%lld,\"t\":0,\"ev\":\"ProcStart\",\"m\":%d,\"p\":%d,\"why\":\"procresize\"}\n",
                (long long)i++, p, p);
    fprintf(f, "{\"i\":%lld,\"t\":0,\"ev\":\"GoCreate\",\"m\":0,\"p\":0,\"g\":0,\"new_g\":1,\"fn\":\"main.main\","
               "\"stack_lo\":\"0xc001000000\",\"stack_hi\":\"0xc001000800\",\"file\":\"bench.c\",\"line\":0,"
               "\"reused\":false,\"why\":\"rt0_go: newproc(runtime.main), the main goroutine\"}\n", (long long)i++);
    fprintf(f, "{\"i\":%lld,\"t\":0,\"ev\":\"GoBlock\",\"m\":0,\"p\":0,\"g\":1,\"reason\":\"chan receive\","
               "\"why\":\"chanrecv: nothing to receive, park on recvq\"}\n", (long long)i++);
    while (i + 16 <= n_events) {
        int p = (int)(g % P);
        unsigned long long lo = 0xc001000000ull + (unsigned long long)g * 2048, hi = lo + 2048;
        t += 50;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoCreate\",\"m\":%d,\"p\":%d,\"g\":1,\"new_g\":%lld,"
                   "\"fn\":\"main.worker\",\"stack_lo\":\"0x%llx\",\"stack_hi\":\"0x%llx\",\"file\":\"bench.c\","
                   "\"line\":26,\"reused\":false,\"why\":\"newproc: a new goroutine\"}\n",
                (long long)i++, (long long)t, p, p, (long long)g, lo, hi);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"ArgCopy\",\"g\":1,\"src_g\":1,\"src_kind\":\"stack\","
                   "\"src_frame\":\"main.main\",\"src_var\":\"a\",\"src_addr\":\"0xc0010007e0\",\"dst_g\":%lld,"
                   "\"dst_kind\":\"stack\",\"dst_frame\":\"main.worker\",\"dst_addr\":\"0x%llx\",\"size\":16,"
                   "\"bytes\":\"%016llx0a00000000000000\",\"why\":\"newproc1: memmove(spArg, argp, narg)\"}\n",
                (long long)i++, (long long)t, (long long)g, hi - 16, (unsigned long long)__builtin_bswap64((uint64_t)g));
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"RunqPut\",\"p\":%d,\"g\":%lld,\"queue\":\"runnext\","
                   "\"why\":\"newproc: the new G takes runnext\"}\n", (long long)i++, (long long)t, p, (long long)g);
        t += 100;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"RunqGet\",\"p\":%d,\"g\":%lld,\"queue\":\"runnext\","
                   "\"why\":\"runqget: runnext first, inherits the time slice\"}\n", (long long)i++, (long long)t, p,
                (long long)g);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoStart\",\"m\":%d,\"p\":%d,\"g\":%lld,\"inherit_time\":true,"
                   "\"schedtick\":%lld,\"why\":\"findRunnable: runnext\"}\n", (long long)i++, (long long)t, p, p,
                (long long)g, (long long)(g / P));
        t += 50;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"FrameEnter\",\"g\":%lld,\"fn\":\"main.worker\",\"depth\":0,"
                   "\"args\":[\"0x%llx\",\"0xa\"],\"args_addr\":\"0x%llx\",\"args_size\":16,\"file\":\"bench.c\","
                   "\"line\":26}\n", (long long)i++, (long long)t, (long long)g, (unsigned long long)g, hi - 16);
        t += 300;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoBlock\",\"m\":%d,\"p\":%d,\"g\":%lld,\"reason\":\"chan send\","
                   "\"why\":\"chansend: no receiver and no room, park on sendq\"}\n", (long long)i++, (long long)t, p,
                p, (long long)g);
        t += 200;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoUnblock\",\"m\":%d,\"p\":%d,\"g\":%lld,\"by\":1,"
                   "\"why\":\"chanrecv: a sender was waiting\"}\n", (long long)i++, (long long)t, p, p, (long long)g);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"RunqPut\",\"p\":%d,\"g\":%lld,\"queue\":\"local\","
                   "\"why\":\"ready: the woken G goes to the local queue\"}\n", (long long)i++, (long long)t, p,
                (long long)g);
        t += 100;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"RunqGet\",\"p\":%d,\"g\":%lld,\"queue\":\"local\","
                   "\"why\":\"runqget: head of the local queue\"}\n", (long long)i++, (long long)t, p, (long long)g);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoStart\",\"m\":%d,\"p\":%d,\"g\":%lld,\"inherit_time\":false,"
                   "\"schedtick\":%lld,\"why\":\"findRunnable: local run queue\"}\n", (long long)i++, (long long)t, p,
                p, (long long)g, (long long)(g / P + 1));
        t += 400;
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"Print\",\"g\":%lld,\"text\":\"worker %lld done\\n\"}\n",
                (long long)i++, (long long)t, (long long)g, (long long)g);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"FrameExit\",\"g\":%lld,\"fn\":\"main.worker\",\"depth\":0}\n",
                (long long)i++, (long long)t, (long long)g);
        fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"GoDestroy\",\"m\":%d,\"p\":%d,\"g\":%lld,"
                   "\"why\":\"goexit0: the G is dead, its stack kept for reuse\"}\n", (long long)i++, (long long)t, p,
                p, (long long)g);
        if (g % 97 == 0) {
            fprintf(f, "{\"i\":%lld,\"t\":%lld,\"ev\":\"Decision\",\"kind\":\"tie\",\"n\":2,\"choice\":1,"
                       "\"why\":\"several Ms step at the same instant: which goes first\"}\n", (long long)i++,
                    (long long)t);
        }
        g++;
    }
    fprintf(f, "{\"ev\":\"Footer\",\"outcome\":\"ok\",\"message\":\"\",\"t\":%lld,\"counts\":{\"events\":%lld,"
               "\"goroutines\":%lld}}\n", (long long)t, (long long)i, (long long)g - 1);
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

/* ---- [SECTION] frames ------------------------------------------------------------- */

static void bench_frames(const viz_index *ix, int32_t w, int32_t h) {
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *ren = s ? SDL_CreateSoftwareRenderer(s) : NULL;
    char path[1024], err[256];
    viz_font font;
    if (ren == NULL || viz_font_find(NULL, path, sizeof path, err, sizeof err) != 0 ||
        viz_font_open(&font, ren, path, 15, err, sizeof err) != 0) {
        fprintf(stderr, "bench: no renderer or font: %s %s\n", SDL_GetError(), err);
        return;
    }
    viz_view v;
    viz_drawlist dl;
    viz_rq rq;
    viz_view_init(&v, ix, w, h, 1, font.cw, font.ch);
    viz_drawlist_init(&dl);
    viz_rq_init(&rq);
    const viz_model *m = ix->m;
    v.cur = m->ev_count / 2;
    v.sel_g = m->ev[v.cur].g > 0 ? m->ev[v.cur].g : 1;
    double end = (double)m->t_end_ns;
    static const double spans[] = {1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7};
    printf("frames: %dx%d software renderer, playhead at event %lld, G%lld selected\n", w, h, (long long)v.cur,
           (long long)v.sel_g);
    printf("  %-14s %8s %8s %8s %8s %9s %10s\n", "visible", "layout", "render", "mean", "worst", "mean cpu",
           "draw items");
    double worst_all = 0, worst_cpu_all = 0;
    for (size_t z = 0; z < sizeof spans / sizeof spans[0]; z++) {
        double width = end * spans[z];
        if (width < 100) width = 100;
        double lay = 0, ren_t = 0, worst = 0, cpu = 0, worst_cpu = 0;
        int64_t items = 0;
        enum { FRAMES = 12 };
        for (int k = 0; k < FRAMES; k++) {
            /* Pan across the run, and scroll the lanes too, as a user would. */
            double c = end * (0.05 + 0.9 * k / (FRAMES - 1));
            v.v0_ns = c - width / 2;
            v.v1_ns = c + width / 2;
            /* Even frames: the lanes of the goroutines alive there; odd: the P and M lanes. */
            int64_t at = viz_event_at_time(m, (int64_t)c);
            int32_t lane = at >= 0 ? viz_index_glane(ix, m->ev[at].g) : -1;
            v.scroll_px = k % 2 == 0 && lane >= 0 ? v.lane_y[lane] - v.r_lanes.h / 2 : 0;
            v.mouse_x = w / 3;
            v.mouse_y = h / 3;
            double c0 = bench_cpu(CLOCK_THREAD_CPUTIME_ID);
            double t0 = bench_now();
            viz_layout(ix, &v, &rq, &dl);
            double t1 = bench_now();
            viz_render(ren, &font, &dl);
            SDL_RenderPresent(ren);
            double t2 = bench_now();
            double c2 = bench_cpu(CLOCK_THREAD_CPUTIME_ID);
            cpu += c2 - c0;
            if (c2 - c0 > worst_cpu) worst_cpu = c2 - c0;
            lay += t1 - t0;
            ren_t += t2 - t1;
            if (t2 - t0 > worst) worst = t2 - t0;
            items += dl.count;
        }
        char label[32];
        viz_fmt_ns(width, label, sizeof label);
        printf("  %-14s %7.2fms %7.2fms %7.2fms %7.2fms %7.2fms %10lld\n", label, lay * 1e3 / FRAMES,
               ren_t * 1e3 / FRAMES, (lay + ren_t) * 1e3 / FRAMES, worst * 1e3, cpu * 1e3 / FRAMES,
               (long long)(items / FRAMES));
        if (worst > worst_all) worst_all = worst;
        if (worst_cpu > worst_cpu_all) worst_cpu_all = worst_cpu;
    }
    printf("  worst frame over every zoom: %.2f ms wall, %.2f ms CPU (target < 16 ms)\n", worst_all * 1e3,
           worst_cpu_all * 1e3);
    viz_drawlist_free(&dl);
    viz_rq_free(&rq);
    viz_view_free(&v);
    viz_font_close(&font);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(s);
}

int main(int argc, char **argv) {
    int64_t n = 10000000;
    const char *file = NULL;
    int keep = 0;
    int32_t w = 1920, h = 1080;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) n = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) file = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0) keep = 1;
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) sscanf(argv[++i], "%dx%d", &w, &h);
        else {
            fprintf(stderr, "usage: gmpview_bench [--events N] [--file PATH] [--keep] [--size WxH]\n");
            return 2;
        }
    }
    char tmp[] = "/tmp/gmpview-bench-XXXXXX";
    char path[64];
    if (file == NULL) {
        if (mkdtemp(tmp) == NULL) return 1;
        snprintf(path, sizeof path, "%s/bench.jsonl", tmp);
        double t0 = bench_now();
        if (bench_write(path, n) != 0) {
            fprintf(stderr, "bench: cannot write %s\n", path);
            return 1;
        }
        printf("wrote %s: %lld events in %.1f s\n", path, (long long)n, bench_now() - t0);
        file = path;
    }
    double rss0 = bench_peak_rss_mb();
    viz_model m;
    viz_error err;
    double t0 = bench_now(), p0 = bench_cpu(CLOCK_PROCESS_CPUTIME_ID);
    if (viz_load_file(&m, file, &err) != 0) {
        char msg[512];
        viz_error_format(&err, file, msg, sizeof msg);
        fprintf(stderr, "bench: %s\n", msg);
        return 2;
    }
    double t1 = bench_now(), p1 = bench_cpu(CLOCK_PROCESS_CPUTIME_ID);
    viz_index ix;
    if (viz_index_build(&ix, &m) != 0) {
        fprintf(stderr, "bench: out of memory while indexing\n");
        return 1;
    }
    double t2 = bench_now(), p2 = bench_cpu(CLOCK_PROCESS_CPUTIME_ID);
    double file_mb = (double)m.file_bytes / (1024.0 * 1024.0);
    double rss = bench_peak_rss_mb();
    printf("file: %.1f MiB, %lld events, %d goroutines, %lld spans\n", file_mb, (long long)m.ev_count, ix.g_count,
           (long long)ix.span_count);
    printf("load: %.2f s (%.2f M events/s); index: %.2f s; load + index: %.2f s (target < 10 s)\n", t1 - t0,
           (double)m.ev_count / (t1 - t0) / 1e6, t2 - t1, t2 - t0);
    printf("cpu: load %.2f s on %d threads, index %.2f s (what it costs on an idle machine: load cpu / threads)\n",
           p1 - p0, (int)sysconf(_SC_NPROCESSORS_ONLN), p2 - p1);
    printf("peak RSS: %.0f MiB (%.2fx the file; %.0f MiB before loading; target < 3x)\n", rss, rss / file_mb, rss0);
    if (SDL_Init(0) == 0 && TTF_Init() == 0) {
        bench_frames(&ix, w, h);
        TTF_Quit();
        SDL_Quit();
    }
    viz_index_free(&ix);
    viz_model_free(&m);
    if (file == path && !keep) {
        unlink(path);
        rmdir(tmp);
    } else if (file == path) {
        printf("kept %s\n", path);
    }
    return 0;
}
