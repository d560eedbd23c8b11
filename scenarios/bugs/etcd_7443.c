/* etcd_7443: GoBench GoKer blocking/etcd/7443 (etcd PR 7443, "clientv3: serialize updating notifych
 * in balancer"). The simple balancer sends on its notify channel while holding its mutex (and, from
 * Up, while gRPC holds the addrConn's mutex); the only reader of that channel, lbWatcher, needs those
 * mutexes to tear connections down. */
#include <gmpsim.h>

#define NADDR 3     /* the balancer's addresses 0, 1, 2 */
#define ALL 7       /* b.addrs as a set of addresses (bit a = Address(a)) */
#define NONE (-1)   /* addrConn.down == nil, or no addrConn in cc.conns */
#define NOOP (-2)   /* the func() {} Up returns once the balancer is closed */
#define MAXAC 256   /* addrConns made in one run */

typedef struct {
    /* ClientConn */
    gmp_rwmutex cc_mu;      /* ClientConn.mu (only Lock/Unlock are used) */
    gmp_var conns_nil;      /* 1 once Close has set cc.conns = nil */
    gmp_var conns[NADDR];   /* cc.conns[a]: the addrConn's id, or NONE */
    /* simpleBalancer */
    gmp_rwmutex b_mu;       /* simpleBalancer.mu (only Lock/Unlock are used) */
    gmp_chan notify_ch;     /* simpleBalancer.notifyCh: make(chan []Address, 1); an element is a set of addresses */
    gmp_var closed;         /* simpleBalancer.closed */
    gmp_var pin_addr;       /* simpleBalancer.pinAddr */
    gmp_chan updatec, stopc, donec; /* the fix's notify loop */
    int64_t fixed;          /* 1: the fix */
} conn;

/* the addrConns, made by resetAddrConn: a simulated heap, reset by each run's main */
static gmp_mutex ac_mu[MAXAC]; /* addrConn.mu */
static gmp_var ac_down[MAXAC]; /* addrConn.down: NONE, NOOP, or the address whose down func it is */
static int64_t n_ac;

typedef struct {
    conn c;
    int64_t addr; /* an address, or an addrConn's id */
    int64_t id;
} call_args;

/* the fix: hand a notification to the notify loop; never blocks (only b.mu holders send on updatec) */
static void notify_locked(conn *c, int64_t addrs) {
    GMP_SELECT(NULL, true, GMP_RECV_CASE(c->updatec, NULL)); /* drop a stale pending update */
    gmp_send(c->updatec, &addrs);
}

/* the fix: (*simpleBalancer).updateNotifyLoop, the only sender on notifyCh once it runs */
static void update_notify_loop(void *argp) {
    conn c = *(conn *)argp;
    for (;;) {
        int64_t addrs;
        if (GMP_SELECT(NULL, false, GMP_RECV_CASE(c.updatec, &addrs), GMP_RECV_CASE(c.stopc, NULL)) == 1) break;
        if (GMP_SELECT(NULL, false, GMP_SEND_CASE(c.notify_ch, &addrs), GMP_RECV_CASE(c.stopc, NULL)) == 1) break;
    }
    gmp_close(c.notify_ch);
    gmp_close(c.donec);
}

/* the down func Up returns: (*simpleBalancer).Up.func1 */
static void up_func1(void *argp) {
    call_args *a = argp;
    conn *c = &a->c;
    gmp_rwmutex_lock(c->b_mu);
    if (gmp_load(c->pin_addr) == a->addr) {
        gmp_store(c->pin_addr, 0);
        if (c->fixed) {
            if (!gmp_load(c->closed)) notify_locked(c, ALL);
        } else if (!gmp_load(c->closed)) {
            int64_t addrs = ALL;
            gmp_send(c->notify_ch, &addrs); /* buggy: b.notifyCh <- b.addrs with b.mu held */
        }
        /* else: Close closed notifyCh, the send panics and the deferred recover returns */
    }
    gmp_rwmutex_unlock(c->b_mu); /* defer b.mu.Unlock() */
}

/* (*simpleBalancer).Up: returns the down func (its address) or NOOP */
static int64_t balancer_up(conn *c, int64_t addr) {
    gmp_frame_enter_at("main.(*simpleBalancer).Up", &addr, sizeof addr, __FILE__, __LINE__);
    gmp_rwmutex_lock(c->b_mu);
    int64_t down = addr;
    if (gmp_load(c->closed)) {
        down = NOOP;
    } else if (gmp_load(c->pin_addr) == 0) {
        gmp_store(c->pin_addr, addr);
        int64_t addrs = (int64_t)1 << addr;
        if (c->fixed) notify_locked(c, addrs);
        else gmp_send(c->notify_ch, &addrs); /* buggy: b.notifyCh <- []Address{addr} with b.mu (and ac.mu) held */
    }
    gmp_rwmutex_unlock(c->b_mu); /* defer b.mu.Unlock() */
    gmp_frame_exit_at(__FILE__, __LINE__);
    return down;
}

/* (*addrConn).resetTransport */
static void reset_transport(void *argp) {
    call_args *a = argp;
    gmp_mutex_lock(ac_mu[a->id]);
    gmp_store(ac_down[a->id], balancer_up(&a->c, a->addr)); /* ac.down = balancer.Up(ac.addr) */
    gmp_mutex_unlock(ac_mu[a->id]);
}

/* go func() { ac.resetTransport() }() */
static void reset_addr_conn_func1(void *argp) {
    call_args a = *(call_args *)argp;
    GMP_CALL_NAMED(reset_transport, "main.(*addrConn).resetTransport", a);
}

/* (*addrConn).tearDown */
static void tear_down(void *argp) {
    call_args *a = argp;
    gmp_mutex_lock(ac_mu[a->id]);
    int64_t down = gmp_load(ac_down[a->id]);
    if (down != NONE) {
        if (down != NOOP) {
            call_args d = {.c = a->c, .addr = down};
            GMP_CALL_NAMED(up_func1, "main.(*simpleBalancer).Up.func1", d); /* ac.down() */
        }
        gmp_store(ac_down[a->id], NONE);
    }
    gmp_mutex_unlock(ac_mu[a->id]); /* defer ac.mu.Unlock() */
}

/* (*ClientConn).resetAddrConn */
static void reset_addr_conn(void *argp) {
    call_args *a = argp;
    GMP_ASSERT(n_ac < MAXAC, "etcd_7443: more addrConns than the model's pool");
    a->id = n_ac++;
    ac_mu[a->id] = gmp_mutex_new();
    ac_down[a->id] = gmp_new_var("addrConn.down", NONE);
    gmp_rwmutex_lock(a->c.cc_mu);
    if (gmp_load(a->c.conns_nil)) {
        gmp_rwmutex_unlock(a->c.cc_mu);
        return;
    }
    gmp_store(a->c.conns[a->addr], a->id); /* cc.conns[ac.addr] = ac */
    gmp_rwmutex_unlock(a->c.cc_mu);
    GMP_GO_NAMED(reset_addr_conn_func1, "main.(*ClientConn).resetAddrConn.func1", *a);
}

/* (*ClientConn).lbWatcher */
static void lb_watcher(void *argp) {
    conn c = *(conn *)argp;
    int64_t addrs;
    while (gmp_recv(c.notify_ch, &addrs)) { /* for addrs := range cc.dopts.balancer.Notify() */
        int64_t add[NADDR], del[NADDR];
        int nadd = 0, ndel = 0;
        gmp_rwmutex_lock(c.cc_mu);
        bool isnil = gmp_load(c.conns_nil);
        for (int64_t a = 0; a < NADDR; a++) /* a nil map has no entries */
            if ((addrs >> a & 1) && (isnil || gmp_load(c.conns[a]) == NONE)) add[nadd++] = a;
        if (!isnil) {
            int64_t start = gmp_rand_intn(NADDR); /* a small map's iteration starts at a random entry */
            for (int64_t i = 0; i < NADDR; i++) {
                int64_t k = (start + i) % NADDR, ac = gmp_load(c.conns[k]);
                if (ac != NONE && !(addrs >> k & 1)) {
                    del[ndel++] = ac;
                    gmp_store(c.conns[k], NONE); /* delete(cc.conns, c.addr) */
                }
            }
        }
        gmp_rwmutex_unlock(c.cc_mu);
        for (int i = 0; i < nadd; i++) {
            call_args a = {.c = c, .addr = add[i]};
            GMP_CALL_NAMED(reset_addr_conn, "main.(*ClientConn).resetAddrConn", a);
        }
        for (int i = 0; i < ndel; i++) {
            call_args a = {.c = c, .id = del[i]};
            GMP_CALL_NAMED(tear_down, "main.(*addrConn).tearDown", a);
        }
    }
}

/* (*simpleBalancer).Close */
static void balancer_close(void *argp) {
    conn *c = argp;
    gmp_rwmutex_lock(c->b_mu);
    if (!gmp_load(c->closed)) {
        gmp_store(c->closed, 1);
        if (c->fixed) gmp_close(c->stopc); /* the fix: stop the notify loop, which closes notifyCh */
        else gmp_close(c->notify_ch);
        gmp_store(c->pin_addr, 0);
    }
    gmp_rwmutex_unlock(c->b_mu); /* defer b.mu.Unlock() */
    if (c->fixed) gmp_recv(c->donec, NULL); /* the fix: return once the loop has stopped */
}

/* (*ClientConn).Close: G4 */
static void cc_close(void *argp) {
    conn c = *(conn *)argp;
    int64_t conns[NADDR];
    int n = 0;
    gmp_rwmutex_lock(c.cc_mu);
    if (!gmp_load(c.conns_nil)) { /* conns := cc.conns */
        int64_t start = gmp_rand_intn(NADDR);
        for (int64_t i = 0; i < NADDR; i++) {
            int64_t ac = gmp_load(c.conns[(start + i) % NADDR]);
            if (ac != NONE) conns[n++] = ac;
        }
    }
    gmp_store(c.conns_nil, 1); /* cc.conns = nil */
    gmp_rwmutex_unlock(c.cc_mu);
    GMP_CALL_NAMED(balancer_close, "main.(*simpleBalancer).Close", c);
    for (int i = 0; i < n; i++) {
        call_args a = {.c = c, .id = conns[i]};
        GMP_CALL_NAMED(tear_down, "main.(*addrConn).tearDown", a);
    }
}

typedef struct {
    conn c;
    gmp_chan closec;
} test_args;

/* go func() { defer close(closec); sb.Close() }(): G3 */
static void test_func1(void *argp) {
    test_args t = *(test_args *)argp;
    GMP_CALL_NAMED(balancer_close, "main.(*simpleBalancer).Close", t.c);
    gmp_close(t.closec);
}

static void run7443(int64_t fixed) {
    n_ac = 0;
    test_args t = {.c = {.fixed = fixed}};
    conn *c = &t.c;
    /* newSimpleBalancer() */
    c->b_mu = gmp_rwmutex_new();
    c->notify_ch = gmp_make_chan(sizeof(int64_t), 1);
    c->closed = gmp_new_var("simpleBalancer.closed", 0);
    c->pin_addr = gmp_new_var("simpleBalancer.pinAddr", 0);
    int64_t addrs = ALL;
    gmp_send(c->notify_ch, &addrs); /* notifyCh <- addrs */
    if (fixed) {
        c->updatec = gmp_make_chan(sizeof(int64_t), 1);
        c->stopc = gmp_make_chan(0, 0);
        c->donec = gmp_make_chan(0, 0);
        GMP_GO_NAMED(update_notify_loop, "main.(*simpleBalancer).updateNotifyLoop", *c);
    }
    /* Dial(WithBalancer(sb)) -> DialContext */
    c->cc_mu = gmp_rwmutex_new();
    c->conns_nil = gmp_new_var("ClientConn.conns==nil", 0);
    for (int a = 0; a < NADDR; a++) c->conns[a] = gmp_new_var("ClientConn.conns[a]", NONE);
    GMP_GO_NAMED(lb_watcher, "main.(*ClientConn).lbWatcher", *c);
    t.closec = gmp_make_chan(0, 0);
    GMP_GO_NAMED(test_func1, "main.TestEtcd7443.func1", t); /* G3 */
    GMP_GO_NAMED(cc_close, "main.(*ClientConn).Close", *c);   /* G4 */
    gmp_recv(t.closec, NULL);
}

static void etcd_7443_main(void *argp) {
    (void)argp;
    run7443(0);
}

static void etcd_7443_fixed_main(void *argp) {
    (void)argp;
    run7443(1);
}

GMP_SCENARIO(etcd_7443,
             "etcd PR 7443 (GoBench GoKer blocking/etcd/7443, \"clientv3: serialize updating notifych in "
             "balancer\"; conn.Close() hung in TestBalancerDoNotBlockOnClose): a channel send under two locks. "
             "The simple balancer's notifyCh (buffered, 1) starts with all three addresses. gRPC's lbWatcher "
             "ranges over it; for each address list it adds the new addresses (resetAddrConn, which starts a "
             "resetTransport goroutine per address) and tears down the addrConns not in the list. resetTransport "
             "holds its addrConn's mutex while calling the balancer's Up, and Up, holding the balancer's mutex, "
             "sends the pinned address on notifyCh when nothing is pinned; the down func Up returns, called by "
             "tearDown under the addrConn's mutex, sends all addresses on notifyCh under the balancer's mutex. "
             "The test then closes the balancer (G3, which closes closec when done) and the ClientConn (G4) "
             "concurrently and waits on closec. The interleaving: with the buffer full, an Up or a down func "
             "blocks in its send while holding the balancer's mutex (and an addrConn's), and lbWatcher, the only "
             "reader, is itself blocked in tearDown on that addrConn's mutex or on the balancer's mutex (or is "
             "the sender); Close then waits for the balancer's mutex for ever. Symptom: a deadlock or, if G3 got "
             "through first, a leak, with a goroutine in [chan send] in main.(*simpleBalancer).Up or "
             "main.(*simpleBalancer).Up.func1 and others in [sync.Mutex.Lock] / [sync.RWMutex.Lock]. "
             "It is rare: in most schedules G4 runs first on main's P and sets cc.conns to nil before lbWatcher, on another P, has "
             "started any addrConn, unless the OS deschedules main's thread; about 3 schedules in 100,000 with "
             "--os-preempt (seed 4535 is the first under random), none in 5,000 without. Reproduce: gmpsim explore "
             "etcd_7443 --os-preempt --seeds 4535..4535. Compare etcd_7443_fixed.",
             etcd_7443_main)

GMP_SCENARIO(etcd_7443_fixed,
             "etcd_7443 with the fix, reconstructed after upstream PR 7443's design (the upstream patch reworks "
             "the balancer far beyond this kernel): notifyCh gets a single owner, updateNotifyLoop. Up and the "
             "down func, under the balancer's mutex, only leave the latest address list in a one-slot mailbox "
             "(replacing any pending one), which never blocks; the loop forwards it to notifyCh in a select that "
             "also watches stopc. Close marks the balancer closed and closes stopc under the mutex, then waits "
             "for the loop, which closes notifyCh (ending lbWatcher) and donec. No lock is held across a "
             "blocking send, so no schedule deadlocks or leaks.",
             etcd_7443_fixed_main)
