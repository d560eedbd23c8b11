/* viz/render_sdl.h: draws a viz_drawlist with an SDL_Renderer (the ImGui backend's
 * role: ImGui_ImplSDLRenderer2_RenderDrawData). Nothing here decides what to draw.
 *
 * Text: one monospace TTF font, found through fontconfig (or given), rendered once
 * into a glyph atlas texture (ASCII, Latin-1 and a few symbols); each character is
 * then one textured copy, tinted per item. Same font file, same pixels: headless
 * PNGs are byte-identical across runs.
 */
#ifndef VIZ_RENDER_SDL_H
#define VIZ_RENDER_SDL_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "layout.h"

enum { VIZ_GLYPHS_MAX = 256 };

typedef struct viz_font {
    TTF_Font *font;
    int32_t cw, ch;                 /* the cell: advance and line height, px */
    int32_t ascent;
    SDL_Surface *atlas_surface;
    SDL_Texture *atlas;             /* white glyphs on transparent */
    uint32_t cps[VIZ_GLYPHS_MAX];   /* code points, sorted */
    SDL_Rect cells[VIZ_GLYPHS_MAX];
    int32_t count;
    int32_t fallback;               /* index of '?' */
} viz_font;

/* The path of a monospace font: override if given, else fontconfig's match for
 * "DejaVu Sans Mono". Returns 0 and fills path, or -1 with a message in err. */
int viz_font_find(const char *override, char *path, size_t size, char *err, size_t err_size);
/* Opens the font at px pixels and builds the atlas for ren. */
int viz_font_open(viz_font *f, SDL_Renderer *ren, const char *path, int32_t px, char *err, size_t err_size);
void viz_font_close(viz_font *f);

void viz_render(SDL_Renderer *ren, viz_font *f, const viz_drawlist *dl);

#endif
