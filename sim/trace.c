/* sim/trace.c: see trace.h. */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

uint64_t sim_fnv1a(uint64_t h, const void *data, size_t len) {
    SIM_ASSERT(data != NULL || len == 0);
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= SIM_FNV_PRIME;
    }
    return h;
}

void sim_trace_init(sim_trace *tr, FILE *out) {
    SIM_ASSERT(tr != NULL);
    memset(tr, 0, sizeof *tr);
    tr->out = out;
    tr->digest = SIM_FNV_OFFSET;
}

/* Integers go in as raw JSON text: cJSON's number printer formats a double with
 * %1.15g and parses it back to check, which was 40% of the cost of writing a file. */
void sim_trace_add_int(cJSON *obj, const char *key, int64_t v) {
    SIM_ASSERT(obj != NULL);
    /* The text is exact for every int64; readers that hold numbers as doubles lose
     * precision past 2^53 (docs/schedule-format.md says so). */
    char buf[24];
    char *p = buf + sizeof buf;
    *--p = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) *--p = '-';
    cJSON_AddRawToObject(obj, key, p);
}

void sim_trace_add_addr(cJSON *obj, const char *key, uint64_t addr) {
    SIM_ASSERT(obj != NULL);
    char buf[24];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)addr);
    cJSON_AddStringToObject(obj, key, buf);
}

void sim_trace_add_hex(cJSON *obj, const char *key, const void *data, size_t len) {
    SIM_ASSERT(obj != NULL);
    SIM_ASSERT(data != NULL || len == 0);
    static const char digits[] = "0123456789abcdef";
    char small[256];
    char *buf = len * 2 + 1 <= sizeof small ? small : malloc(len * 2 + 1);
    if (buf == NULL) {
        cJSON_AddStringToObject(obj, key, "");
        return;
    }
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        buf[2 * i] = digits[p[i] >> 4];
        buf[2 * i + 1] = digits[p[i] & 15];
    }
    buf[len * 2] = 0;
    cJSON_AddStringToObject(obj, key, buf);
    if (buf != small) free(buf);
}

cJSON *sim__trace_event_json(sim_trace *tr, int64_t index, int64_t t_ns, const char *ev) {
    SIM_ASSERT(tr->out != NULL);
    SIM_ASSERT(t_ns >= 0);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) return NULL;
    sim_trace_add_int(o, "i", index);
    sim_trace_add_int(o, "t", t_ns);
    cJSON_AddStringToObject(o, "ev", ev);
    return o;
}

static void sim_trace_write_line(sim_trace *tr, cJSON *obj) {
    /* Print into a reused buffer; cJSON_PrintPreallocated fails when it is too small,
     * then the line is printed into a fresh allocation instead. */
    static char line[8192];
    char *s = line;
    if (!cJSON_PrintPreallocated(obj, line, (int)sizeof line - 1, 0)) s = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (s == NULL) {
        tr->write_failed = 1;
        return;
    }
    size_t n = strlen(s);
    s[n] = '\n';
    tr->digest = sim_fnv1a(tr->digest, s, n + 1);
    if (fwrite(s, 1, n + 1, tr->out) != n + 1) tr->write_failed = 1;
    s[n] = 0;
    if (s != line) free(s);
}

void sim_trace_emit(sim_trace *tr, cJSON *obj) {
    SIM_ASSERT(tr != NULL);
    if (obj == NULL) return;
    SIM_ASSERT(tr->out != NULL);
    sim_trace_write_line(tr, obj);
}

void sim_trace_write_raw(sim_trace *tr, cJSON *obj) {
    SIM_ASSERT(tr != NULL);
    SIM_ASSERT(obj != NULL);
    if (tr->out == NULL) {
        cJSON_Delete(obj);
        return;
    }
    sim_trace_write_line(tr, obj);
}
