/* tests/test_viz_render.c: gmpview's headless rendering, checked on pixels.
 *
 * Built only as its own program (gmpview_render_tests, GMPVIEW_RENDER_TEST defined),
 * since it links SDL; the glob that builds gmpsim_tests sees an empty file.
 *  - the software renderer draws the layout at the requested size, not blank, with
 *    each P lane's running span in its goroutine's colour and the waiting spans in
 *    the waiting colour, and twice the same pixels;
 *  - the gmpview program: --png writes a PNG of the --size asked, byte-identical
 *    across runs; --frames writes the frames; bad input is one line and exit 2.
 */
#if defined(GMPVIEW_RENDER_TEST)
#include <SDL.h>
#include <SDL_image.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render_sdl.h"

static char t_dir[] = "/tmp/gmpview-render-XXXXXX";
static char t_file[512];

static void t_run(const char *cmd, int want_status) {
    int st = system(cmd);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == want_status, "%s: exit %d, expected %d", cmd,
                  WIFEXITED(st) ? WEXITSTATUS(st) : -1, want_status);
}

static void t_setup(void) {
    ck_assert_ptr_nonnull(mkdtemp(t_dir));
    snprintf(t_file, sizeof t_file, "%s/args_copy.jsonl", t_dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' run args_copy --procs 2 --seed 1 -q -o '%s' >/dev/null", GMPSIM_BIN, t_file);
    t_run(cmd, 0);
}

static void t_teardown(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_dir);
    system(cmd);
}

static uint32_t t_pixel(SDL_Surface *s, int x, int y) {
    ck_assert(x >= 0 && y >= 0 && x < s->w && y < s->h);
    uint32_t p = ((uint32_t *)((uint8_t *)s->pixels + y * s->pitch))[x];
    uint8_t r, g, b;
    SDL_GetRGB(p, s->format, &r, &g, &b);
    return (uint32_t)r << 24 | (uint32_t)g << 16 | (uint32_t)b << 8 | 0xff;
}

typedef struct t_frame {
    viz_model m;
    viz_index ix;
    viz_view v;
    viz_rq rq;
    viz_drawlist dl;
    viz_font font;
    SDL_Surface *s;
    SDL_Renderer *ren;
} t_frame;

static void t_render(t_frame *f, int w, int h, int64_t cur, int64_t sel) {
    memset(f, 0, sizeof *f);
    viz_error err;
    ck_assert_int_eq(viz_load_file(&f->m, t_file, &err), 0);
    ck_assert_int_eq(viz_index_build(&f->ix, &f->m), 0);
    f->s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    f->ren = SDL_CreateSoftwareRenderer(f->s);
    ck_assert_ptr_nonnull(f->ren);
    char path[1024], msg[256];
    ck_assert_int_eq(viz_font_find(NULL, path, sizeof path, msg, sizeof msg), 0);
    ck_assert_int_eq(viz_font_open(&f->font, f->ren, path, 15, msg, sizeof msg), 0);
    ck_assert_int_eq(viz_view_init(&f->v, &f->ix, w, h, 1, f->font.cw, f->font.ch), 0);
    f->v.cur = cur;
    f->v.sel_g = sel;
    viz_drawlist_init(&f->dl);
    viz_rq_init(&f->rq);
    ck_assert_int_eq(viz_layout(&f->ix, &f->v, &f->rq, &f->dl), 0);
    viz_render(f->ren, &f->font, &f->dl);
    SDL_RenderPresent(f->ren);
}

static void t_free(t_frame *f) {
    viz_font_close(&f->font);
    SDL_DestroyRenderer(f->ren);
    SDL_FreeSurface(f->s);
    viz_drawlist_free(&f->dl);
    viz_rq_free(&f->rq);
    viz_view_free(&f->v);
    viz_index_free(&f->ix);
    viz_model_free(&f->m);
}

START_TEST(render_size_not_blank_colours) {
    t_frame f;
    t_render(&f, 1280, 720, 30, 4);
    ck_assert_int_eq(f.s->w, 1280);
    ck_assert_int_eq(f.s->h, 720);
    /* Not blank: many colours, and no single one covers everything. */
    uint32_t seen[64];
    int nseen = 0;
    for (int y = 0; y < f.s->h; y += 7)
        for (int x = 0; x < f.s->w; x += 7) {
            uint32_t p = t_pixel(f.s, x, y);
            int k = 0;
            while (k < nseen && seen[k] != p) k++;
            if (k == nseen && nseen < 64) seen[nseen++] = p;
        }
    ck_assert_int_ge(nseen, 20);
    /* Every wide span in the timeline shows its colour near its bottom-left (no text there). */
    int running = 0, waiting = 0;
    for (int64_t i = 0; i < f.dl.count; i++) {
        const viz_draw *d = &f.dl.items[i];
        if (d->hit != VIZ_HIT_SPAN || d->w < 12 || d->h < 8) continue;
        if (d->x < f.v.r_lanes.x || d->x + 4 > f.v.r_lanes.x + f.v.r_lanes.w) continue;
        const viz_span *sp = &f.ix.spans[d->a];
        uint32_t want = sp->state == VIZ_S_RUNNING ? viz_g_colour(sp->g) : viz_state_colour(sp->state);
        uint32_t got = t_pixel(f.s, d->x + 3, d->y + d->h - 3);
        if (sp->state == VIZ_S_RUNNING && f.ix.lanes[d->lane].kind == VIZ_LANE_P) {
            ck_assert_msg(got == want, "P%d G%d span at x=%d: %08x, expected %08x", f.ix.lanes[d->lane].id, sp->g,
                          d->x, got, want);
            running++;
        }
        if (sp->state == VIZ_S_WAITING && got == want) waiting++;
    }
    ck_assert_int_ge(running, 4); /* G1, G2, G3, G4 on P0 */
    ck_assert_int_ge(waiting, 1);
    /* The playhead is red where it crosses the ruler. */
    int32_t px = viz_view_ns_to_x(&f.v, (double)f.m.ev[30].t_ns);
    ck_assert_uint_eq(t_pixel(f.s, px, f.v.r_ruler.y + f.v.r_ruler.h - 2), 0xd62828ffu);
    t_free(&f);
}
END_TEST

START_TEST(render_twice_same_pixels) {
    t_frame a, b;
    t_render(&a, 900, 600, 12, 2);
    t_render(&b, 900, 600, 12, 2);
    for (int y = 0; y < 600; y++)
        ck_assert(memcmp((uint8_t *)a.s->pixels + y * a.s->pitch, (uint8_t *)b.s->pixels + y * b.s->pitch,
                         900 * 4) == 0);
    t_free(&a);
    t_free(&b);
}
END_TEST

static long t_file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static int t_same_file(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

START_TEST(cli_png_size_and_determinism) {
    char cmd[2048], a[600], b[600];
    snprintf(a, sizeof a, "%s/a.png", t_dir);
    snprintf(b, sizeof b, "%s/b.png", t_dir);
    snprintf(cmd, sizeof cmd, "'%s' '%s' --png '%s' --size 1000x640 --at 3.7us --select 4 >/dev/null", GMPVIEW_BIN,
             t_file, a);
    t_run(cmd, 0);
    snprintf(cmd, sizeof cmd, "'%s' '%s' --png '%s' --size 1000x640 --at 3700 --select G4 >/dev/null", GMPVIEW_BIN,
             t_file, b);
    t_run(cmd, 0);
    ck_assert_int_gt(t_file_size(a), 10000);
    ck_assert(t_same_file(a, b));
    SDL_Surface *s = IMG_Load(a);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->w, 1000);
    ck_assert_int_eq(s->h, 640);
    SDL_FreeSurface(s);
    /* --frames: fps x duration numbered files. */
    snprintf(cmd, sizeof cmd, "'%s' '%s' --frames '%s/fr' --fps 4 --duration 1.5 --size 640x400 >/dev/null",
             GMPVIEW_BIN, t_file, t_dir);
    t_run(cmd, 0);
    for (int k = 0; k < 6; k++) {
        char p[700];
        snprintf(p, sizeof p, "%s/fr/frame-%05d.png", t_dir, k);
        ck_assert_msg(t_file_size(p) > 1000, "%s missing", p);
    }
    snprintf(a, sizeof a, "%s/fr/frame-00006.png", t_dir);
    ck_assert_int_eq(t_file_size(a), -1);
}
END_TEST

/* Bad input: exit 2 and exactly one line naming file, line and field. */
START_TEST(cli_bad_input_one_line_exit_2) {
    static const struct {
        const char *content, *want;
    } cases[] = {
        {"", ":1: Header: empty file"},
        {"{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":9}\n", ":1: version: "},
        {"{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":1}\n{\"i\":0,\"t\":1,\"ev\":\"GoStart\"}\n",
         ":2: g: missing"},
        {"{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":1}\n{\"i\":0,\"t\":1,", ":2: json: "},
        {"{\"ev\":\"Header\",\"format\":\"gmpsim-schedule\",\"version\":1}\n"
         "{\"i\":0,\"t\":1,\"ev\":\"Print\",\"g\":1,\"text\":\"x\"}\n",
         ":3: Footer: missing"},
        {"\x89PNG\r\n\x1a\n\x00\x00garbage", ":1: json: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char bad[600], err[600], cmd[2048];
        snprintf(bad, sizeof bad, "%s/bad%zu.jsonl", t_dir, i);
        snprintf(err, sizeof err, "%s/bad%zu.err", t_dir, i);
        FILE *f = fopen(bad, "wb");
        fwrite(cases[i].content, 1, strlen(cases[i].content) + (i == 5 ? 9 : 0), f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "'%s' '%s' --png '%s/x.png' 2>'%s' >/dev/null", GMPVIEW_BIN, bad, t_dir, err);
        t_run(cmd, 2);
        char line[1024] = "", extra[16] = "";
        f = fopen(err, "r");
        ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
        ck_assert_ptr_null(fgets(extra, sizeof extra, f)); /* one line */
        fclose(f);
        char want[800];
        snprintf(want, sizeof want, "gmpview: %s%s", bad, cases[i].want);
        ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "got \"%s\", expected \"%s...\"", line, want);
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --size 10x10 '%s' 2>/dev/null", GMPVIEW_BIN, t_file);
    t_run(cmd, 2);
    snprintf(cmd, sizeof cmd, "'%s' '%s' --png /dev/null --select G99 2>/dev/null", GMPVIEW_BIN, t_file);
    t_run(cmd, 2);
}
END_TEST

int main(void) {
    if (SDL_Init(0) != 0 || TTF_Init() != 0) {
        fprintf(stderr, "SDL: %s\n", SDL_GetError());
        return 1;
    }
    Suite *s = suite_create("viz_render");
    TCase *tc = tcase_create("render");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_add_test(tc, render_size_not_blank_colours);
    tcase_add_test(tc, render_twice_same_pixels);
    tcase_add_test(tc, cli_png_size_and_determinism);
    tcase_add_test(tc, cli_bad_input_one_line_exit_2);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    TTF_Quit();
    SDL_Quit();
    return failed == 0 ? 0 : 1;
}

#else
typedef int gmpview_render_tests_are_built_separately; /* keeps this unit non-empty */
#endif
