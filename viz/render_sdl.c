/* viz/render_sdl.c: see render_sdl.h. */
#include "render_sdl.h"

#include <fontconfig/fontconfig.h>
#include <string.h>

/* ---- [SECTION] font ------------------------------------------------------------------ */

int viz_font_find(const char *override, char *path, size_t size, char *err, size_t err_size) {
    if (override != NULL && *override) {
        snprintf(path, size, "%s", override);
        return 0;
    }
    if (!FcInit()) {
        snprintf(err, err_size, "fontconfig: cannot initialise");
        return -1;
    }
    FcPattern *pat = FcNameParse((const FcChar8 *)"DejaVu Sans Mono:style=Book");
    if (pat == NULL) {
        snprintf(err, err_size, "fontconfig: out of memory");
        return -1;
    }
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res = FcResultNoMatch;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    int rc = -1;
    FcChar8 *file = NULL;
    if (match != NULL && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch && file != NULL) {
        snprintf(path, size, "%s", (const char *)file);
        rc = 0;
    } else {
        snprintf(err, err_size, "fontconfig: no monospace font found (install fonts-dejavu-core)");
    }
    if (match) FcPatternDestroy(match);
    FcPatternDestroy(pat);
    FcFini(); /* the path is all we need: free fontconfig's caches (LeakSanitizer sees them) */
    return rc;
}

static const uint32_t viz_extra_cps[] = {
    0x2026, /* … */ 0x2190, 0x2191, 0x2192, 0x2193, /* arrows */
    0x25b6, 0x25b8, 0x25be, /* ▶ ▸ ▾ */ 0x2016, /* ‖ */ 0x2022, /* • */
};

int viz_font_open(viz_font *f, SDL_Renderer *ren, const char *path, int32_t px, char *err, size_t err_size) {
    memset(f, 0, sizeof *f);
    f->font = TTF_OpenFont(path, px);
    if (f->font == NULL) {
        snprintf(err, err_size, "cannot open font %s: %s", path, TTF_GetError());
        return -1;
    }
    TTF_SetFontHinting(f->font, TTF_HINTING_LIGHT);
    int minx, maxx, miny, maxy, adv;
    if (TTF_GlyphMetrics32(f->font, 'M', &minx, &maxx, &miny, &maxy, &adv) != 0) adv = px * 6 / 10;
    f->cw = adv;
    f->ch = TTF_FontHeight(f->font);
    f->ascent = TTF_FontAscent(f->font);
    for (uint32_t c = 32; c < 127; c++) f->cps[f->count++] = c;
    for (uint32_t c = 0xa0; c < 0x100; c++) f->cps[f->count++] = c;
    for (size_t k = 0; k < sizeof viz_extra_cps / sizeof viz_extra_cps[0]; k++) f->cps[f->count++] = viz_extra_cps[k];
    SDL_assert(f->count <= VIZ_GLYPHS_MAX);
    int32_t cols = 32, cell_w = f->cw + 2, cell_h = f->ch + 2;
    int32_t rows = (f->count + cols - 1) / cols;
    f->atlas_surface = SDL_CreateRGBSurfaceWithFormat(0, cols * cell_w, rows * cell_h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (f->atlas_surface == NULL) {
        snprintf(err, err_size, "glyph atlas: %s", SDL_GetError());
        viz_font_close(f);
        return -1;
    }
    SDL_FillRect(f->atlas_surface, NULL, 0);
    SDL_Color white = {255, 255, 255, 255};
    for (int32_t i = 0; i < f->count; i++) {
        SDL_Rect cell = {(i % cols) * cell_w, (i / cols) * cell_h, f->cw, f->ch};
        f->cells[i] = cell;
        if (f->cps[i] == '?') f->fallback = i;
        if (f->cps[i] == ' ' || !TTF_GlyphIsProvided32(f->font, f->cps[i])) continue;
        SDL_Surface *g = TTF_RenderGlyph32_Blended(f->font, f->cps[i], white);
        if (g == NULL) continue;
        SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
        SDL_Rect dst = cell;
        dst.w = g->w < cell_w ? g->w : cell_w;
        dst.h = g->h < cell_h ? g->h : cell_h;
        SDL_Rect src = {0, 0, dst.w, dst.h};
        SDL_BlitSurface(g, &src, f->atlas_surface, &dst);
        SDL_FreeSurface(g);
    }
    f->atlas = SDL_CreateTextureFromSurface(ren, f->atlas_surface);
    if (f->atlas == NULL) {
        snprintf(err, err_size, "glyph atlas texture: %s", SDL_GetError());
        viz_font_close(f);
        return -1;
    }
    SDL_SetTextureBlendMode(f->atlas, SDL_BLENDMODE_BLEND);
    return 0;
}

void viz_font_close(viz_font *f) {
    if (f->atlas) SDL_DestroyTexture(f->atlas);
    if (f->atlas_surface) SDL_FreeSurface(f->atlas_surface);
    if (f->font) TTF_CloseFont(f->font);
    memset(f, 0, sizeof *f);
}

static int32_t viz_glyph_index(const viz_font *f, uint32_t cp) {
    if (cp >= 32 && cp < 127) return (int32_t)(cp - 32);
    if (cp >= 0xa0 && cp < 0x100) return (int32_t)(95 + cp - 0xa0);
    for (int32_t i = 95 + 96; i < f->count; i++)
        if (f->cps[i] == cp) return i;
    return f->fallback;
}

/* ---- [SECTION] drawing ------------------------------------------------------------------- */

static void viz_render_text(SDL_Renderer *ren, viz_font *f, const viz_draw *d, const char *s, uint32_t len) {
    SDL_SetTextureColorMod(f->atlas, (d->rgba >> 24) & 255, (d->rgba >> 16) & 255, (d->rgba >> 8) & 255);
    SDL_SetTextureAlphaMod(f->atlas, d->rgba & 255);
    int32_t x = d->x;
    for (uint32_t i = 0; i < len;) {
        uint32_t c = (unsigned char)s[i], cp;
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (i + (uint32_t)n > len) n = 1;
        cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
        for (int k = 1; k < n; k++) cp = cp << 6 | ((unsigned char)s[i + (uint32_t)k] & 0x3f);
        i += (uint32_t)n;
        if (cp != ' ') {
            int32_t gi = viz_glyph_index(f, cp);
            SDL_Rect dst = {x, d->y, f->cells[gi].w, f->cells[gi].h};
            SDL_RenderCopy(ren, f->atlas, &f->cells[gi], &dst);
        }
        x += f->cw;
    }
}

static void viz_set_colour(SDL_Renderer *ren, uint32_t rgba) {
    SDL_SetRenderDrawColor(ren, (rgba >> 24) & 255, (rgba >> 16) & 255, (rgba >> 8) & 255, rgba & 255);
    SDL_SetRenderDrawBlendMode(ren, (rgba & 255) == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

void viz_render(SDL_Renderer *ren, viz_font *f, const viz_drawlist *dl) {
    SDL_RenderSetClipRect(ren, NULL);
    for (int64_t i = 0; i < dl->count; i++) {
        const viz_draw *d = &dl->items[i];
        switch (d->type) {
        case VIZ_D_RECT: {
            if ((d->rgba & 255) == 0 || d->w <= 0 || d->h <= 0) break;
            viz_set_colour(ren, d->rgba);
            SDL_Rect r = {d->x, d->y, d->w, d->h};
            SDL_RenderFillRect(ren, &r);
            break;
        }
        case VIZ_D_OUTLINE: {
            viz_set_colour(ren, d->rgba);
            SDL_Rect r = {d->x, d->y, d->w, d->h};
            SDL_RenderDrawRect(ren, &r);
            break;
        }
        case VIZ_D_LINE:
            viz_set_colour(ren, d->rgba);
            SDL_RenderDrawLine(ren, d->x, d->y, d->x + d->w, d->y + d->h);
            break;
        case VIZ_D_TEXT: viz_render_text(ren, f, d, dl->text + d->text_off, d->text_len); break;
        case VIZ_D_CLIP: {
            SDL_Rect r = {d->x, d->y, d->w > 0 ? d->w : 1, d->h > 0 ? d->h : 1};
            SDL_RenderSetClipRect(ren, &r);
            break;
        }
        case VIZ_D_UNCLIP: SDL_RenderSetClipRect(ren, NULL); break;
        default: break;
        }
    }
    SDL_RenderSetClipRect(ren, NULL);
}
