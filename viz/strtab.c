/* viz/strtab.c: interned strings (see model.h). Ids are dense and stable; lookups hash
 * with FNV-1a and probe linearly in a power-of-two table kept at most half full. */
#include <string.h>

#include "model.h"

void viz__assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "gmpview: internal error: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

static uint64_t viz_str_hash(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int viz_strtab_rehash(viz_strtab *t, uint32_t new_cap) {
    VIZ_ASSERT((new_cap & (new_cap - 1)) == 0);
    VIZ_ASSERT(new_cap > t->count * 2);
    uint64_t *slots = calloc(new_cap, sizeof *slots);
    if (slots == NULL) return -1;
    for (uint32_t id = 0; id < t->count; id++) {
        const char *s = t->chars + t->offs[id];
        uint64_t h = viz_str_hash(s, strlen(s));
        uint32_t k = (uint32_t)h & (new_cap - 1);
        while (slots[k] != 0) k = (k + 1) & (new_cap - 1);
        slots[k] = (h >> 32) << 32 | (id + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_cap = new_cap;
    return 0;
}

static uint32_t viz_strtab_add(viz_strtab *t, const char *s, size_t len, uint32_t slot, uint64_t h) {
    if (t->chars_len + len + 1 > t->chars_cap) {
        uint64_t cap = t->chars_cap ? t->chars_cap : 4096;
        while (cap < t->chars_len + len + 1) cap *= 2;
        char *c = realloc(t->chars, cap);
        if (c == NULL) return UINT32_MAX;
        t->chars = c;
        t->chars_cap = cap;
    }
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        uint64_t *o = realloc(t->offs, (size_t)cap * sizeof *o);
        if (o == NULL) return UINT32_MAX;
        t->offs = o;
        t->cap = cap;
    }
    uint32_t id = t->count++;
    t->offs[id] = t->chars_len;
    memcpy(t->chars + t->chars_len, s, len);
    t->chars[t->chars_len + len] = 0;
    t->chars_len += len + 1;
    t->slots[slot] = (h >> 32) << 32 | (id + 1);
    return id;
}

uint32_t viz_str_intern(viz_strtab *t, const char *s, size_t len, int *oom) {
    VIZ_ASSERT(s != NULL || len == 0);
    if (t->slot_cap == 0) {
        if (viz_strtab_rehash(t, 1024) != 0) goto fail;
        int dummy = 0;
        viz_str_intern(t, "", 0, &dummy); /* id 0 */
        if (dummy) goto fail;
    }
    /* A string with an embedded NUL would not round-trip: keep the part before it. */
    const char *nul = memchr(s, 0, len);
    if (nul != NULL) len = (size_t)(nul - s);
    if (len == 0 && t->count > 0) return 0;
    if ((t->count + 1) * 2 > t->slot_cap && viz_strtab_rehash(t, t->slot_cap * 2) != 0) goto fail;
    uint64_t h = viz_str_hash(s, len);
    uint32_t k = (uint32_t)h & (t->slot_cap - 1);
    for (uint32_t probes = 0; probes < t->slot_cap; probes++, k = (k + 1) & (t->slot_cap - 1)) {
        uint64_t slot = t->slots[k];
        uint32_t v = (uint32_t)slot;
        if (v == 0) {
            uint32_t id = viz_strtab_add(t, s, len, k, h);
            if (id == UINT32_MAX) goto fail;
            return id;
        }
        if (slot >> 32 != h >> 32) continue; /* a different hash: a different string */
        const char *c = t->chars + t->offs[v - 1];
        if (memcmp(c, s, len) == 0 && c[len] == 0) return v - 1;
    }
    VIZ_ASSERT(0 && "strtab: table full");
fail:
    *oom = 1;
    return 0;
}

uint32_t viz_str_find(const viz_model *m, const char *s) {
    const viz_strtab *t = &m->strs;
    if (t->slot_cap == 0 || s == NULL || *s == 0) return 0;
    size_t len = strlen(s);
    uint64_t h = viz_str_hash(s, len);
    uint32_t k = (uint32_t)h & (t->slot_cap - 1);
    for (uint32_t probes = 0; probes < t->slot_cap; probes++, k = (k + 1) & (t->slot_cap - 1)) {
        uint32_t v = (uint32_t)t->slots[k];
        if (v == 0) return 0;
        if (strcmp(t->chars + t->offs[v - 1], s) == 0) return v - 1;
    }
    return 0;
}
