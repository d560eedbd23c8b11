/* tests/test_chan.c: channels (sim/chan.c) against cases whose Go outcome is known.
 *
 * A table of small programs, each checked on what it printed, its outcome and message,
 * and the events of its schedule: the direct copies between stacks on an unbuffered
 * channel, the ring buffer's slots with sendx/recvx wrapping, a full buffer's parked
 * sender and the receive that refills its slot, nil channels blocking forever with
 * their own wait reasons, close (buffered values survive it, receivers get the zero
 * value and ok=false, parked senders panic), the two-value receive and a range loop,
 * the runtime's panic texts word for word, and the deadlock dump's format.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmpsim.h"
#include "suites.h"
#include "t_run.h"

Suite *chan_suite(void);

/* ---- [SECTION] running and reading the schedule ------------------------------------------ */

/* The shared runner (t_run.h) at go 1.22 with the schedule, at most 1,000,000 events. */
static void h_run_scenario(t_run *r, const char *name, int32_t procs, uint64_t seed) {
    gmp_options opt;
    t_options(&opt, procs, 22, seed);
    opt.max_events = 1000000;
    t_run_opt(r, name, &opt, true);
}

/* The n-th ValueCopy (from 0) whose why starts with prefix. */
static const cJSON *h_copy(const t_run *r, const char *prefix, int n) {
    for (int32_t i = 0; i < r->ev_count; i++) {
        if (!t_is(r->ev[i], "ValueCopy")) continue;
        const char *why = t_str(r->ev[i], "why");
        if (why && strncmp(why, prefix, strlen(prefix)) == 0 && n-- == 0) return r->ev[i];
    }
    return NULL;
}

/* ---- [SECTION] programs ---------------------------------------------------------------------- */

typedef struct {
    gmp_chan ch;
    gmp_chan done;
    int64_t n;
} h_args;

/* Unbuffered, receiver first: sendDirect onto its stack; sender first: recvDirect. */
static void h_receiver(void *argp) {
    h_args *a = argp;
    int64_t v = 0;
    gmp_local(v);
    bool ok = gmp_recv(a->ch, &v);
    gmp_printf("got %lld ok=%d\n", (long long)v, ok);
    gmp_work(50000);
    ok = gmp_recv(a->ch, &v);
    gmp_printf("got %lld ok=%d\n", (long long)v, ok);
}
static void h_unbuffered_main(void *argp) {
    (void)argp;
    h_args a = {.ch = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(h_receiver, a);
    gmp_sleep(10000);
    int64_t x = 11;
    gmp_local(x);
    gmp_send(a.ch, &x); /* the receiver waits: sendDirect */
    x = 22;
    gmp_send(a.ch, &x); /* the receiver is busy: park, then recvDirect */
    gmp_sleep(10000);
}
GMP_SCENARIO(test_chan_unbuffered, "unbuffered handoffs", h_unbuffered_main)

/* Buffered, cap 3: 3 sends fill buf[0..2]; 2 receives take buf[0], buf[1]; 2 sends
 * wrap to buf[0], buf[1]; the remaining values come out in order. */
static void h_ring_main(void *argp) {
    (void)argp;
    gmp_chan ch = gmp_make_chan(sizeof(int64_t), 3);
    int64_t v = 0;
    for (v = 1; v <= 3; v++) gmp_send(ch, &v);
    for (int i = 0; i < 2; i++) {
        gmp_recv(ch, &v);
        gmp_printf("%lld ", (long long)v);
    }
    for (v = 4; v <= 5; v++) gmp_send(ch, &v);
    for (int i = 0; i < 3; i++) {
        gmp_recv(ch, &v);
        gmp_printf("%lld ", (long long)v);
    }
    gmp_printf("\n");
}
GMP_SCENARIO(test_chan_ring, "ring buffer", h_ring_main)

/* A full buffer (cap 2): the third send parks in "chan send"; the receive takes the
 * head and puts the parked sender's value into the slot it freed. */
static void h_filler(void *argp) {
    h_args *a = argp;
    for (int64_t v = 1; v <= 3; v++) gmp_send(a->ch, &v);
    gmp_send(a->done, NULL);
}
static void h_full_main(void *argp) {
    (void)argp;
    h_args a = {.ch = gmp_make_chan(sizeof(int64_t), 2), .done = gmp_make_chan(0, 0)};
    GMP_GO(h_filler, a);
    gmp_sleep(10000);
    int64_t v = 0;
    for (int i = 0; i < 3; i++) {
        gmp_recv(a.ch, &v);
        gmp_printf("%lld ", (long long)v);
    }
    gmp_recv(a.done, NULL);
    gmp_printf("\n");
}
GMP_SCENARIO(test_chan_full, "full buffer", h_full_main)

/* Nil channels block forever: a sender and a receiver, then main waits for them. */
static void h_nil_sender(void *argp) {
    (void)argp;
    int64_t v = 1;
    gmp_send(GMP_NIL_CHAN, &v);
}
static void h_nil_receiver(void *argp) {
    (void)argp;
    gmp_recv(GMP_NIL_CHAN, NULL);
}
static void h_nil_main(void *argp) {
    (void)argp;
    GMP_GO0(h_nil_sender);
    GMP_GO0(h_nil_receiver);
    gmp_recv(GMP_NIL_CHAN, NULL);
}
GMP_SCENARIO(test_chan_nil, "nil channels", h_nil_main)

/* close: buffered values survive; then zero values with ok=false, forever. */
static void h_close_main(void *argp) {
    (void)argp;
    gmp_chan ch = gmp_make_chan(sizeof(int64_t), 4);
    int64_t v = 7;
    gmp_send(ch, &v);
    v = 8;
    gmp_send(ch, &v);
    gmp_close(ch);
    for (int i = 0; i < 4; i++) {
        v = -1;
        bool ok = gmp_recv(ch, &v);
        gmp_printf("v=%lld ok=%d\n", (long long)v, ok);
    }
}
GMP_SCENARIO(test_chan_close, "close semantics", h_close_main)

/* close wakes every parked receiver with the zero value and ok=false. */
static void h_waiter(void *argp) {
    h_args *a = argp;
    int64_t v = 99;
    bool ok = gmp_recv(a->ch, &v);
    int64_t r = ok ? -1 : v; /* 0 when woken by close */
    gmp_send(a->done, &r);
}
static void h_close_wakes_main(void *argp) {
    (void)argp;
    h_args a = {.ch = gmp_make_chan(sizeof(int64_t), 0), .done = gmp_make_chan(sizeof(int64_t), 3)};
    for (int i = 0; i < 3; i++) GMP_GO(h_waiter, a);
    gmp_sleep(10000);
    gmp_close(a.ch);
    int64_t sum = 0;
    for (int i = 0; i < 3; i++) {
        int64_t r = 0;
        gmp_recv(a.done, &r);
        sum += r;
    }
    gmp_printf("woken with zero values: %d\n", sum == 0);
}
GMP_SCENARIO(test_chan_close_wakes, "close wakes receivers", h_close_wakes_main)

/* for v := range ch: until closed, after the values. */
static void h_producer(void *argp) {
    h_args *a = argp;
    for (int64_t v = 1; v <= a->n; v++) gmp_send(a->ch, &v);
    gmp_close(a->ch);
}
static void h_range_main(void *argp) {
    (void)argp;
    h_args a = {.ch = gmp_make_chan(sizeof(int64_t), 2), .n = 5};
    GMP_GO(h_producer, a);
    int64_t v = 0, sum = 0, n = 0;
    while (gmp_recv(a.ch, &v)) {
        sum += v;
        n++;
    }
    gmp_printf("n=%lld sum=%lld\n", (long long)n, (long long)sum);
}
GMP_SCENARIO(test_chan_range, "range over a channel", h_range_main)

/* The panics. */
static void h_send_closed_main(void *argp) {
    (void)argp;
    gmp_chan ch = gmp_make_chan(sizeof(int64_t), 1);
    gmp_close(ch);
    int64_t v = 1;
    gmp_send(ch, &v);
}
GMP_SCENARIO(test_chan_send_closed, "send on closed", h_send_closed_main)

static void h_close_closed_main(void *argp) {
    (void)argp;
    gmp_chan ch = gmp_make_chan(0, 0);
    gmp_close(ch);
    gmp_close(ch);
}
GMP_SCENARIO(test_chan_close_closed, "close of closed", h_close_closed_main)

static void h_close_nil_main(void *argp) {
    (void)argp;
    gmp_close(GMP_NIL_CHAN);
}
GMP_SCENARIO(test_chan_close_nil, "close of nil", h_close_nil_main)

/* A sender parked on a channel that is then closed panics when it wakes. */
static void h_parked_sender(void *argp) {
    h_args *a = argp;
    int64_t v = 1;
    gmp_send(a->ch, &v);
}
static void h_close_parked_sender_main(void *argp) {
    (void)argp;
    h_args a = {.ch = gmp_make_chan(sizeof(int64_t), 0)};
    GMP_GO(h_parked_sender, a);
    gmp_sleep(10000);
    gmp_close(a.ch);
    gmp_sleep(10000);
}
GMP_SCENARIO(test_chan_close_parked_sender, "close with a parked sender", h_close_parked_sender_main)

/* ---- [SECTION] tests ---------------------------------------------------------------------------- */

START_TEST(test_chan_unbuffered_direct_copies) {
    t_run r;
    h_run_scenario(&r, "test_chan_unbuffered", 2, 1);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "got 11 ok=1\ngot 22 ok=1\n");
    const cJSON *sd = h_copy(&r, "sendDirect", 0);
    const cJSON *rd = h_copy(&r, "recvDirect", 0);
    ck_assert_msg(sd != NULL && rd != NULL, "one sendDirect and one recvDirect");
    /* sendDirect: main's stack -> the receiver's stack; recvDirect: the parked sender's
     * (main's) stack -> the receiver's stack, into the same local v. */
    ck_assert_str_eq(t_str(sd, "src_kind"), "stack");
    ck_assert_str_eq(t_str(sd, "dst_kind"), "stack");
    ck_assert_int_eq(t_int(sd, "src_g"), 1);
    ck_assert_int_eq(t_int(sd, "dst_g"), 2);
    ck_assert_int_eq(t_int(rd, "src_g"), 1);
    ck_assert_int_eq(t_int(rd, "dst_g"), 2);
    ck_assert_uint_eq(t_addr(sd, "dst_addr"), t_addr(rd, "dst_addr"));
    ck_assert_uint_eq(t_addr(sd, "src_addr"), t_addr(rd, "src_addr"));
    ck_assert_str_eq(t_str(sd, "bytes"), "0b00000000000000");
    ck_assert_str_eq(t_str(rd, "bytes"), "1600000000000000");
    ck_assert_int_eq(t_count(&r, "ValueCopy"), 2); /* no buffer involved */
    /* the second send parked main in "chan send" */
    bool parked = false;
    for (int32_t i = 0; (i = t_find(&r, i, "GoBlock")) >= 0; i++)
        parked |= t_int(r.ev[i], "g") == 1 && strcmp(t_str(r.ev[i], "reason"), "chan send") == 0;
    ck_assert_msg(parked, "main parked in chan send");
    t_free(&r);
}
END_TEST

START_TEST(test_chan_ring_buffer) {
    t_run r;
    h_run_scenario(&r, "test_chan_ring", 1, 1);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "1 2 3 4 5 \n");
    int32_t mk = t_find(&r, 0, "ChanMake");
    ck_assert_int_ge(mk, 0);
    uint64_t buf = t_addr(r.ev[mk], "chan") + 96; /* buf follows the 96-byte hchan */
    /* Slots of the sends, in order: sendx 0,1,2 then wraps to 0,1; receives: recvx 0,1
     * then 2,0,1. */
    static const int send_slots[] = {0, 1, 2, 0, 1}, recv_slots[] = {0, 1, 2, 0, 1};
    for (int k = 0; k < 5; k++) {
        const cJSON *s = h_copy(&r, "chansend: into buf[sendx]", k);
        const cJSON *g = h_copy(&r, "chanrecv: from buf[recvx]", k);
        ck_assert_msg(s && g, "copy %d", k);
        ck_assert_str_eq(t_str(s, "dst_kind"), "buffer");
        ck_assert_str_eq(t_str(g, "src_kind"), "buffer");
        ck_assert_uint_eq(t_addr(s, "dst_addr"), buf + 8u * (uint64_t)send_slots[k]);
        ck_assert_uint_eq(t_addr(g, "src_addr"), buf + 8u * (uint64_t)recv_slots[k]);
    }
    t_free(&r);
}
END_TEST

START_TEST(test_chan_full_buffer_parks_sender) {
    for (int32_t procs = 1; procs <= 4; procs += 3) {
        t_run r;
        h_run_scenario(&r, "test_chan_full", procs, 1);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "1 2 3 \n");
        bool parked = false;
        for (int32_t i = 0; (i = t_find(&r, i, "GoBlock")) >= 0; i++)
            parked |= t_int(r.ev[i], "g") == 2 && strcmp(t_str(r.ev[i], "reason"), "chan send") == 0;
        ck_assert_msg(parked, "the third send parks in chan send");
        const cJSON *head = h_copy(&r, "recv: from buf[recvx] of a full buffer", 0);
        const cJSON *refill = h_copy(&r, "recv: the parked sender's value into the freed slot", 0);
        ck_assert_msg(head && refill, "the full-buffer receive's two copies");
        ck_assert_uint_eq(t_addr(head, "src_addr"), t_addr(refill, "dst_addr"));
        ck_assert_str_eq(t_str(refill, "bytes"), "0300000000000000");
        t_free(&r);
    }
}
END_TEST

START_TEST(test_chan_nil_blocks_forever) {
    t_run r;
    h_run_scenario(&r, "test_chan_nil", 2, 1);
    T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
    ck_assert_str_eq(r.res.message, "fatal error: all goroutines are asleep - deadlock!");
    T_REPORT_HAS(&r, "goroutine 1 [chan receive (nil chan)]:\nmain.main()\n");
    T_REPORT_HAS(&r, " [chan send (nil chan)]:\nmain.h_nil_sender()\n");
    T_REPORT_HAS(&r, " [chan receive (nil chan)]:\nmain.h_nil_receiver()\n");
    t_free(&r);
}
END_TEST

START_TEST(test_chan_close_semantics) {
    t_run r;
    h_run_scenario(&r, "test_chan_close", 1, 1);
    T_OUTCOME(&r, GMP_OUTCOME_OK);
    T_OUT(&r, "v=7 ok=1\nv=8 ok=1\nv=0 ok=0\nv=0 ok=0\n");
    t_free(&r);
}
END_TEST

START_TEST(test_chan_close_wakes_receivers) {
    for (int32_t procs = 1; procs <= 4; procs++) {
        t_run r;
        h_run_scenario(&r, "test_chan_close_wakes", procs, 2);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "woken with zero values: 1\n");
        int32_t c = t_find(&r, 0, "ChanClose");
        ck_assert_int_ge(c, 0);
        ck_assert_int_eq(t_int(r.ev[c], "woken"), 3);
        t_free(&r);
    }
}
END_TEST

START_TEST(test_chan_range_until_closed) {
    for (int32_t procs = 1; procs <= 4; procs++) {
        t_run r;
        h_run_scenario(&r, "test_chan_range", procs, 3);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        T_OUT(&r, "n=5 sum=15\n");
        t_free(&r);
    }
}
END_TEST

/* The runtime's panic texts, word for word, with the panicking goroutine's stack. */
START_TEST(test_chan_panic_texts) {
    static const struct {
        const char *scenario, *message, *goroutine;
    } cases[] = {
        {"test_chan_send_closed", "panic: send on closed channel", "goroutine 1 [running]:\nmain.main()\n"},
        {"test_chan_close_closed", "panic: close of closed channel", "goroutine 1 [running]:\nmain.main()\n"},
        {"test_chan_close_nil", "panic: close of nil channel", "goroutine 1 [running]:\nmain.main()\n"},
        {"test_chan_close_parked_sender", "panic: send on closed channel",
         "goroutine 2 [running]:\nmain.h_parked_sender("},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_run r;
        h_run_scenario(&r, cases[i].scenario, 1, 1);
        T_OUTCOME(&r, GMP_OUTCOME_PANIC);
        ck_assert_str_eq(r.res.message, cases[i].message);
        char head[128];
        snprintf(head, sizeof head, "%s\n\n%s", cases[i].message, cases[i].goroutine);
        /* A parked sender's send and the close are not ordered: as a -race binary, the
         * race report comes first, then the panic. */
        const char *at = strstr(r.res.report, head);
        ck_assert_msg(at == r.res.report || (i == 3 && at != NULL && strstr(r.res.report, "WARNING: DATA RACE")),
                      "report:\n%s\nwant it to start:\n%s", r.res.report, head);
        int32_t p = t_find(&r, 0, "Panic");
        ck_assert_int_ge(p, 0);
        ck_assert_str_eq(t_str(r.ev[p], "message"), cases[i].message);
        t_free(&r);
    }
}
END_TEST

/* The deadlock classroom scenario: the dump, exactly as the runtime prints it. */
START_TEST(test_chan_deadlock_dump) {
    for (int32_t procs = 1; procs <= 4; procs += 3) {
        t_run r;
        h_run_scenario(&r, "deadlock", procs, 1);
        T_OUTCOME(&r, GMP_OUTCOME_DEADLOCK);
        ck_assert_str_eq(r.res.message, "fatal error: all goroutines are asleep - deadlock!");
        const char *want = "fatal error: all goroutines are asleep - deadlock!\n"
                           "\n"
                           "goroutine 1 [chan receive]:\n"
                           "main.main()\n"
                           "\tdeadlock.c:24\n"
                           "\n"
                           "goroutine 2 [chan receive]:\n"
                           "main.worker(0xc000010000, 0xc000010060, 0x1)\n"
                           "\tdeadlock.c:14\n"
                           "created by main.main in goroutine 1\n"
                           "\tdeadlock.c:20\n"
                           "\n"
                           "goroutine 3 [chan receive]:\n"
                           "main.worker(0xc000010000, 0xc000010060, 0x2)\n"
                           "\tdeadlock.c:14\n"
                           "created by main.main in goroutine 1\n"
                           "\tdeadlock.c:20\n";
        ck_assert_msg(strcmp(r.res.report, want) == 0, "report:\n%s\nwant:\n%s", r.res.report, want);
        t_free(&r);
    }
}
END_TEST

/* The classroom scenarios run as their descriptions say, at every GOMAXPROCS. */
START_TEST(test_chan_classroom) {
    for (int32_t procs = 1; procs <= 8; procs *= 2) {
        t_run r;
        h_run_scenario(&r, "chan_handoff", procs, 1);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        ck_assert_ptr_nonnull(h_copy(&r, "sendDirect", 0));
        ck_assert_ptr_nonnull(h_copy(&r, "recvDirect", 0));
        t_free(&r);
        h_run_scenario(&r, "buffered", procs, 1);
        T_OUTCOME(&r, GMP_OUTCOME_OK);
        ck_assert_ptr_nonnull(h_copy(&r, "recv: the parked sender's value into the freed slot", 0));
        T_OUT_HAS(&r, "main: jobs closed and drained\n");
        t_free(&r);
    }
}
END_TEST

Suite *chan_suite(void) {
    Suite *s = suite_create("chan");
    TCase *tc = tcase_create("chan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_chan_unbuffered_direct_copies);
    tcase_add_test(tc, test_chan_ring_buffer);
    tcase_add_test(tc, test_chan_full_buffer_parks_sender);
    tcase_add_test(tc, test_chan_nil_blocks_forever);
    tcase_add_test(tc, test_chan_close_semantics);
    tcase_add_test(tc, test_chan_close_wakes_receivers);
    tcase_add_test(tc, test_chan_range_until_closed);
    tcase_add_test(tc, test_chan_panic_texts);
    tcase_add_test(tc, test_chan_deadlock_dump);
    tcase_add_test(tc, test_chan_classroom);
    suite_add_tcase(s, tc);
    return s;
}
