/* viz/app.c: gmpview's main: options, the window's event loop, and headless output.
 *
 * [SECTION] index: options · loading · headless (PNG, frames) · input · loop · main.
 *
 * The app owns the model, the index, the view and a draw list; each frame it asks
 * viz_layout for the list and viz_render to draw it. Input only edits the view (plain
 * data) and the playhead. Exit status: 0 fine, 1 a failure of SDL or of writing, 2 bad
 * usage or a bad schedule file (one line "gmpview: FILE:LINE: FIELD: problem").
 */
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "layout.h"
#include "render_sdl.h"

enum { EXIT_FAIL = 1, EXIT_BAD = 2 };

static const char viz_usage[] =
    "usage: gmpview FILE [options]\n"
    "\n"
    "Replays a gmpsim schedule file: a lane per P, M and goroutine, the run queues, the\n"
    "selected goroutine's stack and the argument copies, stepped with a playhead.\n"
    "\n"
    "options:\n"
    "  --scale S          UI scale for projectors and HiDPI (default 1; 0.5..4)\n"
    "  --font PATH        a monospace TTF (default: fontconfig's DejaVu Sans Mono)\n"
    "  --at T             playhead at time T (ns, or 3.7us, 2ms, 1s)\n"
    "  --event N          playhead at event N\n"
    "  --select G         select goroutine G (an id, G7, or a function name)\n"
    "  --range A:B        show times A..B (default: the whole run)\n"
    "headless (no display needed):\n"
    "  --png OUT.png      render one frame to OUT.png and exit\n"
    "  --size WxH         frame size for --png and --frames (default 1600x900)\n"
    "  --frames DIR       write the playback as DIR/frame-00000.png, ...\n"
    "  --fps N            frames per second of --frames (default 10)\n"
    "  --duration S       seconds the playback lasts in --frames (default 10)\n"
    "  --mouse X,Y        for screenshots: hover there (shows the tooltip)\n"
    "  --help-overlay     for screenshots: show the key list\n"
    "\n"
    "Keys: press ? in the window (docs/viewer.md lists them all).\n"
    "Exit status: 0 ok, 1 SDL or output failure, 2 bad usage or bad input file.\n";

typedef struct viz_opts {
    const char *file, *png, *frames_dir, *font, *select;
    int64_t at_ns, event, range_a, range_b;
    int has_at, has_event, has_range, help;
    int32_t mouse_x, mouse_y;
    int32_t w, h, fps;
    double duration_s;
    float scale;
} viz_opts;

typedef struct viz_app {
    viz_opts o;
    viz_model model;
    viz_index ix;
    viz_view view;
    viz_rq rq;
    viz_drawlist dl;
    viz_font font;
    char font_path[1024];
    SDL_Window *win;
    SDL_Renderer *ren;
    int pressed, dragging, press_x, press_y, last_x, last_y;
    double play_t;
    uint64_t last_ticks;
    int64_t find_next;
    int shots, shot_pending, quit, dirty;
} viz_app;

/* ---- [SECTION] options ------------------------------------------------------------------ */

static int viz_bad_usage(const char *what, const char *arg) {
    fprintf(stderr, "gmpview: %s%s%s\nrun 'gmpview --help' for usage\n", what, arg ? ": " : "", arg ? arg : "");
    return EXIT_BAD;
}

/* "3700", "3.7us", "3.7µs", "2ms", "1s", "100ns" -> ns. */
static int viz_parse_time(const char *s, int64_t *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    static const struct {
        const char *u;
        double ns;
    } units[] = {{"", 1}, {"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].u) != 0) continue;
        double r = v * units[i].ns;
        if (r > 9.0e15) return -1;
        *out = (int64_t)llround(r);
        return 0;
    }
    return -1;
}

static int viz_parse_opts(int argc, char **argv, viz_opts *o) {
    memset(o, 0, sizeof *o);
    o->w = 1600;
    o->h = 900;
    o->fps = 10;
    o->duration_s = 10;
    o->scale = 1;
    o->mouse_x = o->mouse_y = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(viz_usage, stdout);
            exit(0);
        } else if (strcmp(a, "--png") == 0 && val) o->png = val;
        else if (strcmp(a, "--frames") == 0 && val) o->frames_dir = val;
        else if (strcmp(a, "--font") == 0 && val) o->font = val;
        else if (strcmp(a, "--select") == 0 && val) o->select = val;
        else if (strcmp(a, "--help-overlay") == 0) {
            o->help = 1;
            takes = 0;
        } else if (strcmp(a, "--mouse") == 0 && val) {
            if (sscanf(val, "%d,%d", &o->mouse_x, &o->mouse_y) != 2) return viz_bad_usage("--mouse: expected X,Y", val);
        }
        else if (strcmp(a, "--at") == 0 && val) {
            if (viz_parse_time(val, &o->at_ns) != 0) return viz_bad_usage("--at: expected a time like 3700, 3.7us", val);
            o->has_at = 1;
        } else if (strcmp(a, "--event") == 0 && val) {
            char *end;
            o->event = strtoll(val, &end, 10);
            if (*end || o->event < 0) return viz_bad_usage("--event: expected an event number", val);
            o->has_event = 1;
        } else if (strcmp(a, "--range") == 0 && val) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", val);
            char *colon = strchr(buf, ':');
            if (colon == NULL) return viz_bad_usage("--range: expected A:B", val);
            *colon = 0;
            if (viz_parse_time(buf, &o->range_a) != 0 || viz_parse_time(colon + 1, &o->range_b) != 0 ||
                o->range_b <= o->range_a)
                return viz_bad_usage("--range: expected A:B with A < B", val);
            o->has_range = 1;
        } else if (strcmp(a, "--size") == 0 && val) {
            if (sscanf(val, "%dx%d", &o->w, &o->h) != 2 || o->w < 320 || o->h < 240 || o->w > 16384 || o->h > 16384)
                return viz_bad_usage("--size: expected WxH from 320x240 to 16384x16384", val);
        } else if (strcmp(a, "--scale") == 0 && val) {
            o->scale = strtof(val, NULL);
            if (!(o->scale >= 0.5f && o->scale <= 4.0f)) return viz_bad_usage("--scale: expected 0.5..4", val);
        } else if (strcmp(a, "--fps") == 0 && val) {
            o->fps = atoi(val);
            if (o->fps < 1 || o->fps > 240) return viz_bad_usage("--fps: expected 1..240", val);
        } else if (strcmp(a, "--duration") == 0 && val) {
            o->duration_s = strtod(val, NULL);
            if (!(o->duration_s > 0 && o->duration_s <= 3600)) return viz_bad_usage("--duration: expected 0..3600 s", val);
        } else if (a[0] == '-' && a[1] != 0) {
            return viz_bad_usage(val || strncmp(a, "--", 2) != 0 ? "unknown option" : "missing value for", a);
        } else {
            takes = 0;
            if (o->file) return viz_bad_usage("more than one file", a);
            o->file = a;
        }
        i += takes;
    }
    if (o->file == NULL) {
        fputs(viz_usage, stderr);
        return EXIT_BAD;
    }
    return 0;
}

/* ---- [SECTION] loading and the initial view ---------------------------------------------------- */

static int viz_app_load(viz_app *app) {
    viz_error err;
    if (viz_load_file(&app->model, app->o.file, &err) != 0) {
        char msg[512];
        viz_error_format(&err, app->o.file, msg, sizeof msg);
        fprintf(stderr, "gmpview: %s\n", msg);
        return err.line > 0 || strcmp(err.field, "memory") != 0 ? EXIT_BAD : EXIT_FAIL;
    }
    if (viz_index_build(&app->ix, &app->model) != 0) {
        fprintf(stderr, "gmpview: %s: out of memory while indexing\n", app->o.file);
        return EXIT_FAIL;
    }
    return 0;
}

static void viz_app_select(viz_app *app, int64_t goid, int reveal) {
    viz_view *v = &app->view;
    if (goid != v->sel_g) v->side_scroll_px = 0;
    v->sel_g = goid;
    v->sel_span = -1;
    if (reveal && goid > 0) {
        int32_t lane = viz_index_glane(&app->ix, goid);
        viz_view_reveal(v, lane, -1);
    }
}

/* Applies --at/--event/--select/--range to a fresh view of size w x h. */
static int viz_app_view(viz_app *app, int32_t w, int32_t h) {
    viz_view *v = &app->view;
    if (viz_view_init(v, &app->ix, w, h, app->o.scale, app->font.cw, app->font.ch) != 0) return -1;
    if (app->o.has_range) {
        v->v0_ns = (double)app->o.range_a;
        v->v1_ns = (double)app->o.range_b;
    }
    v->help = app->o.help;
    v->mouse_x = app->o.mouse_x;
    v->mouse_y = app->o.mouse_y;
    if (app->o.has_at) v->cur = viz_event_at_time(&app->model, app->o.at_ns);
    if (app->o.has_event) v->cur = app->o.event < app->model.ev_count ? app->o.event : app->model.ev_count - 1;
    if (app->o.select) {
        int64_t ids[1];
        if (viz_find_g(&app->ix, app->o.select, ids, 1) < 1) {
            fprintf(stderr, "gmpview: --select %s: no such goroutine in %s\n", app->o.select, app->o.file);
            return EXIT_BAD;
        }
        viz_app_select(app, ids[0], 1);
    }
    return 0;
}

static int viz_app_font(viz_app *app, SDL_Renderer *ren) {
    char err[512];
    if (app->font_path[0] == 0 && viz_font_find(app->o.font, app->font_path, sizeof app->font_path, err, sizeof err) != 0) {
        fprintf(stderr, "gmpview: %s\n", err);
        return -1;
    }
    int32_t px = (int32_t)lroundf(15.0f * app->o.scale);
    if (viz_font_open(&app->font, ren, app->font_path, px, err, sizeof err) != 0) {
        fprintf(stderr, "gmpview: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- [SECTION] headless ------------------------------------------------------------------------ */

/* Saves an ARGB surface as an opaque RGB PNG. */
static int viz_save_png(SDL_Surface *s, const char *path) {
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB24, 0);
    if (rgb == NULL) return -1;
    int rc = IMG_SavePNG(rgb, path);
    SDL_FreeSurface(rgb);
    return rc;
}

static int viz_headless_frame(viz_app *app, SDL_Renderer *ren, SDL_Surface *surf, const char *path) {
    if (viz_layout(&app->ix, &app->view, &app->rq, &app->dl) != 0) {
        fprintf(stderr, "gmpview: out of memory in the layout\n");
        return EXIT_FAIL;
    }
    viz_render(ren, &app->font, &app->dl);
    SDL_RenderPresent(ren);
    if (viz_save_png(surf, path) != 0) {
        fprintf(stderr, "gmpview: cannot write %s: %s\n", path, SDL_GetError());
        return EXIT_FAIL;
    }
    return 0;
}

static int viz_headless(viz_app *app, const char *png_fallback) {
    int32_t w = app->o.w, h = app->o.h;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    if (ren == NULL) {
        fprintf(stderr, "gmpview: software renderer: %s\n", SDL_GetError());
        if (surf) SDL_FreeSurface(surf);
        return EXIT_FAIL;
    }
    int rc = viz_app_font(app, ren) != 0 ? EXIT_FAIL : viz_app_view(app, w, h);
    const char *png = app->o.png ? app->o.png : png_fallback;
    if (rc == 0 && png) {
        rc = viz_headless_frame(app, ren, surf, png);
        if (rc == 0) printf("gmpview: wrote %s (%dx%d)\n", png, w, h);
    }
    if (rc == 0 && app->o.frames_dir) {
        if (mkdir(app->o.frames_dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "gmpview: cannot create %s: %s\n", app->o.frames_dir, strerror(errno));
            rc = EXIT_FAIL;
        }
        int64_t n = (int64_t)llround(app->o.fps * app->o.duration_s);
        if (n < 1) n = 1;
        if (n > 100000) n = 100000;
        double t_end = (double)app->model.t_end_ns;
        for (int64_t k = 0; rc == 0 && k < n; k++) {
            double t = n > 1 ? t_end * (double)k / (double)(n - 1) : t_end;
            app->view.cur = viz_event_at_time(&app->model, (int64_t)floor(t));
            if (k == n - 1) app->view.cur = app->model.ev_count - 1;
            char path[4096];
            snprintf(path, sizeof path, "%s/frame-%05lld.png", app->o.frames_dir, (long long)k);
            rc = viz_headless_frame(app, ren, surf, path);
        }
        if (rc == 0) printf("gmpview: wrote %lld frames to %s/frame-NNNNN.png (%d fps)\n", (long long)n,
                            app->o.frames_dir, app->o.fps);
    }
    viz_font_close(&app->font);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    return rc;
}

/* ---- [SECTION] input ------------------------------------------------------------------------------- */

static void viz_app_seek(viz_app *app, int64_t cur) {
    viz_view *v = &app->view;
    if (cur < -1) cur = -1;
    if (cur >= app->model.ev_count) cur = app->model.ev_count - 1;
    v->cur = cur;
    if (cur >= 0) {
        int64_t t = app->model.ev[cur].t_ns;
        app->play_t = (double)t;
        if ((double)t < v->v0_ns || (double)t > v->v1_ns) viz_view_reveal(v, -1, t);
    }
}

static void viz_app_find(viz_app *app) {
    viz_view *v = &app->view;
    int64_t ids[4096];
    int64_t n = viz_find_g(&app->ix, v->find, ids, 4096);
    if (n == 0) {
        snprintf(v->status, sizeof v->status, "no goroutine matches \"%s\"", v->find);
        return;
    }
    int64_t k = app->find_next % (n < 4096 ? n : 4096);
    app->find_next++;
    viz_app_select(app, ids[k], 1);
    int32_t lane = viz_index_glane(&app->ix, ids[k]);
    if (lane >= 0 && app->ix.lanes[lane].create_ev >= 0)
        viz_view_reveal(v, lane, app->model.ev[app->ix.lanes[lane].create_ev].t_ns);
    snprintf(v->status, sizeof v->status, "match %lld of %lld: G%lld", (long long)k + 1, (long long)n,
             (long long)ids[k]);
}

static void viz_app_next_of_g(viz_app *app) {
    viz_view *v = &app->view;
    if (v->sel_g <= 0) return;
    for (int64_t i = v->cur + 1; i < app->model.ev_count; i++) {
        const viz_event *e = &app->model.ev[i];
        if (e->g == v->sel_g || e->g2 == v->sel_g) {
            viz_app_seek(app, i);
            return;
        }
    }
    snprintf(v->status, sizeof v->status, "no later event of G%lld", (long long)v->sel_g);
}

static void viz_app_toggle_play(viz_app *app) {
    viz_view *v = &app->view;
    v->playing = !v->playing;
    if (v->playing) {
        if (v->cur >= app->model.ev_count - 1) viz_app_seek(app, -1);
        app->play_t = v->cur >= 0 ? (double)app->model.ev[v->cur].t_ns : 0;
        app->last_ticks = SDL_GetTicks64();
    }
}

static void viz_app_text(viz_app *app, const char *text) {
    viz_view *v = &app->view;
    if (v->finding) {
        size_t n = strlen(v->find);
        if (n + strlen(text) < sizeof v->find) memcpy(v->find + n, text, strlen(text) + 1);
        app->find_next = 0;
        return;
    }
    if (v->help) {
        v->help = 0;
        return;
    }
    if (strcmp(text, "?") == 0) v->help = 1;
    else if (strcmp(text, "/") == 0) {
        v->finding = 1;
        v->find[0] = 0;
        app->find_next = 0;
    } else if (strcmp(text, "+") == 0 || strcmp(text, "=") == 0) v->speed *= 2;
    else if (strcmp(text, "-") == 0) v->speed /= 2;
}

static void viz_app_find_key(viz_app *app, SDL_Keycode k) {
    viz_view *v = &app->view;
    if (k == SDLK_ESCAPE) v->finding = 0;
    else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) viz_app_find(app);
    else if (k == SDLK_BACKSPACE) {
        size_t n = strlen(v->find);
        while (n > 0 && ((unsigned char)v->find[n - 1] & 0xc0) == 0x80) n--; /* a whole UTF-8 character */
        if (n > 0) v->find[n - 1] = 0;
        app->find_next = 0;
    }
}

static void viz_app_key(viz_app *app, const SDL_KeyboardEvent *ke) {
    viz_view *v = &app->view;
    SDL_Keycode k = ke->keysym.sym;
    int shift = (ke->keysym.mod & KMOD_SHIFT) != 0;
    if (v->finding) {
        viz_app_find_key(app, k);
        return;
    }
    if (v->help && k != SDLK_SLASH && k != SDLK_LSHIFT && k != SDLK_RSHIFT) {
        v->help = 0;
        if (k != SDLK_q) return;
    }
    int32_t mid = v->r_lanes.x + v->r_lanes.w / 2, step = v->r_lanes.w / 8;
    switch (k) {
    case SDLK_ESCAPE:
    case SDLK_q: app->quit = 1; break;
    case SDLK_SPACE: viz_app_toggle_play(app); break;
    case SDLK_RIGHT:
        if (shift) {
            int64_t d = viz_decision_step(&app->ix, v->cur, 1);
            if (d >= 0) viz_app_seek(app, d);
        } else {
            viz_app_seek(app, v->cur + 1);
        }
        break;
    case SDLK_LEFT:
        if (shift) {
            int64_t d = viz_decision_step(&app->ix, v->cur, -1);
            if (d >= 0) viz_app_seek(app, d);
        } else {
            viz_app_seek(app, v->cur - 1);
        }
        break;
    case SDLK_HOME: viz_app_seek(app, -1); break;
    case SDLK_END: viz_app_seek(app, app->model.ev_count - 1); break;
    case SDLK_KP_PLUS: v->speed *= 2; break;
    case SDLK_KP_MINUS: v->speed /= 2; break;
    case SDLK_w: viz_view_zoom(v, 0.7, mid); break;
    case SDLK_s: viz_view_zoom(v, 1 / 0.7, mid); break;
    case SDLK_a: viz_view_pan_px(v, step, 0); break;
    case SDLK_d: viz_view_pan_px(v, -step, 0); break;
    case SDLK_UP: viz_view_pan_px(v, 0, v->ch * 2); break;
    case SDLK_DOWN: viz_view_pan_px(v, 0, -v->ch * 2); break;
    case SDLK_PAGEUP: viz_view_pan_px(v, 0, v->r_lanes.h * 9 / 10); break;
    case SDLK_PAGEDOWN: viz_view_pan_px(v, 0, -v->r_lanes.h * 9 / 10); break;
    case SDLK_f: viz_view_fit(v, &app->ix); break;
    case SDLK_c:
        if (v->cur >= 0) {
            double span = v->v1_ns - v->v0_ns, t = (double)app->model.ev[v->cur].t_ns;
            v->v0_ns = t - span / 2;
            v->v1_ns = t + span / 2;
        }
        break;
    case SDLK_n: viz_app_next_of_g(app); break;
    case SDLK_1:
    case SDLK_2:
    case SDLK_3:
        v->group_collapsed[k - SDLK_1] ^= 1;
        viz_view_lanes(v, &app->ix);
        break;
    case SDLK_F12:
    case SDLK_p: app->shot_pending = 1; break;
    default: break;
    }
}

static void viz_app_click(viz_app *app, int32_t x, int32_t y) {
    viz_view *v = &app->view;
    if (v->help) {
        v->help = 0;
        return;
    }
    const viz_draw *d = viz_hit(&app->dl, x, y);
    if (d == NULL) return;
    switch (d->hit) {
    case VIZ_HIT_RULER:
        viz_app_seek(app, viz_event_at_time(&app->model, (int64_t)floor(viz_view_x_to_ns(v, x))));
        break;
    case VIZ_HIT_SPAN: {
        const viz_span *s = &app->ix.spans[d->a];
        const viz_lane *l = &app->ix.lanes[d->lane];
        viz_app_select(app, l->kind == VIZ_LANE_G ? l->id : s->g > 0 ? s->g : v->sel_g, 0);
        v->sel_span = d->a;
        break;
    }
    case VIZ_HIT_FOLD: { /* zoom so that the folded spans spread out */
        double span = (double)(d->b - d->a);
        if (span < 10) span = 10;
        v->v0_ns = (double)d->a - span * 0.1;
        v->v1_ns = (double)d->b + span * 0.1;
        break;
    }
    case VIZ_HIT_LANE:
        v->lane_small[d->lane] ^= 1;
        viz_view_lanes(v, &app->ix);
        break;
    case VIZ_HIT_GROUP:
        v->group_collapsed[d->a] ^= 1;
        viz_view_lanes(v, &app->ix);
        break;
    case VIZ_HIT_G: viz_app_select(app, d->a, 1); break;
    case VIZ_HIT_TIMELINE:
        v->sel_g = 0;
        v->sel_span = -1;
        break;
    default: break;
    }
}

static void viz_app_mouse(viz_app *app, const SDL_Event *e) {
    viz_view *v = &app->view;
    switch (e->type) {
    case SDL_MOUSEBUTTONDOWN:
        app->pressed = 1;
        app->dragging = 0;
        app->press_x = app->last_x = e->button.x;
        app->press_y = app->last_y = e->button.y;
        break;
    case SDL_MOUSEBUTTONUP:
        if (app->pressed && !app->dragging && e->button.button == SDL_BUTTON_LEFT) viz_app_click(app, e->button.x, e->button.y);
        app->pressed = app->dragging = 0;
        break;
    case SDL_MOUSEMOTION:
        v->mouse_x = e->motion.x;
        v->mouse_y = e->motion.y;
        if (app->pressed) {
            if (abs(e->motion.x - app->press_x) + abs(e->motion.y - app->press_y) > 3) app->dragging = 1;
            if (app->dragging && app->press_y >= v->r_ruler.y && app->press_y < v->r_queues.y &&
                app->press_x < v->r_side.x)
                viz_view_pan_px(v, e->motion.x - app->last_x, e->motion.y - app->last_y);
            app->last_x = e->motion.x;
            app->last_y = e->motion.y;
        }
        break;
    case SDL_MOUSEWHEEL: {
        int shift = (SDL_GetModState() & KMOD_SHIFT) != 0;
        if (v->mouse_x >= v->r_side.x && v->mouse_y >= v->r_side.y && v->mouse_y < v->r_side.y + v->r_side.h)
            v->side_scroll_px -= e->wheel.y * v->ch * 3;
        else if (shift || v->mouse_x < v->r_lanes.x) viz_view_pan_px(v, 0, e->wheel.y * v->ch * 3);
        else if (e->wheel.y != 0) viz_view_zoom(v, pow(0.8, e->wheel.y), v->mouse_x);
        break;
    }
    default: break;
    }
}

/* ---- [SECTION] the window's loop ----------------------------------------------------------------- */

static void viz_app_shot(viz_app *app) {
    int w, h;
    SDL_GetRendererOutputSize(app->ren, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (s == NULL) return;
    char path[64];
    snprintf(path, sizeof path, "gmpview-shot-%03d.png", app->shots++);
    if (SDL_RenderReadPixels(app->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
        viz_save_png(s, path) == 0)
        snprintf(app->view.status, sizeof app->view.status, "saved %s", path);
    else
        snprintf(app->view.status, sizeof app->view.status, "screenshot failed: %s", SDL_GetError());
    SDL_FreeSurface(s);
    fprintf(stderr, "gmpview: %s\n", app->view.status);
}

static void viz_app_tick(viz_app *app) {
    viz_view *v = &app->view;
    uint64_t now = SDL_GetTicks64();
    double dt = (double)(now - app->last_ticks) / 1000.0;
    app->last_ticks = now;
    if (!v->playing) return;
    app->play_t += dt * v->speed;
    int64_t cur = viz_event_at_time(&app->model, (int64_t)floor(app->play_t));
    if (cur != v->cur) {
        double keep = app->play_t;
        viz_app_seek(app, cur);
        app->play_t = keep;
    }
    if (cur >= app->model.ev_count - 1) v->playing = 0;
    app->dirty = 1;
}

static int viz_app_frame(viz_app *app) {
    int w, h;
    SDL_GetRendererOutputSize(app->ren, &w, &h);
    app->view.width_px = w;
    app->view.height_px = h;
    if (viz_layout(&app->ix, &app->view, &app->rq, &app->dl) != 0) return -1;
    viz_render(app->ren, &app->font, &app->dl);
    if (app->shot_pending) {
        app->shot_pending = 0;
        viz_app_shot(app);
    }
    SDL_RenderPresent(app->ren);
    app->dirty = 0;
    return 0;
}

static int viz_interactive(viz_app *app) {
    int32_t w = (int32_t)lroundf(1440 * app->o.scale), h = (int32_t)lroundf(860 * app->o.scale);
    SDL_DisplayMode dm;
    if (SDL_GetDesktopDisplayMode(0, &dm) == 0) {
        if (w > dm.w - 40) w = dm.w - 40;
        if (h > dm.h - 80) h = dm.h - 80;
    }
    char title[512];
    snprintf(title, sizeof title, "gmpview: %s", app->o.file);
    app->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, SDL_WINDOW_RESIZABLE);
    if (app->win == NULL) return -1;
    app->ren = SDL_CreateRenderer(app->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (app->ren == NULL) app->ren = SDL_CreateRenderer(app->win, -1, SDL_RENDERER_SOFTWARE);
    if (app->ren == NULL) return -1;
    if (viz_app_font(app, app->ren) != 0) return EXIT_FAIL;
    SDL_GetRendererOutputSize(app->ren, &w, &h);
    int rc = viz_app_view(app, w, h);
    if (rc != 0) return rc;
    SDL_StartTextInput();
    app->last_ticks = SDL_GetTicks64();
    app->dirty = 1;
    for (uint64_t frames = 0; !app->quit && frames < UINT64_MAX; frames++) {
        SDL_Event e;
        int got = app->view.playing ? SDL_PollEvent(&e) : SDL_WaitEventTimeout(&e, 250);
        while (got) {
            app->dirty = 1;
            switch (e.type) {
            case SDL_QUIT: app->quit = 1; break;
            case SDL_KEYDOWN: viz_app_key(app, &e.key); break;
            case SDL_TEXTINPUT: viz_app_text(app, e.text.text); break;
            case SDL_WINDOWEVENT:
                if (e.window.event == SDL_WINDOWEVENT_LEAVE) app->view.mouse_x = app->view.mouse_y = -1;
                break;
            default: viz_app_mouse(app, &e); break;
            }
            got = SDL_PollEvent(&e);
        }
        viz_app_tick(app);
        if (app->dirty && viz_app_frame(app) != 0) return EXIT_FAIL;
        if (app->view.playing) SDL_Delay(8);
    }
    return 0;
}

/* ---- [SECTION] main ------------------------------------------------------------------------------------ */

/* SDL falls back to drivers with no screen (dummy, offscreen) when there is no
 * display: a window there would run unseen forever. */
static int viz_no_screen(void) {
    const char *drv = SDL_GetCurrentVideoDriver();
    if (drv == NULL) return 1;
    if (strcmp(drv, "dummy") == 0 || strcmp(drv, "offscreen") == 0 || strcmp(drv, "evdev") == 0) {
        SDL_SetError("SDL video driver \"%s\"", drv);
        return 1;
    }
    return 0;
}

static void viz_app_free(viz_app *app) {
    viz_font_close(&app->font);
    if (app->ren) SDL_DestroyRenderer(app->ren);
    if (app->win) SDL_DestroyWindow(app->win);
    viz_drawlist_free(&app->dl);
    viz_rq_free(&app->rq);
    viz_view_free(&app->view);
    viz_index_free(&app->ix);
    viz_model_free(&app->model);
}

int main(int argc, char **argv) {
    static viz_app app; /* large and single: not on the stack */
    int rc = viz_parse_opts(argc, argv, &app.o);
    if (rc != 0) return rc;
    rc = viz_app_load(&app);
    if (rc != 0) {
        viz_app_free(&app);
        return rc;
    }
    viz_drawlist_init(&app.dl);
    viz_rq_init(&app.rq);
    if (TTF_Init() != 0) {
        fprintf(stderr, "gmpview: SDL_ttf: %s\n", TTF_GetError());
        viz_app_free(&app);
        return EXIT_FAIL;
    }
    int headless = app.o.png != NULL || app.o.frames_dir != NULL;
    if (headless) {
        rc = viz_headless(&app, NULL);
    } else if ((getenv("DISPLAY") == NULL && getenv("WAYLAND_DISPLAY") == NULL && getenv("SDL_VIDEODRIVER") == NULL &&
                SDL_SetError("DISPLAY and WAYLAND_DISPLAY are not set") < 0) ||
               SDL_Init(SDL_INIT_VIDEO) != 0 || viz_no_screen()) {
        /* No display: say so, and leave a picture instead of nothing. */
        const char *base = strrchr(app.o.file, '/');
        char png[1024];
        snprintf(png, sizeof png, "%s.png", base ? base + 1 : app.o.file);
        fprintf(stderr, "gmpview: no display (%s); rendering a PNG instead\n", SDL_GetError());
        rc = viz_headless(&app, png);
    } else {
        rc = viz_interactive(&app);
        if (rc < 0) {
            fprintf(stderr, "gmpview: window: %s\n", SDL_GetError());
            rc = EXIT_FAIL;
        }
    }
    viz_app_free(&app);
    TTF_Quit();
    SDL_Quit();
    return rc;
}
