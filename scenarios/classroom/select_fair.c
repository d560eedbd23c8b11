/* select_fair: a select among several ready cases picks one uniformly at random. */
#include <gmpsim.h>

enum { FAIR_CHANS = 3, FAIR_ROUNDS = 300 };

/* FAIR_ROUNDS selects over the three channels; returns how often each case ran. */
static void fair_rounds(gmp_chan c0, gmp_chan c1, gmp_chan c2, int64_t counts[FAIR_CHANS]) {
    int64_t v = -1;
    for (int r = 0; r < FAIR_ROUNDS; r++) {
        int k = GMP_SELECT(NULL, false, GMP_RECV_CASE(c0, &v), GMP_RECV_CASE(c1, &v), GMP_RECV_CASE(c2, &v));
        counts[k]++;
    }
}

static void select_fair_main(void *argp) {
    (void)argp;
    gmp_chan c[FAIR_CHANS];
    for (int64_t i = 0; i < FAIR_CHANS; i++) {
        /* Room for every round: each case stays ready for the whole run. */
        c[i] = gmp_make_chan(sizeof(int64_t), 2 * FAIR_ROUNDS);
        for (int r = 0; r < 2 * FAIR_ROUNDS; r++) gmp_send(c[i], &i);
    }
    int64_t counts[FAIR_CHANS] = {0};
    fair_rounds(c[0], c[1], c[2], counts);
    gmp_printf("all ready:  c0=%lld c1=%lld c2=%lld\n", (long long)counts[0], (long long)counts[1],
               (long long)counts[2]);
    /* The usual Go idiom to switch a case off: set its channel to nil. */
    int64_t counts2[FAIR_CHANS] = {0};
    fair_rounds(c[0], c[1], GMP_NIL_CHAN, counts2);
    gmp_printf("c2 is nil:  c0=%lld c1=%lld c2=%lld\n", (long long)counts2[0], (long long)counts2[1],
               (long long)counts2[2]);
}

GMP_SCENARIO(select_fair,
             "main fills three buffered channels and runs 300 selects over them, every case ready every "
             "time, then 300 more with the third channel set to nil. selectgo polls the cases in a random "
             "order: pollorder is built by swap-inserting each case at j = cheaprandn(i+1), one recorded "
             "Decision (select_order, n=2, then n=3) per case after the first, and pass 1 takes the first "
             "ready case in that order (the Select events show the poll order and the chosen case). So "
             "each case runs about 100 times, whichever comes first in the source, and which ones vary with "
             "the seed. A case on a nil channel is dropped before the shuffle (one draw only, n=2): it never "
             "runs, and the other two share the rounds (with --go 1.15 and earlier the nil case still "
             "takes part in the shuffle: one more draw). Fairness is among ready cases only: a case whose "
             "channel is not ready is never taken, however often it was skipped.",
             select_fair_main)
