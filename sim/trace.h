/* sim/trace.h: the schedule file writer (JSON Lines through cJSON).
 *
 * Line 1 is the header, then one event a line, then the footer. Every event has
 * "i" (its index from 0), "t" (virtual ns) and "ev" (its kind). The footer carries
 * the FNV-1a 64 digest of every byte before it. docs/schedule-format.md documents
 * each field; docs/schedule.schema.json is the JSON Schema.
 *
 * Events are counted even with no file, so that limits and counts do not depend on
 * whether a file is written; the JSON is only built when there is a file.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sim_trace {
    FILE *out;            /* NULL: count only */
    uint64_t digest;      /* FNV-1a 64 over the bytes written so far */
    int64_t count;        /* events so far (header and footer excluded) */
    int write_failed;     /* an fputs/fflush failed (disk full, closed pipe) */
} sim_trace;

#define SIM_FNV_OFFSET 0xcbf29ce484222325ull
#define SIM_FNV_PRIME 0x100000001b3ull

void sim_trace_init(sim_trace *tr, FILE *out);
cJSON *sim__trace_event_json(sim_trace *tr, int64_t index, int64_t t_ns, const char *ev);
/* Starts an event: returns a cJSON object with i, t, ev, or NULL with no file. */
static inline cJSON *sim_trace_event(sim_trace *tr, int64_t t_ns, const char *ev) {
    int64_t index = tr->count++;
    if (tr->out == NULL) return NULL;
    return sim__trace_event_json(tr, index, t_ns, ev);
}
/* Writes a line built by sim_trace_event (NULL is a no-op) and frees it. */
void sim_trace_emit(sim_trace *tr, cJSON *obj);
/* Writes a header or footer object (no i/t) and frees it. */
void sim_trace_write_raw(sim_trace *tr, cJSON *obj);
/* FNV-1a 64 of len bytes, continuing from h. */
uint64_t sim_fnv1a(uint64_t h, const void *data, size_t len);
/* Adds "bytes":"0a0b..." (lowercase hex) to obj. */
void sim_trace_add_hex(cJSON *obj, const char *key, const void *data, size_t len);
/* Adds an integer, written exactly as digits (any int64). */
void sim_trace_add_int(cJSON *obj, const char *key, int64_t v);
/* Adds "0xc000012345"-style simulated address. */
void sim_trace_add_addr(cJSON *obj, const char *key, uint64_t addr);

#endif
