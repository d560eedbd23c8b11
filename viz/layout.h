/* viz/layout.h: from (model, view) to a draw list, as Tracy's preprocess step and
 * ImGui's ImDrawData: rectangles, lines and text with colours, in pixels, plus what
 * each item stands for so that hit.c can answer "what is under the mouse".
 *
 * Pure C, no SDL: the renderer (render_sdl.c) only walks the list. Text is measured
 * with a monospace cell (cw x ch pixels) that the renderer reports, so the layout
 * truncates labels itself and nothing depends on the font library.
 *
 * Level of detail: spans narrower than VIZ_FOLD_PX are folded with their tiny
 * neighbours into one "folded" rectangle, skipping ahead by binary search, so a lane
 * costs O(width / VIZ_FOLD_PX * log spans) whatever the zoom; arrows are drawn only
 * when at most VIZ_ARROWS_MAX fall in the visible time range.
 */
#ifndef VIZ_LAYOUT_H
#define VIZ_LAYOUT_H

#include "index.h"

enum {
    VIZ_FOLD_PX = 3,
    VIZ_ARROWS_MAX = 600,
    VIZ_FIND_BYTES = 64,
};

typedef enum viz_draw_type {
    VIZ_D_RECT = 0,     /* filled */
    VIZ_D_OUTLINE,      /* 1 px border */
    VIZ_D_LINE,         /* from (x, y) to (x + w, y + h) */
    VIZ_D_TEXT,         /* UTF-8 text with its top-left at (x, y); w, h its cell box */
    VIZ_D_CLIP,         /* later items are clipped to the rect ... */
    VIZ_D_UNCLIP,       /* ... until this */
} viz_draw_type;

typedef enum viz_hit_kind {
    VIZ_HIT_NONE = 0,
    VIZ_HIT_SPAN,       /* a = span index, lane */
    VIZ_HIT_FOLD,       /* a = t0, b = t1, c = folded span count, lane */
    VIZ_HIT_LANE,       /* the label of lane */
    VIZ_HIT_GROUP,      /* a group header; a = viz_lane_kind */
    VIZ_HIT_RULER,      /* the time ruler: click to seek */
    VIZ_HIT_TIMELINE,   /* empty timeline background */
    VIZ_HIT_G,          /* a goroutine box in a panel; a = goid */
    VIZ_HIT_PANEL,      /* a panel background: no action */
} viz_hit_kind;

typedef struct viz_draw {
    int32_t x, y, w, h;
    uint32_t rgba;          /* 0xRRGGBBAA */
    uint32_t text_len;
    uint64_t text_off;      /* into viz_drawlist.text */
    uint8_t type;           /* viz_draw_type */
    uint8_t hit;            /* viz_hit_kind */
    int32_t lane;
    int32_t c;
    int64_t a, b;
} viz_draw;

typedef struct viz_drawlist {
    viz_draw *items;
    int64_t count, cap;
    char *text;
    uint64_t text_len, text_cap;
    int oom;
} viz_drawlist;

typedef struct viz_rect {
    int32_t x, y, w, h;
} viz_rect;

/* What is on screen and how: plain data, changed by the app, read by the layout. */
typedef struct viz_view {
    double v0_ns, v1_ns;          /* the visible time range */
    int32_t width_px, height_px;
    int32_t scroll_px;            /* lanes scrolled up by this much */
    int32_t side_scroll_px;       /* the goroutine panel scrolled up by this much */
    float scale;                  /* UI scale (--scale) */
    int32_t cw, ch;               /* the font's cell, px */
    int64_t cur;                  /* playhead: events [0, cur] have happened; -1 none */
    int64_t sel_g;                /* selected goroutine, 0 none */
    int64_t sel_span;             /* selected span, -1 none */
    int32_t mouse_x, mouse_y;     /* hover position, -1 none */
    uint8_t group_collapsed[3];   /* P, M, G groups */
    uint8_t *lane_small;          /* per lane: collapsed to a thin strip */
    int32_t *lane_y;              /* lane_count + 1 offsets from the lanes' top (px) */
    int32_t *lane_h;              /* per lane height (0 hidden) */
    int32_t group_y[3];           /* header offsets */
    int32_t lanes_total_px;
    int32_t lane_count;
    int help, playing, finding;
    double speed;                 /* playback: virtual ns per real second */
    char find[VIZ_FIND_BYTES];
    char status[160];             /* a one-line message (find results, saved files) */
    /* Computed by viz_layout for the app: */
    viz_rect r_top, r_labels, r_ruler, r_lanes, r_queues, r_side, r_event;
    int64_t arrows_hidden;        /* arrows in range when over the limit */
} viz_view;

void viz_drawlist_init(viz_drawlist *dl);
void viz_drawlist_free(viz_drawlist *dl);
void viz_drawlist_clear(viz_drawlist *dl);

/* The view of the whole run at w x h pixels. Allocates lane arrays (viz_view_free). */
int viz_view_init(viz_view *v, const viz_index *ix, int32_t w, int32_t h, float scale, int32_t cw, int32_t ch);
void viz_view_free(viz_view *v);
/* Recomputes lane heights and offsets after a collapse change or a resize. */
void viz_view_lanes(viz_view *v, const viz_index *ix);
void viz_view_fit(viz_view *v, const viz_index *ix);
/* Zooms by factor (<1 in) keeping the time under pixel x fixed. */
void viz_view_zoom(viz_view *v, double factor, int32_t x);
void viz_view_pan_px(viz_view *v, int32_t dx, int32_t dy);
/* Brings lane into vertical view and the time t into horizontal view. */
void viz_view_reveal(viz_view *v, int32_t lane, int64_t t_ns);
/* The geometry of the panels for the current size (also done by viz_layout). */
void viz_view_geometry(viz_view *v, const viz_index *ix);
double viz_view_x_to_ns(const viz_view *v, int32_t x);
int32_t viz_view_ns_to_x(const viz_view *v, double t_ns);

/* Lays out the whole window. rq is scratch kept between frames (forward play is cheap). */
int viz_layout(const viz_index *ix, viz_view *v, viz_rq *rq, viz_drawlist *dl);

/* Colours, shared with tests: the goroutine's own, and a state's. */
uint32_t viz_g_colour(int64_t goid);
uint32_t viz_state_colour(int state);

/* "1.250us" style (fixed 3 decimals of the largest unit that keeps the value >= 1):
 * for lengths (the view's span). Exact times are viz_fmt_ns_exact (model.h). */
void viz_fmt_ns(double ns, char *buf, size_t size);
/* A ruler label: the unit of the value, with the decimals a multiple of step needs
 * ("1.0004ms" at a 100 ns step), so that labels one step apart always differ. */
void viz_fmt_ns_step(double ns, double step, char *buf, size_t size);

/* hit.c: the topmost item with a hit kind whose box holds (x, y), or NULL. */
const viz_draw *viz_hit(const viz_drawlist *dl, int32_t x, int32_t y);
/* Goroutines whose id or function matches the text ("G7", "7", "worker"): fills up
 * to max ids in lane order; returns the total count. */
int64_t viz_find_g(const viz_index *ix, const char *text, int64_t *out, int64_t max);

#endif
