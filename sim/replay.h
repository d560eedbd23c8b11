/* sim/replay.h: reading schedule files, and replaying them (gmp_replay_file).
 *
 * sim_sf_load reads a whole schedule file into memory and checks what replay,
 * shrink, export and dump rely on: the header (format, version, scenario, seed,
 * strategy, options), one JSON object a line with "i" counting from 0, the footer
 * (outcome, message, report, digest), and every Decision (kind, n, choice, and the
 * identity fields key, cands, pick). Errors name the file, the 1-based line and the
 * field: "a.jsonl:12: choice: 5 is not below n=4".
 *
 * A replay runs the recorded scenario with the recorded options under a strategy
 * that answers each decision from the recording:
 *  - strict: by position (decision k gets the k-th recorded choice when kind and n
 *    agree); the run's schedule is compared line by line with the file as it is
 *    written, so the first divergent line is known without keeping the new file;
 *  - lenient: by identity (docs/replay.md): the next recorded decision of the same
 *    kind and key within a window, its pick found among the current options by
 *    identity; a decision with no match is drawn from the recorded seed's stream.
 */
#ifndef SIM_REPLAY_H
#define SIM_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "gmpsim.h"

typedef struct sim_sf_decision {
    int64_t line;           /* 0-based line index in the file */
    int64_t event;          /* its "i" */
    int64_t t_ns;
    char kind[32];
    uint32_t n, choice;
    char *key;              /* "P1", "tie:a,b", "main at x.c:9" ("" when none); malloc'd */
    char *pick;             /* the chosen option's identity or meaning, or NULL */
    char **cands;           /* tie: the options' identities, or NULL */
    uint32_t cand_count;
} sim_sf_decision;

typedef struct sim_sf {
    char path[1024];
    char *buf;              /* the whole file; lines are NUL-terminated in place */
    size_t size_bytes;
    char **lines;           /* nlines pointers into buf, without the '\n' */
    size_t *lens;
    int64_t nlines;         /* header + events + footer */
    int version;
    char scenario[128];
    char strategy[64];
    gmp_options opt;        /* seed, procs, go_minor, max_events, max_time_ns from the header */
    int32_t outcome;        /* gmp_outcome from the footer */
    char *message;          /* footer's message (malloc'd) */
    char *report;           /* footer's report, or NULL (malloc'd) */
    char digest[40];        /* "fnv1a64:..." */
    int64_t end_t_ns;
    int64_t events;         /* event lines (nlines - 2) */
    sim_sf_decision *dec;
    int64_t ndec;
} sim_sf;

/* Loads path. 0, or -1 with err "path:line: field: what". */
int sim_sf_load(sim_sf *sf, const char *path, char *err, size_t err_size);
void sim_sf_free(sim_sf *sf);
/* gmp_options from the header, ready for gmp_run (strategy and sinks unset). */
void sim_sf_options(const sim_sf *sf, gmp_options *opt);
/* The footer's signature (gmp_signature). */
void sim_sf_signature(const sim_sf *sf, char *buf, size_t size);
/* Decisions whose choice is not 0. */
int64_t sim_sf_deviations(const sim_sf *sf);

/* "main.worker@steal.c:22#3" -> "main.worker@steal.c#3": identities and keys with the
 * line numbers left out, so that they survive an edit that moves code. */
void sim_replay_fuzz(const char *in, char *out, size_t size);

/* A FILE that compares what is written to it with sf, line by line (fopencookie). */
typedef struct sim_cmp_file {
    const sim_sf *sf;
    int64_t line;           /* lines completed so far */
    char *cur;              /* the line being written */
    size_t cur_len, cur_cap;
    int64_t diverge;        /* first differing 0-based line, or -1 */
    char *recorded, *replayed;
    FILE *copy;             /* also written here, or NULL */
    uint64_t digest;        /* FNV-1a 64 of every byte written */
    uint64_t digest_line;   /* ... before the last line begun: the footer's, at the end */
} sim_cmp_file;
FILE *sim_cmp_open(sim_cmp_file *cf, const sim_sf *sf, FILE *copy);
/* After fclose: a missing tail counts as a divergence. */
void sim_cmp_finish(sim_cmp_file *cf);
void sim_cmp_free(sim_cmp_file *cf);

#endif
