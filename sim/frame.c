/* sim/frame.c: see frame.h. */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

const char *sim_basename(const char *path) {
    if (path == NULL) return "?";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

uint64_t sim_stack_hi_addr(const sim_g *g) {
    SIM_ASSERT(g->stack_ordinal >= 0);
    return SIM_STACK_BASE + (uint64_t)(g->stack_ordinal + 1) * SIM_STACK_MIN;
}

uint64_t sim_heap_alloc(sim_sched *s, uint64_t size_bytes) {
    SIM_ASSERT(size_bytes > 0);
    uint64_t addr = s->heap_next;
    s->heap_next += (size_bytes + 15) & ~15ull; /* 16-byte size classes, no GC */
    SIM_ASSERT(s->heap_next > addr);
    return addr;
}

int sim_frame_push(sim_sched *s, sim_g *g, const char *name, const void *args, uint32_t size_bytes,
                   uint64_t args_addr, const char *file, int line) {
    SIM_ASSERT(name != NULL);
    if (g->frame_count >= SIM_FRAMES_MAX) return -1;
    if (g->frame_count == g->frame_cap) {
        int32_t cap = g->frame_cap ? g->frame_cap * 2 : 2; /* most goroutines are one or two frames deep */
        sim_frame *f = realloc(g->frames, (size_t)cap * sizeof *f);
        if (f == NULL) return -1;
        g->frames = f;
        g->frame_cap = cap;
    }
    uint64_t below = g->frame_count ? g->frames[g->frame_count - 1].sp : sim_stack_hi_addr(g);
    sim_frame *f = &g->frames[g->frame_count++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->file = file; /* raw __FILE__: sim_basename only when shown, it is on the hot path */
    f->line = line;
    f->args_size_bytes = size_bytes;
    f->args_addr = size_bytes ? args_addr : below;
    f->sp = size_bytes ? args_addr : below;
    f->sp -= 8; /* the return address slot */
    for (uint32_t off = 0; args && off < size_bytes && f->word_count < SIM_ARG_WORDS_SHOWN; off += 8) {
        uint64_t w = 0;
        memcpy(&w, (const unsigned char *)args + off, size_bytes - off < 8 ? size_bytes - off : 8);
        f->words[f->word_count++] = w;
    }
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "FrameEnter");
    if (o) {
        sim_trace_add_int(o, "g", g->goid);
        cJSON_AddStringToObject(o, "fn", name);
        sim_trace_add_int(o, "depth", g->frame_count - 1);
        cJSON *ws = cJSON_AddArrayToObject(o, "args");
        for (uint32_t i = 0; i < f->word_count; i++) {
            char b[24];
            snprintf(b, sizeof b, "0x%llx", (unsigned long long)f->words[i]);
            cJSON_AddItemToArray(ws, cJSON_CreateString(b));
        }
        sim_trace_add_addr(o, "args_addr", f->args_addr);
        sim_trace_add_int(o, "args_size", size_bytes);
        cJSON_AddStringToObject(o, "file", sim_basename(f->file));
        sim_trace_add_int(o, "line", line);
        sim_trace_emit(&s->trace, o);
    }
    return 0;
}

void sim_frame_pop(sim_sched *s, sim_g *g) {
    SIM_ASSERT(g->frame_count > 0);
    int32_t top = g->frame_count - 1;
    cJSON *o = sim_trace_event(&s->trace, s->now_ns, "FrameExit");
    if (o) {
        sim_trace_add_int(o, "g", g->goid);
        cJSON_AddStringToObject(o, "fn", g->frames[top].name);
        sim_trace_add_int(o, "depth", top);
        sim_trace_emit(&s->trace, o);
    }
    while (g->slot_count > 0 && g->slots[g->slot_count - 1].frame_index == top) g->slot_count--;
    g->frame_count--;
}

void sim_frames_clear(sim_sched *s, sim_g *g) {
    while (g->frame_count > 0) sim_frame_pop(s, g);
    SIM_ASSERT(g->slot_count == 0);
}

void sim_frame_set_line(sim_g *g, const char *file, int line) {
    if (g->frame_count == 0) return;
    sim_frame *f = &g->frames[g->frame_count - 1];
    f->file = file;
    f->line = line;
}

uint64_t sim_slot_addr(sim_sched *s, sim_g *g, const char *name, uint32_t size_bytes) {
    (void)s;
    SIM_ASSERT(g->frame_count > 0);
    SIM_ASSERT(name != NULL);
    while (*name == '&' || *name == ' ' || *name == '(') name++;
    int32_t top = g->frame_count - 1;
    /* The names are string literals of call sites: pointer equality first (hot path). */
    for (int32_t i = g->slot_count - 1; i >= 0 && g->slots[i].frame_index == top; i--)
        if (g->slots[i].name == name) return g->slots[i].addr;
    for (int32_t i = g->slot_count - 1; i >= 0 && g->slots[i].frame_index == top; i--)
        if (strcmp(g->slots[i].name, name) == 0) return g->slots[i].addr;
    if (g->slot_count == g->slot_cap) {
        int32_t cap = g->slot_cap ? g->slot_cap * 2 : 2;
        sim_slot *n = realloc(g->slots, (size_t)cap * sizeof *n);
        if (n == NULL) return 0;
        g->slots = n;
        g->slot_cap = cap;
    }
    sim_frame *f = &g->frames[top];
    f->sp -= ((uint64_t)size_bytes + 7) & ~7ull;
    sim_slot *sl = &g->slots[g->slot_count++];
    sl->name = name;
    sl->addr = f->sp;
    sl->size_bytes = size_bytes;
    sl->frame_index = top;
    return sl->addr;
}

static void sim_frame_print(const sim_frame *f, FILE *out) {
    fprintf(out, "%s(", f->name);
    for (uint32_t i = 0; i < f->word_count; i++)
        fprintf(out, "%s0x%llx", i ? ", " : "", (unsigned long long)f->words[i]);
    if (f->args_size_bytes > SIM_ARG_WORDS_SHOWN * 8) fprintf(out, ", ...");
    fprintf(out, ")\n\t%s:%d\n", sim_basename(f->file), f->line);
}

void sim_traceback(sim_sched *s, const sim_g *g, FILE *out) {
    const char *status = g->status == SIM_GWAITING ? sim_waitreason_string(g->waitreason)
                                                   : sim_gstatus_string(g->status);
    fprintf(out, "goroutine %lld [%s", (long long)g->goid, status);
    if (g->status == SIM_GWAITING) {
        int64_t minutes = (s->now_ns - g->waitsince_ns) / (60 * INT64_C(1000000000));
        if (minutes >= 1) fprintf(out, ", %lld minutes", (long long)minutes);
    }
    fprintf(out, "]:\n");
    for (int32_t i = g->frame_count - 1; i >= 0; i--) sim_frame_print(&g->frames[i], out);
    if (g->parent_goid > 0)
        fprintf(out, "created by %s in goroutine %lld\n\t%s:%d\n", g->created_by, (long long)g->parent_goid,
                sim_basename(g->created_file), g->created_line);
    else if (g->created_by != NULL)
        fprintf(out, "created by %s\n\t%s:%d\n", g->created_by, sim_basename(g->created_file), g->created_line);
}

void sim_dump_all(sim_sched *s, FILE *out) {
    int first = 1;
    for (int32_t i = 0; i < s->g_count; i++) {
        const sim_g *g = s->allg[i];
        if (g->status == SIM_GDEAD || g->status == SIM_GIDLE) continue;
        if (!first) fputc('\n', out);
        first = 0;
        sim_traceback(s, g, out);
    }
}
