/* viz/layout.c: the whole window as a draw list (see layout.h).
 *
 * [SECTION] index: draw list · colours · view · top bar · ruler · lanes (spans, folds)
 * · arrows · playhead · run queues · goroutine panel · event bar · overlays · entry.
 *
 * The window, top to bottom: a top bar (file, scenario, outcome, play state); the
 * timeline (lane labels on the left, the time ruler, one lane per P, M and G); the
 * run queues at the playhead; an event bar with the current event and its why. On the
 * right, the selected goroutine: its stack and where its arguments came from.
 */
#include "layout.h"

#include <math.h>
#include <string.h>

/* ---- [SECTION] draw list -------------------------------------------------------------- */

void viz_drawlist_init(viz_drawlist *dl) {
    memset(dl, 0, sizeof *dl);
}

void viz_drawlist_free(viz_drawlist *dl) {
    free(dl->items);
    free(dl->text);
    memset(dl, 0, sizeof *dl);
}

void viz_drawlist_clear(viz_drawlist *dl) {
    dl->count = 0;
    dl->text_len = 0;
    dl->oom = 0;
}

static viz_draw *viz_dl_add(viz_drawlist *dl, uint8_t type, int32_t x, int32_t y, int32_t w, int32_t h,
                            uint32_t rgba) {
    if (dl->count == dl->cap) {
        int64_t cap = dl->cap ? dl->cap * 2 : 4096;
        viz_draw *n = realloc(dl->items, (size_t)cap * sizeof *n);
        if (n == NULL) {
            dl->oom = 1;
            return NULL;
        }
        dl->items = n;
        dl->cap = cap;
    }
    viz_draw *d = &dl->items[dl->count++];
    memset(d, 0, sizeof *d);
    d->type = type;
    d->x = x;
    d->y = y;
    d->w = w;
    d->h = h;
    d->rgba = rgba;
    d->lane = -1;
    return d;
}

static viz_draw *viz_fill(viz_drawlist *dl, int32_t x, int32_t y, int32_t w, int32_t h, uint32_t rgba) {
    return viz_dl_add(dl, VIZ_D_RECT, x, y, w, h, rgba);
}

static void viz_outline(viz_drawlist *dl, int32_t x, int32_t y, int32_t w, int32_t h, uint32_t rgba) {
    viz_dl_add(dl, VIZ_D_OUTLINE, x, y, w, h, rgba);
}

static void viz_line(viz_drawlist *dl, int32_t x0, int32_t y0, int32_t x1, int32_t y1, uint32_t rgba) {
    viz_dl_add(dl, VIZ_D_LINE, x0, y0, x1 - x0, y1 - y0, rgba);
}

/* Characters (code points) in a UTF-8 string. */
static int32_t viz_u8len(const char *s) {
    int32_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

/* Bytes of the first n code points. */
static size_t viz_u8prefix(const char *s, int32_t n) {
    size_t b = 0;
    int32_t k = 0;
    while (s[b]) {
        if (((unsigned char)s[b] & 0xc0) != 0x80) {
            if (k == n) break;
            k++;
        }
        b++;
    }
    return b;
}

/* Text at (x, y), cut to max_chars (with "…" when cut; nothing if max_chars < 2).
 * Returns the width drawn in pixels. */
static int32_t viz_text_n(viz_drawlist *dl, const viz_view *v, int32_t x, int32_t y, const char *s,
                          int32_t max_chars, uint32_t rgba) {
    int32_t n = viz_u8len(s);
    if (n == 0 || max_chars <= 0) return 0;
    int cut = n > max_chars;
    if (cut && max_chars < 2) return 0;
    int32_t keep = cut ? max_chars - 1 : n;
    size_t bytes = viz_u8prefix(s, keep);
    size_t total = bytes + (cut ? 3 : 0);
    if (dl->text_len + total + 1 > dl->text_cap) {
        uint64_t cap = dl->text_cap ? dl->text_cap * 2 : 65536;
        while (cap < dl->text_len + total + 1) cap *= 2;
        char *t = realloc(dl->text, cap);
        if (t == NULL) {
            dl->oom = 1;
            return 0;
        }
        dl->text = t;
        dl->text_cap = cap;
    }
    viz_draw *d = viz_dl_add(dl, VIZ_D_TEXT, x, y, (keep + cut) * v->cw, v->ch, rgba);
    if (d == NULL) return 0;
    d->text_off = dl->text_len;
    memcpy(dl->text + dl->text_len, s, bytes);
    if (cut) memcpy(dl->text + dl->text_len + bytes, "\xe2\x80\xa6", 3); /* … */
    d->text_len = (uint32_t)total;
    dl->text_len += total;
    dl->text[dl->text_len] = 0;
    return d->w;
}

static int32_t viz_text(viz_drawlist *dl, const viz_view *v, int32_t x, int32_t y, const char *s, uint32_t rgba) {
    return viz_text_n(dl, v, x, y, s, 1 << 20, rgba);
}

static void viz_clip(viz_drawlist *dl, viz_rect r) {
    viz_dl_add(dl, VIZ_D_CLIP, r.x, r.y, r.w, r.h, 0);
}

static void viz_unclip(viz_drawlist *dl) {
    viz_dl_add(dl, VIZ_D_UNCLIP, 0, 0, 0, 0, 0);
}

static void viz_hitbox(viz_drawlist *dl, int32_t x, int32_t y, int32_t w, int32_t h, uint8_t hit, int32_t lane,
                       int64_t a, int64_t b, int32_t c) {
    viz_draw *d = viz_fill(dl, x, y, w, h, 0); /* alpha 0: not drawn, only hit */
    if (d == NULL) return;
    d->hit = hit;
    d->lane = lane;
    d->a = a;
    d->b = b;
    d->c = c;
}

/* ---- [SECTION] colours ----------------------------------------------------------------- */

/* A light theme: it projects well. Goroutines take Tableau-10-like hues by id. */
#define C_BG 0xfbfbf9ffu
#define C_PANEL 0xf2f3f5ffu
#define C_PANEL_EDGE 0xc8ccd2ffu
#define C_TEXT 0x1d2430ffu
#define C_TEXT_DIM 0x5f6b7affu
#define C_TEXT_FAINT 0x8a94a3ffu
#define C_STRIPE 0xf1f3f6ffu
#define C_HEADER 0xe3e7edffu
#define C_RULER 0xe9ecf0ffu
#define C_GRID 0xe2e5eaffu
#define C_PLAYHEAD 0xd62828ffu
#define C_SELECT 0x111111ffu
#define C_HILITE 0xfff0a0ffu
#define C_HILITE_EDGE 0xe0b000ffu
#define C_FOLD 0x9aa5b4ffu
#define C_WHY 0x7a3e9dffu
#define C_TOOLTIP 0xfffffbffu

static const uint32_t viz_palette[10] = {
    0x4e79a7ffu, 0xf28e2bffu, 0x59a14fffu, 0xe15759ffu, 0x76b7b2ffu,
    0xedc948ffu, 0xb07aa1ffu, 0xff9da7ffu, 0x9c755fffu, 0x8cd17dffu,
};

uint32_t viz_g_colour(int64_t goid) {
    if (goid < 1) return C_FOLD;
    return viz_palette[(goid - 1) % 10];
}

uint32_t viz_state_colour(int state) {
    switch (state) {
    case VIZ_S_RUNNABLE: return 0xcfd8e3ffu;
    case VIZ_S_WAITING: return 0xf3e6c4ffu;
    case VIZ_S_SYSCALL: return 0xe07b39ffu;
    case VIZ_S_HELD: return 0xa9b8c9ffu;
    case VIZ_S_SCHED: return 0x9ec5e8ffu;
    case VIZ_S_SPINNING: return 0xf4b942ffu;
    case VIZ_S_WAKING: return 0xdcd3f2ffu;
    case VIZ_S_POLL: return 0xa9dccfffu;
    default: return C_FOLD;
    }
}

/* Black or white text, whichever reads better on bg. */
static uint32_t viz_text_on(uint32_t bg) {
    double r = (bg >> 24) & 255, g = (bg >> 16) & 255, b = (bg >> 8) & 255;
    return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? C_TEXT : 0xffffffffu;
}

static uint32_t viz_arrow_colour(int kind) {
    switch (kind) {
    case VIZ_ARROW_CREATE: return 0x2a9d3fffu;
    case VIZ_ARROW_UNBLOCK: return 0x1f6fd1ffu;
    case VIZ_ARROW_ARGCOPY: return 0xc2187dffu;
    default: return 0x7b4bb8ffu;
    }
}

void viz_fmt_ns(double ns, char *buf, size_t size) {
    double a = fabs(ns);
    if (a >= 1e9) snprintf(buf, size, "%.3fs", ns / 1e9);
    else if (a >= 1e6) snprintf(buf, size, "%.3fms", ns / 1e6);
    else if (a >= 1e3) snprintf(buf, size, "%.3f\xc2\xb5s", ns / 1e3);
    else snprintf(buf, size, "%.0fns", ns);
}

void viz_fmt_ns_step(double ns, double step, char *buf, size_t size) {
    double a = fabs(ns), unit = a >= 1e9 ? 1e9 : a >= 1e6 ? 1e6 : a >= 1e3 ? 1e3 : 1;
    const char *name = unit == 1e9 ? "s" : unit == 1e6 ? "ms" : unit == 1e3 ? "\xc2\xb5s" : "ns";
    /* Enough decimals that a multiple of step shows exactly in this unit: steps are
     * 1, 2 or 5 times a power of ten, so log10(unit / step) rounded up. */
    int d = 0;
    if (step > 0 && step < unit) d = (int)ceil(log10(unit / step) - 1e-9);
    if (d > 9) d = 9;
    if (d < 0) d = 0;
    snprintf(buf, size, "%.*f%s", d, ns / unit, name);
}

/* ---- [SECTION] view --------------------------------------------------------------------- */

static int32_t viz_px(const viz_view *v, double px) {
    return (int32_t)lround(px * v->scale);
}

static int32_t viz_pad(const viz_view *v) {
    return viz_px(v, 4);
}

static int32_t viz_row_h(const viz_view *v) {
    return v->ch + 2 * viz_pad(v) + 2;
}

static int32_t viz_group_h(const viz_view *v) {
    return v->ch + 2 * viz_pad(v);
}

int viz_view_init(viz_view *v, const viz_index *ix, int32_t w, int32_t h, float scale, int32_t cw, int32_t ch) {
    memset(v, 0, sizeof *v);
    v->width_px = w;
    v->height_px = h;
    v->scale = scale > 0 ? scale : 1;
    v->cw = cw > 0 ? cw : 8;
    v->ch = ch > 0 ? ch : 16;
    v->cur = -1;
    v->sel_span = -1;
    v->mouse_x = v->mouse_y = -1;
    v->lane_count = ix->lane_count;
    v->lane_small = calloc((size_t)ix->lane_count + 1, 1);
    v->lane_y = calloc((size_t)ix->lane_count + 1, sizeof *v->lane_y);
    v->lane_h = calloc((size_t)ix->lane_count + 1, sizeof *v->lane_h);
    if (!v->lane_small || !v->lane_y || !v->lane_h) {
        viz_view_free(v);
        return -1;
    }
    int64_t span = ix->m->t_end_ns > 0 ? ix->m->t_end_ns : 1;
    v->speed = (double)span / 20.0; /* the whole run plays in 20 s */
    viz_view_geometry(v, ix);
    viz_view_lanes(v, ix);
    viz_view_fit(v, ix);
    return 0;
}

void viz_view_free(viz_view *v) {
    free(v->lane_small);
    free(v->lane_y);
    free(v->lane_h);
    v->lane_small = NULL;
    v->lane_y = v->lane_h = NULL;
}

static int32_t viz_lane_natural_h(const viz_view *v, const viz_lane *l) {
    return l->kind == VIZ_LANE_M ? v->ch + 2 * viz_pad(v) : viz_row_h(v);
}

void viz_view_lanes(viz_view *v, const viz_index *ix) {
    int32_t y = 0;
    for (int32_t l = 0; l < ix->lane_count; l++) {
        const viz_lane *ln = &ix->lanes[l];
        if (l == ix->p_lane0 || l == ix->m_lane0 || l == ix->g_lane0) {
            if (!(l == ix->m_lane0 && l == ix->g_lane0 && ln->kind == VIZ_LANE_G)) {
                v->group_y[ln->kind] = y;
                y += viz_group_h(v);
            }
        }
        v->lane_y[l] = y;
        int32_t h = v->group_collapsed[ln->kind] ? 0 : v->lane_small[l] ? viz_px(v, 7) : viz_lane_natural_h(v, ln);
        v->lane_h[l] = h;
        y += h;
    }
    /* Groups with no lanes still get their header. */
    if (ix->m_lane0 == ix->g_lane0) {
        v->group_y[VIZ_LANE_M] = y;
        y += viz_group_h(v);
    }
    if (ix->g_lane0 == ix->lane_count) {
        v->group_y[VIZ_LANE_G] = y;
        y += viz_group_h(v);
    }
    v->lane_y[ix->lane_count] = y;
    v->lanes_total_px = y;
}

void viz_view_geometry(viz_view *v, const viz_index *ix) {
    int32_t W = v->width_px, H = v->height_px, pad = viz_pad(v);
    int32_t top_h = v->ch + 2 * pad + 2;
    int32_t ev_h = 2 * v->ch + 3 * pad + 2;
    int32_t side_w = 62 * v->cw;
    if (side_w > W * 45 / 100) side_w = W * 45 / 100;
    if (side_w < W * 28 / 100) side_w = W * 28 / 100;
    int32_t tl_w = W - side_w;
    int32_t q_rows = ix->m->p_count + 1;
    int32_t q_h = viz_group_h(v) + q_rows * (v->ch + 2 * pad + 2) + pad;
    int32_t avail = H - top_h - ev_h;
    if (q_h > avail * 32 / 100) q_h = avail * 32 / 100;
    int32_t ruler_h = v->ch + 2 * pad + viz_px(v, 6);
    int32_t label_w = 22 * v->cw;
    if (label_w > tl_w * 3 / 10) label_w = tl_w * 3 / 10;
    v->r_top = (viz_rect){0, 0, W, top_h};
    v->r_event = (viz_rect){0, H - ev_h, W, ev_h};
    v->r_side = (viz_rect){tl_w, top_h, side_w, H - top_h - ev_h};
    v->r_queues = (viz_rect){0, H - ev_h - q_h, tl_w, q_h};
    v->r_ruler = (viz_rect){label_w, top_h, tl_w - label_w, ruler_h};
    int32_t lanes_y = top_h + ruler_h;
    int32_t lanes_h = v->r_queues.y - lanes_y;
    if (lanes_h < 0) lanes_h = 0;
    v->r_labels = (viz_rect){0, lanes_y, label_w, lanes_h};
    v->r_lanes = (viz_rect){label_w, lanes_y, tl_w - label_w, lanes_h};
}

void viz_view_fit(viz_view *v, const viz_index *ix) {
    double end = (double)ix->m->t_end_ns;
    if (end <= 0) end = 1000;
    double margin = end * 0.02;
    v->v0_ns = -margin;
    v->v1_ns = end + margin;
}

double viz_view_x_to_ns(const viz_view *v, int32_t x) {
    double w = v->r_lanes.w > 0 ? v->r_lanes.w : 1;
    return v->v0_ns + (double)(x - v->r_lanes.x) * (v->v1_ns - v->v0_ns) / w;
}

int32_t viz_view_ns_to_x(const viz_view *v, double t_ns) {
    double span = v->v1_ns - v->v0_ns;
    double x = v->r_lanes.x + (t_ns - v->v0_ns) * v->r_lanes.w / (span > 0 ? span : 1);
    if (x < -1e6) x = -1e6; /* keep far-off coordinates in int range */
    if (x > 1e6) x = 1e6;
    return (int32_t)floor(x);
}

void viz_view_zoom(viz_view *v, double factor, int32_t x) {
    if (x < v->r_lanes.x || x > v->r_lanes.x + v->r_lanes.w) x = v->r_lanes.x + v->r_lanes.w / 2;
    double t = viz_view_x_to_ns(v, x);
    double span = (v->v1_ns - v->v0_ns) * factor;
    if (span < 10) span = 10;          /* 10 ns across the screen is close enough */
    if (span > 1e15) span = 1e15;
    double frac = (double)(x - v->r_lanes.x) / (v->r_lanes.w > 0 ? v->r_lanes.w : 1);
    v->v0_ns = t - span * frac;
    v->v1_ns = v->v0_ns + span;
}

static void viz_view_clamp_scroll(viz_view *v) {
    int32_t max = v->lanes_total_px - v->r_lanes.h;
    if (v->scroll_px > max) v->scroll_px = max;
    if (v->scroll_px < 0) v->scroll_px = 0;
}

void viz_view_pan_px(viz_view *v, int32_t dx, int32_t dy) {
    double ns_per_px = (v->v1_ns - v->v0_ns) / (v->r_lanes.w > 0 ? v->r_lanes.w : 1);
    v->v0_ns -= dx * ns_per_px;
    v->v1_ns -= dx * ns_per_px;
    v->scroll_px -= dy;
    viz_view_clamp_scroll(v);
}

void viz_view_reveal(viz_view *v, int32_t lane, int64_t t_ns) {
    if (lane >= 0 && lane < v->lane_count) {
        int32_t y = v->lane_y[lane];
        if (y < v->scroll_px || y + v->lane_h[lane] > v->scroll_px + v->r_lanes.h)
            v->scroll_px = y - v->r_lanes.h / 3;
        viz_view_clamp_scroll(v);
    }
    if (t_ns >= 0 && (t_ns < v->v0_ns || t_ns > v->v1_ns)) {
        double span = v->v1_ns - v->v0_ns;
        v->v0_ns = (double)t_ns - span / 2;
        v->v1_ns = v->v0_ns + span;
    }
}

/* ---- [SECTION] top bar ------------------------------------------------------------------- */

static void viz_lay_top(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    const viz_model *m = ix->m;
    viz_rect r = v->r_top;
    int32_t pad = viz_pad(v);
    viz_fill(dl, r.x, r.y, r.w, r.h, 0x2b3442ffu);
    char buf[512], end[32];
    viz_fmt_ns_exact(m->t_end_ns, end, sizeof end);
    const char *outcome = viz_str(m, m->footer.outcome);
    snprintf(buf, sizeof buf, "gmpview  %s   seed %lld   GOMAXPROCS %lld   go %s   %lld events   %s   outcome: %s",
             viz_str(m, m->header.scenario), (long long)m->header.seed, (long long)m->header.procs,
             *viz_str(m, m->header.go) ? viz_str(m, m->header.go) : "?", (long long)m->ev_count, end,
             *outcome ? outcome : "?");
    char right[96];
    double speed_x = v->speed * 20.0 / (double)(m->t_end_ns > 0 ? m->t_end_ns : 1);
    snprintf(right, sizeof right, "%s %.3gx   ? help", v->playing ? "\xe2\x96\xb6 playing" : "\xe2\x80\x96 paused",
             speed_x);
    int32_t rw = viz_u8len(right) * v->cw;
    int32_t maxc = (r.w - rw - 4 * pad) / v->cw;
    viz_text_n(dl, v, r.x + 2 * pad, r.y + pad + 1, buf, maxc, 0xf4f6f8ffu);
    viz_text(dl, v, r.x + r.w - rw - 2 * pad, r.y + pad + 1, right, v->playing ? 0x9be28fffu : 0xd7dde5ffu);
    if (strcmp(outcome, "ok") != 0 && *outcome) {
        /* A failed run: the outcome in red, where the eye goes. */
        const char *tag = "outcome: ";
        const char *at = strstr(buf, tag);
        if (at != NULL && viz_u8len(buf) <= maxc) {
            char head[sizeof buf]; /* the text before the tag, counted in characters (µs is 2 bytes) */
            memcpy(head, buf, (size_t)(at - buf));
            head[at - buf] = 0;
            int32_t col = viz_u8len(head) + (int32_t)strlen(tag);
            viz_text(dl, v, r.x + 2 * pad + col * v->cw, r.y + pad + 1, outcome, 0xff8080ffu);
        }
    }
}

/* ---- [SECTION] ruler ---------------------------------------------------------------------- */

static double viz_tick_step(double ns_per_px, double min_px) {
    double raw = ns_per_px * min_px;
    double p = pow(10, floor(log10(raw > 1 ? raw : 1)));
    for (;;) {
        if (p >= raw) return p;
        if (2 * p >= raw) return 2 * p;
        if (5 * p >= raw) return 5 * p;
        p *= 10;
    }
}

static void viz_lay_ruler(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    (void)ix;
    viz_rect r = v->r_ruler;
    int32_t pad = viz_pad(v);
    viz_fill(dl, 0, r.y, r.x + r.w, r.h, C_RULER);
    viz_hitbox(dl, r.x, r.y, r.w, r.h, VIZ_HIT_RULER, -1, 0, 0, 0);
    double ns_per_px = (v->v1_ns - v->v0_ns) / (r.w > 0 ? r.w : 1);
    double step = viz_tick_step(ns_per_px, 6.0 * v->cw);
    /* Labels carry as many decimals as the step needs, so neighbours always differ; a
     * finer step means longer labels: widen the step until the widest one fits. */
    for (int k = 0; k < 8; k++) {
        char w0[32], w1[32];
        viz_fmt_ns_step(v->v0_ns, step, w0, sizeof w0);
        viz_fmt_ns_step(v->v1_ns, step, w1, sizeof w1);
        int32_t chars = viz_u8len(w0) > viz_u8len(w1) ? viz_u8len(w0) : viz_u8len(w1);
        double need = (chars + 2) * v->cw;
        if (step / ns_per_px >= need) break;
        step = viz_tick_step(ns_per_px, need);
    }
    double t = ceil(v->v0_ns / step) * step;
    viz_clip(dl, r);
    for (int guard = 0; t <= v->v1_ns && guard < 400; guard++, t += step) {
        int32_t x = viz_view_ns_to_x(v, t);
        viz_line(dl, x, r.y + r.h - viz_px(v, 8), x, r.y + r.h, C_TEXT_DIM);
        viz_line(dl, x, r.y + r.h, x, v->r_lanes.y + v->r_lanes.h, C_GRID); /* grid through the lanes */
        for (int k = 1; k < 5; k++) {
            int32_t xm = viz_view_ns_to_x(v, t + step * k / 5);
            viz_line(dl, xm, r.y + r.h - viz_px(v, 4), xm, r.y + r.h, C_TEXT_FAINT);
        }
        char lab[32];
        viz_fmt_ns_step(fabs(t) < step / 2 ? 0 : round(t / step) * step, step, lab, sizeof lab);
        viz_text(dl, v, x + viz_px(v, 3), r.y + pad, lab, C_TEXT_DIM);
    }
    viz_unclip(dl);
    viz_line(dl, 0, r.y + r.h - 1, r.x + r.w, r.y + r.h - 1, C_PANEL_EDGE);
    char span[32], lab[48];
    viz_fmt_ns_exact((int64_t)llround(v->v1_ns - v->v0_ns), span, sizeof span);
    snprintf(lab, sizeof lab, "view %s", span);
    viz_text_n(dl, v, pad * 2, r.y + pad, lab, r.x / v->cw - 1, C_TEXT_FAINT);
}

/* ---- [SECTION] lanes ------------------------------------------------------------------------ */

static void viz_lane_label(const viz_index *ix, int32_t lane, char *buf, size_t size) {
    const viz_lane *l = &ix->lanes[lane];
    if (l->kind == VIZ_LANE_P) snprintf(buf, size, "P%d", l->id);
    else if (l->kind == VIZ_LANE_M) snprintf(buf, size, l->sysmon ? "M%d sysmon" : "M%d", l->id);
    else viz_g_name(ix, l->id, buf, size);
}

/* The text inside a span, per lane kind and state. */
static void viz_span_text(const viz_index *ix, const viz_lane *l, const viz_span *s, char *buf, size_t size) {
    const viz_model *m = ix->m;
    buf[0] = 0;
    switch (s->state) {
    case VIZ_S_RUNNING:
        if (l->kind == VIZ_LANE_P) viz_g_name(ix, s->g, buf, size);
        else if (l->kind == VIZ_LANE_M) snprintf(buf, size, "G%d on P%d", s->g, s->p);
        else snprintf(buf, size, "running on P%d", s->p);
        break;
    case VIZ_S_RUNNABLE:
        if (s->label) snprintf(buf, size, "runnable (%s)", viz_str(m, s->label));
        else snprintf(buf, size, "runnable");
        break;
    case VIZ_S_WAITING: snprintf(buf, size, "%s", s->label ? viz_str(m, s->label) : "waiting"); break;
    case VIZ_S_SYSCALL: snprintf(buf, size, l->kind == VIZ_LANE_G ? "syscall" : "G%d syscall", s->g); break;
    case VIZ_S_SPINNING: snprintf(buf, size, "spinning"); break;
    case VIZ_S_SCHED: snprintf(buf, size, "schedule"); break;
    case VIZ_S_WAKING:
        if (s->p >= 0) snprintf(buf, size, "waking (for P%d)", s->p);
        else snprintf(buf, size, "waking");
        break;
    case VIZ_S_POLL: snprintf(buf, size, "netpoll"); break;
    default: break;
    }
}

static uint32_t viz_span_colour(const viz_lane *l, const viz_span *s) {
    (void)l;
    if (s->state == VIZ_S_RUNNING) return viz_g_colour(s->g);
    return viz_state_colour(s->state);
}

/* Vertical extent of a state inside its lane: running full, runnable and waiting a
 * bit inset, the M's and P's in-between states a thin strip at the bottom. */
static void viz_span_box(const viz_view *v, int state, int32_t ly, int32_t lh, int32_t *y, int32_t *h) {
    int32_t inset = viz_px(v, 2);
    *y = ly + inset;
    *h = lh - 2 * inset;
    if (state == VIZ_S_HELD || state == VIZ_S_SCHED) {
        int32_t th = viz_px(v, 5);
        *y = ly + lh - inset - th;
        *h = th;
    } else if (state == VIZ_S_RUNNABLE || state == VIZ_S_WAITING || state == VIZ_S_WAKING || state == VIZ_S_POLL) {
        *y = ly + inset + viz_px(v, 2);
        *h = lh - 2 * inset - viz_px(v, 4);
    }
    if (*h < 2) *h = 2;
}

static void viz_lay_span(const viz_index *ix, viz_view *v, viz_drawlist *dl, int32_t lane, int64_t si, int32_t x0,
                         int32_t x1, int32_t ly, int32_t lh) {
    const viz_lane *l = &ix->lanes[lane];
    const viz_span *s = &ix->spans[si];
    int32_t y, h;
    viz_span_box(v, s->state, ly, lh, &y, &h);
    int32_t w = x1 - x0 < 1 ? 1 : x1 - x0;
    uint32_t col = viz_span_colour(l, s);
    viz_draw *d = viz_fill(dl, x0, y, w, h, col);
    if (d == NULL) return;
    d->hit = VIZ_HIT_SPAN;
    d->lane = lane;
    d->a = si;
    if (s->state == VIZ_S_WAITING && w > 2) viz_outline(dl, x0, y, w, h, 0xcdb884ffu);
    int selected = v->sel_g > 0 && s->g == v->sel_g && l->kind != VIZ_LANE_G && s->state == VIZ_S_RUNNING;
    if (si == v->sel_span || selected) {
        viz_outline(dl, x0, y, w, h, C_SELECT);
        if (w > 4 && h > 4) viz_outline(dl, x0 + 1, y + 1, w - 2, h - 2, C_SELECT);
    }
    if (lh < v->ch || h < v->ch - 2 || w < 3 * v->cw) return;
    char buf[160];
    viz_span_text(ix, l, s, buf, sizeof buf);
    /* Labels stick to the visible part of a span that starts off-screen. */
    int32_t tx = x0 < v->r_lanes.x ? v->r_lanes.x : x0;
    int32_t tw = (x1 < v->r_lanes.x + v->r_lanes.w ? x1 : v->r_lanes.x + v->r_lanes.w) - tx;
    int32_t maxc = (tw - viz_px(v, 6)) / v->cw;
    viz_text_n(dl, v, tx + viz_px(v, 3), y + (h - v->ch) / 2, buf, maxc, viz_text_on(col));
}

static void viz_lay_lane_spans(const viz_index *ix, viz_view *v, viz_drawlist *dl, int32_t lane, int32_t ly,
                               int32_t lh) {
    const viz_lane *l = &ix->lanes[lane];
    int64_t end = l->span_off + l->span_count;
    double ns_per_px = (v->v1_ns - v->v0_ns) / (v->r_lanes.w > 0 ? v->r_lanes.w : 1);
    int64_t s = viz_span_first_after(ix, lane, (int64_t)floor(v->v0_ns));
    int32_t xmax = v->r_lanes.x + v->r_lanes.w;
    for (int guard = 0; s < end && guard < 1000000; guard++) {
        const viz_span *sp = &ix->spans[s];
        if ((double)sp->t0_ns > v->v1_ns) break;
        int32_t x0 = viz_view_ns_to_x(v, (double)sp->t0_ns), x1 = viz_view_ns_to_x(v, (double)sp->t1_ns);
        if (x1 - x0 >= VIZ_FOLD_PX) {
            viz_lay_span(ix, v, dl, lane, s, x0, x1, ly, lh);
            s++;
            continue;
        }
        /* Fold: this span and every following one that is tiny and within reach. */
        int32_t fx0 = x0, fx1 = x1;
        int64_t first = s, t0 = sp->t0_ns, t1 = sp->t1_ns;
        for (int steps = 0; steps < 100000; steps++) {
            double t_lim = v->v0_ns + (double)(fx1 + VIZ_FOLD_PX - v->r_lanes.x) * ns_per_px;
            int64_t s2 = viz_span_first_after(ix, lane, (int64_t)floor(t_lim));
            if (s2 <= s) s2 = s + 1;
            t1 = ix->spans[s2 - 1].t1_ns;
            s = s2;
            if (s >= end) break;
            const viz_span *nx = &ix->spans[s];
            if ((double)nx->t0_ns > v->v1_ns) break; /* past the right edge: the fold ends there */
            int32_t nx0 = viz_view_ns_to_x(v, (double)nx->t0_ns), nx1 = viz_view_ns_to_x(v, (double)nx->t1_ns);
            if (nx1 - nx0 >= VIZ_FOLD_PX || nx0 > fx1 + VIZ_FOLD_PX) break;
            fx1 = nx1;
        }
        fx1 = viz_view_ns_to_x(v, (double)t1);
        if (fx1 > xmax + VIZ_FOLD_PX) fx1 = xmax + VIZ_FOLD_PX;
        int64_t n = s - first;
        if (n == 1) { /* a lone tiny span keeps its own colour and hit */
            viz_lay_span(ix, v, dl, lane, first, fx0, fx0 + 1 > fx1 ? fx0 + 1 : fx1, ly, lh);
            continue;
        }
        int32_t w = fx1 - fx0 < VIZ_FOLD_PX ? VIZ_FOLD_PX : fx1 - fx0;
        int32_t inset = viz_px(v, 3);
        viz_draw *d = viz_fill(dl, fx0, ly + inset, w, lh - 2 * inset, C_FOLD);
        if (d != NULL) {
            d->hit = VIZ_HIT_FOLD;
            d->lane = lane;
            d->a = t0;
            d->b = t1;
            d->c = n > INT32_MAX ? INT32_MAX : (int32_t)n;
        }
        /* Tracy draws folds as a zigzag; stripes say the same: "more here, zoom in". */
        for (int32_t x = fx0 + 2; x < fx0 + w - 1 && x < xmax; x += 4)
            viz_line(dl, x, ly + inset + 1, x, ly + lh - inset - 2, 0x7f8a99ffu);
    }
}

/* A colour key after a group's title: "[] runnable [] waiting ..." */
static void viz_lay_legend(viz_view *v, viz_drawlist *dl, int kind, int32_t x, int32_t y, int32_t xmax) {
    static const struct {
        int kind, state;
        const char *word;
    } keys[] = {
        {VIZ_LANE_P, VIZ_S_RUNNING, "running G (its colour)"}, {VIZ_LANE_P, VIZ_S_HELD, "held, no G"},
        {VIZ_LANE_M, VIZ_S_RUNNING, "running G"},              {VIZ_LANE_M, VIZ_S_SPINNING, "spinning"},
        {VIZ_LANE_M, VIZ_S_SCHED, "in schedule()"},            {VIZ_LANE_M, VIZ_S_SYSCALL, "syscall"},
        {VIZ_LANE_M, VIZ_S_POLL, "netpoll"},                   {VIZ_LANE_M, VIZ_S_WAKING, "waking"},
        {VIZ_LANE_G, VIZ_S_RUNNING, "running"},                {VIZ_LANE_G, VIZ_S_RUNNABLE, "runnable"},
        {VIZ_LANE_G, VIZ_S_WAITING, "waiting"},                {VIZ_LANE_G, VIZ_S_SYSCALL, "syscall"},
    };
    int32_t box = v->ch * 2 / 3, pad = viz_pad(v);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (keys[k].kind != kind) continue;
        int32_t w = box + pad + viz_u8len(keys[k].word) * v->cw + 3 * pad;
        if (x + w > xmax) return;
        uint32_t col = keys[k].state == VIZ_S_RUNNING ? viz_palette[0] : viz_state_colour(keys[k].state);
        int32_t by = y + (viz_group_h(v) - box) / 2;
        if (keys[k].state == VIZ_S_RUNNING && kind == VIZ_LANE_P) { /* "its colour": a few hues */
            for (int c = 0; c < 3; c++) viz_fill(dl, x + c * box / 3, by, box / 3 + 1, box, viz_palette[c]);
        } else {
            viz_fill(dl, x, by, box, box, col);
        }
        viz_outline(dl, x, by, box, box, 0x8a94a3ffu);
        viz_text(dl, v, x + box + pad, y + pad, keys[k].word, C_TEXT_DIM);
        x += w;
    }
}

static void viz_lay_group_header(const viz_index *ix, viz_view *v, viz_drawlist *dl, int kind, int32_t y) {
    static const char *const names[3] = {"Procs (P)", "Threads (M)", "Goroutines (G)"};
    int32_t n = kind == VIZ_LANE_P ? ix->m->p_count : kind == VIZ_LANE_M ? ix->m->m_count : ix->g_count;
    int32_t h = viz_group_h(v), pad = viz_pad(v);
    int32_t w = v->r_labels.w + v->r_lanes.w;
    viz_fill(dl, 0, y, w, h, C_HEADER);
    viz_line(dl, 0, y + h - 1, w, y + h - 1, C_PANEL_EDGE);
    char buf[96];
    snprintf(buf, sizeof buf, "%s %s  %d", v->group_collapsed[kind] ? "\xe2\x96\xb8" : "\xe2\x96\xbe", names[kind],
             n);
    int32_t tw = viz_text_n(dl, v, pad * 2, y + pad, buf, w / v->cw - 2, C_TEXT);
    viz_lay_legend(v, dl, kind, v->r_lanes.x > pad * 4 + tw ? v->r_lanes.x : pad * 4 + tw, y, w - pad);
    viz_hitbox(dl, 0, y, w, h, VIZ_HIT_GROUP, -1, kind, 0, 0);
}

static void viz_lay_lane(const viz_index *ix, viz_view *v, viz_drawlist *dl, int32_t lane, int32_t y) {
    const viz_lane *l = &ix->lanes[lane];
    int32_t h = v->lane_h[lane], pad = viz_pad(v);
    int32_t lw = v->r_labels.w;
    int selected = l->kind == VIZ_LANE_G && l->id == v->sel_g;
    if (lane % 2 == 1 || selected) viz_fill(dl, lw, y, v->r_lanes.w, h, selected ? 0xfff8d6ffu : C_STRIPE);
    viz_clip(dl, v->r_lanes);
    viz_lay_lane_spans(ix, v, dl, lane, y, h);
    viz_unclip(dl);
    /* Label column (drawn after the spans: never under them). */
    viz_fill(dl, 0, y, lw, h, selected ? C_HILITE : lane % 2 ? 0xeceff3ffu : C_PANEL);
    if (l->kind == VIZ_LANE_G) viz_fill(dl, 0, y + 1, viz_px(v, 5), h - 2, viz_g_colour(l->id));
    if (h >= v->ch) {
        char buf[128];
        viz_lane_label(ix, lane, buf, sizeof buf);
        viz_text_n(dl, v, pad * 3, y + (h - v->ch) / 2, buf, (lw - pad * 4) / v->cw, C_TEXT);
    }
    viz_hitbox(dl, 0, y, lw, h, VIZ_HIT_LANE, lane, l->id, 0, 0);
}

static void viz_lay_lanes(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    viz_rect area = {0, v->r_lanes.y, v->r_labels.w + v->r_lanes.w, v->r_lanes.h};
    viz_clip(dl, area);
    viz_hitbox(dl, v->r_lanes.x, v->r_lanes.y, v->r_lanes.w, v->r_lanes.h, VIZ_HIT_TIMELINE, -1, 0, 0, 0);
    int32_t top = v->scroll_px, bottom = v->scroll_px + v->r_lanes.h;
    /* The first lane that reaches into view, by binary search over the offsets. */
    int32_t lo = 0, hi = ix->lane_count;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (v->lane_y[mid] + v->lane_h[mid] <= top) lo = mid + 1;
        else hi = mid;
    }
    for (int32_t l = lo; l < ix->lane_count && v->lane_y[l] < bottom; l++) {
        if (v->lane_h[l] == 0) continue;
        viz_lay_lane(ix, v, dl, l, v->r_lanes.y + v->lane_y[l] - top);
    }
    for (int k = 0; k < 3; k++) {
        int32_t gy = v->group_y[k];
        if (gy + viz_group_h(v) > top && gy < bottom) viz_lay_group_header(ix, v, dl, k, v->r_lanes.y + gy - top);
    }
    viz_unclip(dl);
}

/* ---- [SECTION] arrows ------------------------------------------------------------------------- */

static int32_t viz_lane_mid_y(const viz_view *v, int32_t lane) {
    return v->r_lanes.y + v->lane_y[lane] - v->scroll_px + v->lane_h[lane] / 2;
}

static void viz_lay_arrows(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    int64_t lo = 0, hi = ix->arrow_count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((double)ix->arrows[mid].t_ns < v->v0_ns) lo = mid + 1;
        else hi = mid;
    }
    int64_t first = lo;
    hi = ix->arrow_count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((double)ix->arrows[mid].t_ns <= v->v1_ns) lo = mid + 1;
        else hi = mid;
    }
    int64_t n = lo - first;
    v->arrows_hidden = n > VIZ_ARROWS_MAX ? n : 0;
    if (n > VIZ_ARROWS_MAX || v->group_collapsed[VIZ_LANE_G]) return;
    viz_clip(dl, v->r_lanes);
    int32_t head = viz_px(v, 5);
    for (int64_t k = first; k < first + n; k++) {
        const viz_arrow *a = &ix->arrows[k];
        int32_t lf = viz_index_glane(ix, a->from_g), lt = viz_index_glane(ix, a->to_g);
        if (lf < 0 || lt < 0 || v->lane_h[lf] == 0 || v->lane_h[lt] == 0) continue;
        /* With a goroutine selected, its arrows stand out and the others fade; argument
         * copies (which follow the creation arrow) are drawn for the selected one only. */
        int involved = v->sel_g > 0 && (a->from_g == v->sel_g || a->to_g == v->sel_g);
        if (a->kind == VIZ_ARROW_ARGCOPY && !involved) continue;
        int32_t x = viz_view_ns_to_x(v, (double)a->t_ns);
        int32_t y0 = viz_lane_mid_y(v, lf), y1 = viz_lane_mid_y(v, lt);
        /* Copies lean right a little so that they do not hide the creation arrow. */
        int32_t dx = a->kind == VIZ_ARROW_ARGCOPY || a->kind == VIZ_ARROW_VALUECOPY ? viz_px(v, 5) : 0;
        uint32_t col = viz_arrow_colour(a->kind);
        if (v->sel_g > 0 && !involved) col = (col & 0xffffff00u) | 0x38u;
        viz_line(dl, x, y0, x + dx, y1, col);
        if (involved) viz_line(dl, x + 1, y0, x + dx + 1, y1, col);
        int32_t dir = y1 > y0 ? -1 : 1;
        viz_line(dl, x + dx, y1, x + dx - head, y1 + dir * head * 2, col);
        viz_line(dl, x + dx, y1, x + dx + head, y1 + dir * head * 2, col);
        viz_fill(dl, x - 2, y0 - 2, 5, 5, col);
    }
    viz_unclip(dl);
}

/* ---- [SECTION] playhead ----------------------------------------------------------------------- */

static void viz_lay_playhead(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    if (v->cur < 0 || v->cur >= ix->m->ev_count) return;
    int64_t t = ix->m->ev[v->cur].t_ns;
    int32_t x = viz_view_ns_to_x(v, (double)t);
    if (x < v->r_lanes.x || x > v->r_lanes.x + v->r_lanes.w) return;
    viz_line(dl, x, v->r_ruler.y, x, v->r_lanes.y + v->r_lanes.h, C_PLAYHEAD);
    viz_line(dl, x + 1, v->r_ruler.y, x + 1, v->r_lanes.y + v->r_lanes.h, C_PLAYHEAD);
    int32_t tri = viz_px(v, 6);
    for (int32_t k = 0; k < tri; k++) viz_line(dl, x - tri + k + 1, v->r_ruler.y + k, x + tri - k, v->r_ruler.y + k,
                                               C_PLAYHEAD);
    /* On the G lane the event is about: a dot, so the eye finds it. */
    const viz_event *e = &ix->m->ev[v->cur];
    int32_t lane = viz_index_glane(ix, e->g);
    if (lane >= 0 && v->lane_h[lane] > 0) {
        int32_t y = viz_lane_mid_y(v, lane);
        if (y > v->r_lanes.y && y < v->r_lanes.y + v->r_lanes.h) {
            viz_fill(dl, x - viz_px(v, 4), y - viz_px(v, 4), viz_px(v, 9), viz_px(v, 9), C_PLAYHEAD);
            viz_outline(dl, x - viz_px(v, 4), y - viz_px(v, 4), viz_px(v, 9), viz_px(v, 9), 0xffffffffu);
        }
    }
}

/* ---- [SECTION] run queues ---------------------------------------------------------------------- */

/* A goroutine as a small coloured box "G7"; returns the next x. */
static int32_t viz_gbox(const viz_view *v, viz_drawlist *dl, int32_t x, int32_t y, int32_t h, int64_t goid,
                        const char *extra, int32_t xmax) {
    char buf[96];
    if (extra && *extra) snprintf(buf, sizeof buf, "G%lld %s", (long long)goid, extra);
    else snprintf(buf, sizeof buf, "G%lld", (long long)goid);
    int32_t pad = viz_pad(v);
    int32_t w = viz_u8len(buf) * v->cw + 2 * pad;
    if (x + w > xmax) {
        w = xmax - x;
        if (w < 3 * v->cw) return x;
    }
    uint32_t col = viz_g_colour(goid);
    viz_draw *d = viz_fill(dl, x, y, w, h, col);
    if (d != NULL) {
        d->hit = VIZ_HIT_G;
        d->a = goid;
    }
    if (goid == v->sel_g) {
        viz_outline(dl, x - 1, y - 1, w + 2, h + 2, C_SELECT);
        viz_outline(dl, x - 2, y - 2, w + 4, h + 4, C_SELECT);
    }
    viz_text_n(dl, v, x + pad, y + (h - v->ch) / 2, buf, (w - 2 * pad) / v->cw, viz_text_on(col));
    return x + w + viz_px(v, 3);
}

static int32_t viz_queue_row(const viz_view *v, viz_drawlist *dl, int32_t x, int32_t y, int32_t h,
                             const viz_deque *q, int32_t xmax) {
    int32_t gap = viz_px(v, 3);
    for (int64_t k = 0; k < q->len; k++) {
        int32_t left = (int32_t)(q->len - k);
        char more[32];
        snprintf(more, sizeof more, "+%d more", left);
        int32_t reserve = (viz_u8len(more) + 1) * v->cw;
        int32_t bw = (int32_t)(3 + (q->v[q->head + k] >= 10) + (q->v[q->head + k] >= 100)) * v->cw;
        if (x + bw + (k + 1 < q->len ? reserve : 0) > xmax) {
            viz_text(dl, v, x + gap, y + (h - v->ch) / 2, more, C_TEXT_DIM);
            return x;
        }
        x = viz_gbox(v, dl, x, y, h, q->v[q->head + k], NULL, xmax);
    }
    return x;
}

static void viz_lay_queues(const viz_index *ix, viz_view *v, viz_rq *rq, viz_drawlist *dl) {
    const viz_model *m = ix->m;
    viz_rect r = v->r_queues;
    int32_t pad = viz_pad(v);
    viz_fill(dl, r.x, r.y, r.w, r.h, C_PANEL);
    viz_hitbox(dl, r.x, r.y, r.w, r.h, VIZ_HIT_PANEL, -1, 0, 0, 0);
    viz_line(dl, r.x, r.y, r.x + r.w, r.y, C_PANEL_EDGE);
    char buf[160];
    int32_t row_h = v->ch + 2 * pad + 2, y = r.y + viz_group_h(v);
    int32_t col_run = r.x + 2 * pad + 12 * v->cw;
    int32_t col_next = col_run + 22 * v->cw;
    int32_t col_local = col_next + 10 * v->cw;
    /* Column captions, and on the right which instant this is. */
    viz_fill(dl, r.x, r.y + 1, r.w, viz_group_h(v) - 1, C_HEADER);
    viz_text(dl, v, r.x + 2 * pad, r.y + pad, "Run queues", C_TEXT);
    viz_text(dl, v, col_run, r.y + pad, "running", C_TEXT_DIM);
    viz_text(dl, v, col_next, r.y + pad, "runnext", C_TEXT_DIM);
    int32_t used = viz_text(dl, v, col_local, r.y + pad, "local run queue, head first \xe2\x86\x92", C_TEXT_DIM);
    if (v->cur >= 0) {
        char t[32];
        viz_fmt_ns_exact(m->ev[v->cur].t_ns, t, sizeof t);
        snprintf(buf, sizeof buf, "after event #%lld, t = %s", (long long)v->cur, t);
    } else {
        snprintf(buf, sizeof buf, "before the first event");
    }
    int32_t bw = viz_u8len(buf) * v->cw;
    if (col_local + used + 2 * v->cw + bw < r.x + r.w) viz_text(dl, v, r.x + r.w - bw - 2 * pad, r.y + pad, buf, C_TEXT);
    if (viz_rq_at(ix, v->cur + 1, rq) != 0) return;
    int32_t xmax = r.x + r.w - 2 * pad;
    int32_t box_h = row_h - 2 * pad + 2;
    int32_t rows_fit = (r.y + r.h - y) / row_h;
    /* Every P and the global queue, or as many Ps as fit, a "more" line and the global queue. */
    int32_t max_ps = rq->p_count + 1 <= rows_fit ? rq->p_count : rows_fit - 2;
    int32_t shown = 0;
    for (int32_t p = 0; p < rq->p_count; p++) {
        if (shown >= max_ps) {
            snprintf(buf, sizeof buf, "\xe2\x80\xa6 %d more Ps (make the window taller)", rq->p_count - p);
            viz_text(dl, v, r.x + 2 * pad, y + pad, buf, C_TEXT_DIM);
            y += row_h;
            break;
        }
        if (p % 2 == 0) viz_fill(dl, r.x, y, r.w, row_h, 0xe9ecf1ffu);
        if (rq->pm[p] >= 0) snprintf(buf, sizeof buf, "P%d M%d", p, rq->pm[p]);
        else snprintf(buf, sizeof buf, "P%d idle", p);
        viz_text(dl, v, r.x + 2 * pad, y + pad + 1, buf, rq->pm[p] >= 0 ? C_TEXT : C_TEXT_FAINT);
        int32_t by = y + pad - 1;
        if (rq->curg[p] >= 0) {
            char fn[96] = "";
            int32_t gl = viz_index_glane(ix, rq->curg[p]);
            if (gl >= 0 && ix->lanes[gl].fn) snprintf(fn, sizeof fn, "%s", viz_str(m, ix->lanes[gl].fn));
            viz_gbox(v, dl, col_run, by, box_h, rq->curg[p], fn, col_next - 2 * v->cw);
        } else {
            viz_text(dl, v, col_run, y + pad + 1, "-", C_TEXT_FAINT);
        }
        if (rq->runnext[p] >= 0) viz_gbox(v, dl, col_next, by, box_h, rq->runnext[p], NULL, col_local - v->cw);
        else viz_text(dl, v, col_next, y + pad + 1, "-", C_TEXT_FAINT);
        if (rq->local[p].len == 0) viz_text(dl, v, col_local, y + pad + 1, "empty", C_TEXT_FAINT);
        else viz_queue_row(v, dl, col_local, by, box_h, &rq->local[p], xmax);
        y += row_h;
        shown++;
    }
    snprintf(buf, sizeof buf, "global %lld", (long long)rq->global.len);
    viz_text(dl, v, r.x + 2 * pad, y + pad + 1, buf, C_TEXT);
    if (rq->global.len == 0) viz_text(dl, v, col_run, y + pad + 1, "empty", C_TEXT_FAINT);
    else viz_queue_row(v, dl, col_run, y + pad - 1, box_h, &rq->global, xmax);
}

/* ---- [SECTION] the selected goroutine ----------------------------------------------------------- */

typedef struct viz_pen {      /* a cursor for lines of text in a panel */
    viz_view *v;
    viz_drawlist *dl;
    int32_t x, y, w, bottom;
    int32_t top;              /* lines above this (scrolled away) take their room, undrawn */
} viz_pen;

/* One line of text, highlighted if asked; a line too long for the panel wraps at spaces
 * (continuations indented two more), the highlight covering every piece. */
static int viz_pen_line(viz_pen *pen, int32_t indent, const char *s, uint32_t rgba, uint32_t hilite) {
    viz_view *v = pen->v;
    int32_t lh = v->ch + viz_px(v, 2);
    int32_t y0 = pen->y;
    char piece[512];
    for (int guard = 0; guard < 16; guard++) {
        if (pen->y + v->ch > pen->bottom) return -1;
        int32_t width = pen->w / v->cw - indent;
        int32_t n = viz_u8len(s);
        size_t bytes = strlen(s);
        if (n > width && width > 8) {
            size_t max = viz_u8prefix(s, width), cut = max;
            while (cut > 0 && s[cut] != ' ') cut--;
            bytes = cut > max / 3 ? cut : max;
        }
        if (bytes >= sizeof piece) bytes = sizeof piece - 1;
        memcpy(piece, s, bytes);
        piece[bytes] = 0;
        if (pen->y >= pen->top) {
            if (hilite) viz_fill(pen->dl, pen->x - viz_px(v, 2), pen->y - 1, pen->w + viz_px(v, 4), lh, hilite);
            viz_text_n(pen->dl, v, pen->x + indent * v->cw, pen->y, piece, width, rgba);
        }
        pen->y += lh;
        s += bytes;
        while (*s == ' ') s++;
        if (*s == 0) break;
        if (guard == 0) indent += 2;
    }
    if (hilite && y0 >= pen->top)
        viz_outline(pen->dl, pen->x - viz_px(v, 2), y0 - 1, pen->w + viz_px(v, 4), pen->y - y0, C_HILITE_EDGE);
    return 0;
}

/* A long line wrapped at spaces (continuations indented). */
static void viz_pen_wrap(viz_pen *pen, int32_t indent, const char *s, uint32_t rgba) {
    viz_pen_line(pen, indent, s, rgba, 0);
}

static void viz_pen_gap(viz_pen *pen) {
    pen->y += pen->v->ch / 2;
}

static const char *viz_state_word(int state) {
    switch (state) {
    case VIZ_S_RUNNABLE: return "runnable";
    case VIZ_S_RUNNING: return "running";
    case VIZ_S_WAITING: return "waiting";
    case VIZ_S_SYSCALL: return "in syscall";
    default: return "not alive";
    }
}

/* "waiting: chan receive", "running on P1", "dead (exited at #57)", ... just after event
 * cur, from the goroutine's own events (exact when several share one instant). */
static void viz_g_state_text(const viz_index *ix, int64_t goid, int64_t cur, char *buf, size_t size) {
    const viz_model *m = ix->m;
    viz_gnow now;
    int st = viz_g_state_at(ix, goid, cur, &now);
    int32_t gl = viz_index_glane(ix, goid);
    if (st == VIZ_G_UNBORN) {
        snprintf(buf, size, "not created yet");
    } else if (st == VIZ_G_DEAD) {
        snprintf(buf, size, "dead (exited at #%lld)", (long long)now.ev);
    } else {
        int k = 0;
        if (now.state == VIZ_S_WAITING) k = snprintf(buf, size, "waiting: %s", now.label ? viz_str(m, now.label) : "?");
        else if (now.state == VIZ_S_RUNNING) k = snprintf(buf, size, "running on P%d", now.p);
        else if (now.state == VIZ_S_RUNNABLE && now.label)
            k = snprintf(buf, size, "runnable (%s)", viz_str(m, now.label));
        else k = snprintf(buf, size, "%s", viz_state_word(now.state));
        if (gl >= 0 && ix->lanes[gl].leak_ev >= 0 && cur >= ix->lanes[gl].leak_ev && k >= 0 && (size_t)k < size)
            snprintf(buf + k, size - (size_t)k, " (leaked: GoLeak #%lld)", (long long)ix->lanes[gl].leak_ev);
    }
}

/* The 8-byte words of a copy, each with its decoded int64 (hex when it looks like a pointer). */
static void viz_pen_bytes(viz_pen *pen, const viz_model *m, const viz_copy *c, uint32_t hilite) {
    char line[160];
    for (uint32_t off = 0; off < c->size && off < 8 * 16; off += 8) {
        uint32_t n = c->size - off < 8 ? c->size - off : 8;
        const uint8_t *b = m->bytes + c->bytes_off + off;
        int k = snprintf(line, sizeof line, "+%-3u", off);
        for (uint32_t i = 0; i < 8; i++)
            k += snprintf(line + k, sizeof line - (size_t)k, i < n ? " %02x" : "   ", i < n ? b[i] : 0);
        int64_t val = viz_decode_i64(b, n);
        if ((uint64_t)val >= 0xc000000000ull && (uint64_t)val < 0xd000000000ull)
            snprintf(line + k, sizeof line - (size_t)k, "  = 0x%llx", (unsigned long long)val);
        else
            snprintf(line + k, sizeof line - (size_t)k, "  = %lld", (long long)val);
        if (viz_pen_line(pen, 4, line, C_TEXT, hilite) != 0) return;
    }
}

/* One frame: "#0 main.worker(0x3, 0x1e, ...)" then its file:line and argument area. */
static void viz_pen_frame(viz_pen *pen, const viz_model *m, int32_t depth_from_top, int32_t row, uint32_t hilite) {
    const viz_frame *f = &m->frames[row];
    char line[256];
    int k = snprintf(line, sizeof line, "#%d %s(", depth_from_top, viz_str(m, f->fn));
    for (uint32_t w = 0; w < f->word_count && k < (int)sizeof line - 24; w++)
        k += snprintf(line + k, sizeof line - (size_t)k, "%s0x%llx", w ? ", " : "",
                      (unsigned long long)m->words[f->word_off + w]);
    snprintf(line + k, sizeof line - (size_t)k, ")");
    viz_pen_line(pen, 1, line, C_TEXT, 0);
    if (f->args_size > 0)
        snprintf(line, sizeof line, "args @0x%llx, %u B   %s:%d", (unsigned long long)f->args_addr, f->args_size,
                 viz_str(m, f->file), f->line);
    else
        snprintf(line, sizeof line, "no args   %s:%d", viz_str(m, f->file), f->line);
    viz_pen_line(pen, 4, line, C_TEXT_DIM, hilite);
}

/* The parent's stack now, with the slot the copy read highlighted. */
static void viz_pen_parent(viz_pen *pen, const viz_index *ix, const viz_view *v, const viz_copy *src) {
    const viz_model *m = ix->m;
    char line[256], name[128];
    viz_g_name(ix, src->src_g, name, sizeof name);
    char now[160];
    viz_g_state_text(ix, src->src_g, v->cur, now, sizeof now);
    snprintf(line, sizeof line, "Parent %s, now %s:", name, now);
    viz_pen_line(pen, 0, line, C_TEXT, 0);
    int32_t rows[64];
    int32_t depth = viz_stack_at(ix, src->src_g, v->cur, rows, 64);
    int shown_slot = 0;
    for (int32_t d = 0; d < depth; d++) {
        viz_pen_frame(pen, m, d, rows[d], 0);
        if (!shown_slot && m->frames[rows[d]].fn == src->src_frame) {
            snprintf(line, sizeof line, "%s @0x%llx, %u B   (the source of the copy)",
                     src->src_var ? viz_str(m, src->src_var) : "slot", (unsigned long long)src->src_addr, src->size);
            viz_pen_line(pen, 4, line, C_TEXT, C_HILITE);
            shown_slot = 1;
        }
    }
    if (!shown_slot) {
        snprintf(line, sizeof line, "(no %s frame on its stack now: the slot %s @0x%llx is gone)",
                 viz_str(m, src->src_frame), src->src_var ? viz_str(m, src->src_var) : "",
                 (unsigned long long)src->src_addr);
        viz_pen_line(pen, 1, line, C_TEXT_DIM, 0);
    }
}

static void viz_pen_copies(viz_pen *pen, const viz_index *ix, viz_view *v, int64_t copy_ev, int64_t feeder_ev) {
    const viz_model *m = ix->m;
    const viz_copy *c = &m->copies[m->ev[copy_ev].aux];
    const viz_copy *src = feeder_ev >= 0 ? &m->copies[m->ev[feeder_ev].aux] : c;
    char line[256];
    viz_pen_gap(pen);
    viz_pen_line(pen, 0, "Where the arguments came from:", C_TEXT, 0);
    snprintf(line, sizeof line, "#%lld G%d %s.%s @0x%llx \xe2\x86\x92 %s @0x%llx", (long long)(feeder_ev >= 0 ? feeder_ev : copy_ev),
             src->src_g, viz_str(m, src->src_frame), src->src_var ? viz_str(m, src->src_var) : "args",
             (unsigned long long)src->src_addr, viz_str(m, src->dst_kind), (unsigned long long)src->dst_addr);
    viz_pen_line(pen, 1, line, 0xc2187dffu, 0);
    if (feeder_ev >= 0) {
        snprintf(line, sizeof line, "#%lld closure @0x%llx \xe2\x86\x92 G%d stack @0x%llx (%u B)", (long long)copy_ev,
                 (unsigned long long)c->src_addr, c->dst_g, (unsigned long long)c->dst_addr, c->size);
        viz_pen_line(pen, 1, line, 0xc2187dffu, 0);
    }
    snprintf(line, sizeof line, "why: %s", viz_str(m, m->ev[feeder_ev >= 0 ? feeder_ev : copy_ev].why));
    viz_pen_wrap(pen, 1, line, C_WHY);
    viz_pen_line(pen, 1, "bytes (little-endian words, decoded as int64):", C_TEXT_DIM, 0);
    viz_pen_bytes(pen, m, c, 0);
    viz_pen_gap(pen);
    if (src->src_g > 0 && src->src_g != c->dst_g) viz_pen_parent(pen, ix, v, src);
}

static void viz_lay_side(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    const viz_model *m = ix->m;
    viz_rect r = v->r_side;
    int32_t pad = viz_pad(v);
    viz_fill(dl, r.x, r.y, r.w, r.h, C_PANEL);
    viz_hitbox(dl, r.x, r.y, r.w, r.h, VIZ_HIT_PANEL, -1, 0, 0, 0);
    viz_line(dl, r.x, r.y, r.x, r.y + r.h, C_PANEL_EDGE);
    viz_pen pen = {v, dl, r.x + 3 * pad, r.y + 2 * pad, r.w - 6 * pad, r.y + r.h - pad, r.y};
    char line[256], name[128];
    int32_t gl = viz_index_glane(ix, v->sel_g);
    if (gl < 0) {
        viz_pen_line(&pen, 0, "No goroutine selected.", C_TEXT, 0);
        viz_pen_gap(&pen);
        viz_pen_line(&pen, 0, "Click a span or a queue box,", C_TEXT_DIM, 0);
        viz_pen_line(&pen, 0, "or press / to find one by id or", C_TEXT_DIM, 0);
        viz_pen_line(&pen, 0, "function, to see its stack and", C_TEXT_DIM, 0);
        viz_pen_line(&pen, 0, "where its arguments came from.", C_TEXT_DIM, 0);
        return;
    }
    const viz_lane *l = &ix->lanes[gl];
    viz_g_name(ix, l->id, name, sizeof name);
    viz_fill(dl, r.x + 1, r.y, r.w - 1, v->ch + 3 * pad, viz_g_colour(l->id));
    viz_text_n(dl, v, pen.x, r.y + pad + pad / 2, name, pen.w / v->cw, viz_text_on(viz_g_colour(l->id)));
    /* Below the name bar the panel scrolls (mouse wheel over it). */
    pen.top = r.y + v->ch + 4 * pad;
    if (v->side_scroll_px < 0) v->side_scroll_px = 0;
    pen.y = r.y + v->ch + 5 * pad - v->side_scroll_px;
    viz_g_state_text(ix, l->id, v->cur, line, sizeof line);
    viz_pen_line(&pen, 0, line, C_TEXT, 0);
    if (l->create_ev >= 0) {
        const viz_create *c = &m->creates[m->ev[l->create_ev].aux];
        char parent[128];
        viz_g_name(ix, l->parent, parent, sizeof parent);
        if (l->parent > 0)
            snprintf(line, sizeof line, "created by %s at %s:%d (event #%lld)", parent, viz_str(m, c->file), c->line,
                     (long long)l->create_ev);
        else
            snprintf(line, sizeof line, "created at start-up (event #%lld)", (long long)l->create_ev);
        viz_pen_line(&pen, 0, line, C_TEXT_DIM, 0);
        snprintf(line, sizeof line, "stack [0x%llx, 0x%llx)", (unsigned long long)c->stack_lo,
                 (unsigned long long)c->stack_hi);
        viz_pen_line(&pen, 0, line, C_TEXT_DIM, 0);
    }
    viz_pen_gap(&pen);
    int32_t rows[64];
    int32_t depth = viz_stack_at(ix, l->id, v->cur, rows, 64);
    snprintf(line, sizeof line, "Stack at event #%lld (innermost first):", (long long)v->cur);
    viz_pen_line(&pen, 0, line, C_TEXT, 0);
    if (depth == 0) viz_pen_line(&pen, 1, "(no frames)", C_TEXT_DIM, 0);
    int64_t copy_ev = -1, feeder_ev = -1;
    for (int32_t d = 0; d < depth; d++) {
        int64_t f = -1, ce = viz_args_copy(ix, l->id, rows[d], v->cur, &f);
        if (ce >= 0 && copy_ev < 0) {
            copy_ev = ce;
            feeder_ev = f;
        }
        viz_pen_frame(&pen, m, d, rows[d], ce >= 0 && ce == copy_ev ? C_HILITE : 0);
    }
    if (copy_ev >= 0) viz_pen_copies(&pen, ix, v, copy_ev, feeder_ev);
    if (pen.y + v->ch > pen.bottom || v->side_scroll_px > 0) { /* there is more: say how to see it */
        const char *more = v->side_scroll_px > 0 ? "wheel: scroll \xe2\x86\x91\xe2\x86\x93" : "more below: wheel \xe2\x86\x93";
        int32_t w = viz_u8len(more) * v->cw + 2 * pad;
        viz_fill(dl, r.x + r.w - w - pad, r.y + r.h - v->ch - 2 * pad, w, v->ch + pad, 0xe3e7edffu);
        viz_text(dl, v, r.x + r.w - w, r.y + r.h - v->ch - pad - pad / 2, more, C_TEXT_DIM);
    }
}

/* ---- [SECTION] event bar ------------------------------------------------------------------------ */

static void viz_lay_event(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    const viz_model *m = ix->m;
    viz_rect r = v->r_event;
    int32_t pad = viz_pad(v);
    viz_fill(dl, r.x, r.y, r.w, r.h, 0xffffffffu);
    viz_hitbox(dl, r.x, r.y, r.w, r.h, VIZ_HIT_PANEL, -1, 0, 0, 0);
    viz_line(dl, r.x, r.y, r.x + r.w, r.y, C_PANEL_EDGE);
    char line[600], desc[480], t[32];
    int32_t maxc = (r.w - 4 * pad) / v->cw;
    if (v->cur < 0) {
        snprintf(line, sizeof line, "Before the first event. \xe2\x86\x92 steps, space plays, ? lists every key.");
        viz_text_n(dl, v, r.x + 2 * pad, r.y + pad, line, maxc, C_TEXT);
    } else {
        const viz_event *e = &m->ev[v->cur];
        viz_fmt_ns_exact(e->t_ns, t, sizeof t);
        viz_event_describe(m, v->cur, desc, sizeof desc);
        snprintf(line, sizeof line, "#%lld/%lld  t=%s  %s", (long long)v->cur, (long long)m->ev_count - 1, t, desc);
        viz_text_n(dl, v, r.x + 2 * pad, r.y + pad, line, maxc, C_TEXT);
        snprintf(line, sizeof line, "why: %s", e->why ? viz_str(m, e->why) : "(no rule recorded)");
        viz_text_n(dl, v, r.x + 2 * pad, r.y + 2 * pad + v->ch, line, maxc, C_WHY);
    }
    if (v->status[0]) {
        int32_t w = viz_u8len(v->status) * v->cw;
        if (w < r.w / 2) viz_text(dl, v, r.x + r.w - w - 2 * pad, r.y + 2 * pad + v->ch, v->status, C_TEXT_DIM);
    }
}

/* ---- [SECTION] overlays ---------------------------------------------------------------------------- */

static const char *const viz_help_lines[] = {
    "Playback",
    "  space          play / pause",
    "  + / -          play faster / slower",
    "  \xe2\x86\x92 / \xe2\x86\x90          next / previous event",
    "  shift+\xe2\x86\x92 / \xe2\x86\x90    next / previous scheduling decision",
    "                 (Decision, GoStart, RunqSteal)",
    "  Home / End     first / last event",
    "  click ruler    seek to that time",
    "  C              center the view on the playhead",
    "View",
    "  wheel          zoom at the cursor",
    "  drag           pan (both ways)",
    "  W / S          zoom in / out",
    "  A / D          pan left / right",
    "  \xe2\x86\x91 \xe2\x86\x93 PgUp PgDn  scroll the lanes",
    "  shift+wheel    scroll the lanes",
    "  F              fit the whole run",
    "  1 / 2 / 3      collapse Ps / Ms / Gs",
    "  click label    collapse one lane",
    "Goroutines",
    "  click          select a span or goroutine",
    "  hover          tooltip",
    "  /              find a goroutine (id or function),",
    "                 Enter: next match, Esc: close",
    "  N              next event of the selected G",
    "  click empty    deselect",
    "Other",
    "  F12 or P       save a screenshot PNG",
    "  ?              this help",
    "  Q, Esc         quit (Esc first closes help/find)",
};

static void viz_lay_help(viz_view *v, viz_drawlist *dl) {
    int32_t n = (int32_t)(sizeof viz_help_lines / sizeof viz_help_lines[0]);
    int32_t pad = viz_pad(v), lh = v->ch + viz_px(v, 2);
    int32_t w = 52 * v->cw + 6 * pad, h = (n + 2) * lh + 4 * pad;
    if (w > v->width_px - 20) w = v->width_px - 20;
    if (h > v->height_px - 20) h = v->height_px - 20;
    int32_t x = (v->width_px - w) / 2, y = (v->height_px - h) / 2;
    viz_fill(dl, 0, 0, v->width_px, v->height_px, 0x00000060u);
    viz_fill(dl, x, y, w, h, 0xffffffffu);
    viz_outline(dl, x, y, w, h, 0x2b3442ffu);
    viz_hitbox(dl, x, y, w, h, VIZ_HIT_PANEL, -1, 0, 0, 0);
    viz_text(dl, v, x + 3 * pad, y + 2 * pad, "gmpview keys (any key closes)", C_TEXT);
    for (int32_t i = 0; i < n && y + 2 * pad + (i + 2) * lh + v->ch < y + h; i++) {
        const char *s = viz_help_lines[i];
        viz_text_n(dl, v, x + 3 * pad, y + 2 * pad + (i + 1) * lh + lh / 2, s, (w - 6 * pad) / v->cw,
                   s[0] == ' ' ? C_TEXT : 0x1f6fd1ffu);
    }
}

static void viz_lay_find(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    int32_t pad = viz_pad(v);
    int32_t w = 60 * v->cw, h = v->ch + 4 * pad;
    if (w > v->width_px - 20) w = v->width_px - 20;
    int32_t x = (v->width_px - w) / 2, y = v->r_top.h + viz_px(v, 20);
    viz_fill(dl, x, y, w, h, 0xffffffffu);
    viz_outline(dl, x, y, w, h, 0x1f6fd1ffu);
    viz_outline(dl, x + 1, y + 1, w - 2, h - 2, 0x1f6fd1ffu);
    int64_t ids[1];
    int64_t n = viz_find_g(ix, v->find, ids, 1);
    char buf[160];
    snprintf(buf, sizeof buf, "find goroutine: %s_   (%lld match%s)", v->find, (long long)n, n == 1 ? "" : "es");
    viz_text_n(dl, v, x + 2 * pad, y + 2 * pad, buf, (w - 4 * pad) / v->cw, C_TEXT);
}

static void viz_tooltip_text(const viz_index *ix, const viz_view *v, const viz_draw *d, char lines[4][256]) {
    const viz_model *m = ix->m;
    for (int k = 0; k < 4; k++) lines[k][0] = 0;
    char a[32], b[32], c[32];
    if (d->hit == VIZ_HIT_SPAN) {
        const viz_span *s = &ix->spans[d->a];
        const viz_lane *l = &ix->lanes[d->lane];
        char name[128], txt[160];
        if (l->kind == VIZ_LANE_P) snprintf(name, sizeof name, "P%d", l->id);
        else if (l->kind == VIZ_LANE_M) snprintf(name, sizeof name, "M%d", l->id);
        else viz_g_name(ix, l->id, name, sizeof name);
        viz_span_text(ix, l, s, txt, sizeof txt);
        if (l->kind == VIZ_LANE_P && s->state == VIZ_S_HELD) snprintf(txt, sizeof txt, "held by an M in schedule()");
        if (s->state == VIZ_S_RUNNING && l->kind != VIZ_LANE_G) {
            char gname[128];
            viz_g_name(ix, s->g, gname, sizeof gname);
            snprintf(txt, sizeof txt, "runs %s", gname);
        }
        snprintf(lines[0], 256, "%s: %s", name, txt);
        viz_fmt_ns_exact(s->t0_ns, a, sizeof a);
        viz_fmt_ns_exact(s->t1_ns, b, sizeof b);
        viz_fmt_ns_exact(s->t1_ns - s->t0_ns, c, sizeof c);
        snprintf(lines[1], 256, "%s \xe2\x86\x92 %s  (%s)", a, b, c);
        char desc[400];
        viz_event_describe(m, s->ev, desc, sizeof desc);
        snprintf(lines[2], 256, "began at #%u: %s", s->ev, desc);
        if (m->ev[s->ev].why) snprintf(lines[3], 256, "why: %s", viz_str(m, m->ev[s->ev].why));
    } else if (d->hit == VIZ_HIT_FOLD) {
        viz_fmt_ns_exact(d->a, a, sizeof a);
        viz_fmt_ns_exact(d->b, b, sizeof b);
        snprintf(lines[0], 256, "%d spans folded (each under %d px)", d->c, VIZ_FOLD_PX);
        snprintf(lines[1], 256, "%s \xe2\x86\x92 %s: zoom in (wheel, W) to see them", a, b);
    } else if (d->hit == VIZ_HIT_G) {
        viz_g_name(ix, d->a, lines[0], 256);
        snprintf(lines[1], 256, "click to select: stack and argument copies");
    } else if (d->hit == VIZ_HIT_GROUP) {
        snprintf(lines[0], 256, "click to %s this group (or press %d)", v->group_collapsed[d->a] ? "expand" : "collapse",
                 (int)d->a + 1);
    } else if (d->hit == VIZ_HIT_LANE) {
        char name[128];
        viz_lane_label(ix, d->lane, name, sizeof name);
        snprintf(lines[0], 256, "%s: click to %s this lane", name, v->lane_small[d->lane] ? "expand" : "collapse");
    } else if (d->hit == VIZ_HIT_RULER) {
        double ns_per_px = (v->v1_ns - v->v0_ns) / (v->r_lanes.w > 0 ? v->r_lanes.w : 1);
        viz_fmt_ns_step(viz_view_x_to_ns(v, v->mouse_x), viz_tick_step(ns_per_px, 1), a, sizeof a);
        snprintf(lines[0], 256, "t = %s: click to move the playhead here", a);
    }
}

static void viz_lay_tooltip(const viz_index *ix, viz_view *v, viz_drawlist *dl) {
    if (v->mouse_x < 0 || v->help || v->finding) return;
    const viz_draw *d = viz_hit(dl, v->mouse_x, v->mouse_y);
    if (d == NULL) return;
    char lines[4][256];
    viz_tooltip_text(ix, v, d, lines);
    if (lines[0][0] == 0) return;
    int32_t pad = viz_pad(v), lh = v->ch + viz_px(v, 2);
    int32_t n = 0, maxc = 0;
    for (int k = 0; k < 4; k++) {
        if (lines[k][0] == 0) continue;
        n = k + 1;
        int32_t c = viz_u8len(lines[k]);
        if (c > maxc) maxc = c;
    }
    int32_t limit = (v->width_px - 8 * pad) / v->cw;
    if (maxc > limit) maxc = limit;
    int32_t w = maxc * v->cw + 4 * pad, h = n * lh + 2 * pad;
    int32_t x = v->mouse_x + viz_px(v, 14), y = v->mouse_y + viz_px(v, 18);
    if (x + w > v->width_px) x = v->width_px - w - 2;
    if (y + h > v->height_px) y = v->mouse_y - h - viz_px(v, 6);
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    viz_fill(dl, x + 3, y + 3, w, h, 0x00000030u);
    viz_fill(dl, x, y, w, h, C_TOOLTIP);
    viz_outline(dl, x, y, w, h, 0x5f6b7affu);
    for (int k = 0; k < n; k++)
        viz_text_n(dl, v, x + 2 * pad, y + pad + k * lh, lines[k], maxc, k == 3 ? C_WHY : k == 0 ? C_TEXT : C_TEXT_DIM);
}

/* ---- [SECTION] entry ----------------------------------------------------------------------------- */

int viz_layout(const viz_index *ix, viz_view *v, viz_rq *rq, viz_drawlist *dl) {
    VIZ_ASSERT(ix != NULL && v != NULL && dl != NULL);
    VIZ_ASSERT(v->lane_count == ix->lane_count);
    viz_drawlist_clear(dl);
    viz_view_geometry(v, ix);
    viz_view_clamp_scroll(v);
    if (v->cur >= ix->m->ev_count) v->cur = ix->m->ev_count - 1;
    viz_fill(dl, 0, 0, v->width_px, v->height_px, C_BG);
    viz_lay_lanes(ix, v, dl);
    viz_lay_arrows(ix, v, dl);
    viz_lay_ruler(ix, v, dl);
    viz_clip(dl, (viz_rect){v->r_lanes.x, v->r_ruler.y, v->r_lanes.w, v->r_ruler.h + v->r_lanes.h});
    viz_lay_playhead(ix, v, dl);
    viz_unclip(dl);
    if (v->arrows_hidden > 0) {
        char buf[96];
        snprintf(buf, sizeof buf, "%lld arrows in view: zoom in to see them", (long long)v->arrows_hidden);
        int32_t w = viz_u8len(buf) * v->cw;
        viz_text(dl, v, v->r_lanes.x + v->r_lanes.w - w - viz_px(v, 8), v->r_lanes.y + v->r_lanes.h - v->ch - viz_px(v, 4),
                 buf, C_TEXT_FAINT);
    }
    viz_lay_queues(ix, v, rq, dl);
    viz_lay_side(ix, v, dl);
    viz_lay_top(ix, v, dl);
    viz_lay_event(ix, v, dl);
    if (v->finding) viz_lay_find(ix, v, dl);
    if (v->help) viz_lay_help(v, dl);
    viz_lay_tooltip(ix, v, dl);
    return dl->oom ? -1 : 0;
}
