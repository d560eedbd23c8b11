/* viz/hit.c: what is under a point of the draw list, and finding goroutines.
 * Pure C: the app asks, the renderer is not involved. */
#include <ctype.h>
#include <string.h>

#include "layout.h"

/* Forward over the list (later items are on top), honouring clip rectangles: a span
 * clipped away under the label column is not hit there. O(items); a frame has a few
 * thousand. */
const viz_draw *viz_hit(const viz_drawlist *dl, int32_t x, int32_t y) {
    VIZ_ASSERT(dl != NULL);
    const viz_draw *found = NULL;
    int clipped = 0;
    viz_rect clip = {0, 0, 0, 0};
    for (int64_t i = 0; i < dl->count; i++) {
        const viz_draw *d = &dl->items[i];
        if (d->type == VIZ_D_CLIP) {
            clipped = 1;
            clip = (viz_rect){d->x, d->y, d->w, d->h};
            continue;
        }
        if (d->type == VIZ_D_UNCLIP) {
            clipped = 0;
            continue;
        }
        if (d->hit == VIZ_HIT_NONE || d->type != VIZ_D_RECT) continue;
        if (clipped && (x < clip.x || y < clip.y || x >= clip.x + clip.w || y >= clip.y + clip.h)) continue;
        /* Thin spans get a few pixels of slack so that they can be hovered at all. */
        int32_t slack = d->w < 3 ? (3 - d->w + 1) / 2 : 0;
        if (x >= d->x - slack && x < d->x + d->w + slack && y >= d->y && y < d->y + d->h) found = d;
    }
    return found;
}

static int viz_contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0) return 0;
    for (const char *h = hay; *h; h++) {
        size_t k = 0;
        while (k < n && h[k] && tolower((unsigned char)h[k]) == tolower((unsigned char)needle[k])) k++;
        if (k == n) return 1;
    }
    return 0;
}

int64_t viz_find_g(const viz_index *ix, const char *text, int64_t *out, int64_t max) {
    VIZ_ASSERT(ix != NULL && text != NULL);
    while (*text == ' ') text++;
    if (*text == 0) return 0;
    const char *digits = text[0] == 'G' || text[0] == 'g' ? text + 1 : text;
    char *end = NULL;
    long long id = strtoll(digits, &end, 10);
    if (*digits && end && *end == 0) { /* an id: exactly that goroutine */
        int32_t l = viz_index_glane(ix, id);
        if (l < 0) return 0;
        if (max > 0) out[0] = id;
        return 1;
    }
    int64_t n = 0;
    for (int32_t l = ix->g_lane0; l < ix->lane_count; l++) {
        const viz_lane *ln = &ix->lanes[l];
        if (!viz_contains_ci(viz_str(ix->m, ln->fn), text)) continue;
        if (n < max) out[n] = ln->id;
        n++;
    }
    return n;
}
