/* sim/stack.c: the goroutine stack pool.
 *
 * Stacks are carved from mmap'd arenas. Every stack owns one slot of
 * page_size + stack_size bytes:
 *
 *     slot:  [ guard page | usable stack: lo ............ hi )
 *
 * The first page of a slot is a PROT_NONE guard for the first guard_count_max
 * stacks carved from the pool and an untouched (never resident) spacer for the
 * others. Keeping the layout uniform means a stack's address never depends on
 * whether it got a guard, and an unguarded stack that overflows by less than a
 * page only tramples its own spacer and canary, not its neighbour.
 *
 * Why a guard budget: every guard page splits a read-write mapping in two, so a
 * guarded stack costs two entries of the kernel's vm.max_map_count (65530 by
 * default), and the simulator must hold 100,000 live stacks and more. Stacks
 * past the budget rely on the canary that sim_coro_init writes at lo.
 *
 * Memory: arenas are mapped MAP_NORESERVE and never written by the pool, so an
 * idle, never-run stack costs address space, not resident memory. Arenas opt
 * out of transparent huge pages, or touching one stack could make 2 MiB of its
 * neighbours resident.
 *
 * Arena sizes grow geometrically (64, 128, ... up to 4096 stacks and at most
 * 1 GiB each), so the arena directory stays short (about 250 arenas for a
 * million stacks) and is a fixed array that is never reallocated and only
 * appended to: that is what lets sim_stack_pool_is_guard scan it from inside a
 * signal handler. A separate index sorted by address gives sim_stack_put its
 * O(log arenas) ownership check.
 *
 * Freed stacks go on an intrusive LIFO free list whose node lives at the top
 * of the freed stack itself (memory the stack's coroutine already touched), so
 * put and get never allocate and the reuse order is deterministic.
 */
#include "coro.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* [SECTION] assertions */

/* SIM_ASSERT: always on, aborts with expression, file and line. */
#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_STACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_STACK_ASAN 1
#endif
#endif
#ifdef SIM_STACK_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* [SECTION] limits */

enum {
    SIM_STACK_ARENA_SLOT_COUNT_MIN = 64,     /* first arena; then doubles */
    SIM_STACK_ARENA_SLOT_COUNT_MAX = 4096,   /* per arena */
    SIM_STACK_ARENA_COUNT_MAX = 4096,        /* directory entries: >= 16M stacks; fits uint16_t */
};
#define SIM_STACK_ARENA_SIZE_BYTES_MAX ((size_t)1 << 30)
#define SIM_STACK_SIZE_BYTES_MAX ((size_t)1 << 30)
/* Mappings left to everything else in the process (libraries, malloc arenas,
 * sanitizer shadow) when the guard budget is derived from vm.max_map_count. */
#define SIM_STACK_MAP_COUNT_RESERVE 4096u
#define SIM_STACK_GUARD_COUNT_FALLBACK 16384u
#define SIM_STACK_GUARD_COUNT_CAP (1u << 20)

/* [SECTION] types */

typedef struct sim_stack_arena {
    unsigned char *base;        /* first byte of the mapping (first slot's guard) */
    size_t map_size_bytes;      /* slot_count * slot_size_bytes */
    uint32_t slot_count;        /* slots this arena holds */
    uint32_t carved_count;      /* slots [0, carved_count) were handed out at least once */
    uint32_t guarded_count;     /* slots [0, guarded_count) have a PROT_NONE guard */
} sim_stack_arena;

/* Lives at the top of a stack while the stack sits on the free list. */
typedef struct sim_stack_free_node {
    struct sim_stack_free_node *next;
    unsigned char *lo;          /* to check the node belongs to its own stack */
    uint32_t guarded;
} sim_stack_free_node;

struct sim_stack_pool {
    size_t page_size_bytes;
    size_t stack_size_bytes;    /* usable bytes per stack, page multiple */
    size_t slot_size_bytes;     /* page_size_bytes + stack_size_bytes */
    uint32_t guard_count;       /* guards made so far, never decreases */
    uint32_t guard_count_max;   /* budget; lowered to guard_count if mprotect fails */
    uint32_t stack_count;       /* slots carved, all arenas */
    uint32_t stack_live_count;
    uint32_t stack_free_count;
    uint32_t arena_count;       /* entries of arenas[] published to readers */
    sim_stack_arena *arenas;    /* fixed SIM_STACK_ARENA_COUNT_MAX entries, in mmap order */
    uint16_t *arena_by_addr;    /* indices into arenas[], sorted by base: O(log) lookups */
    sim_stack_free_node *free_head;
};

/* [SECTION] helpers */

static size_t sim_stack_round_up(size_t n, size_t align) {
    SIM_ASSERT(align > 0);
    SIM_ASSERT((align & (align - 1)) == 0);
    return (n + align - 1) & ~(align - 1);
}

/* The guard budget when the caller passed 0: half of the mappings left after a
 * reserve, since a guarded stack costs two. Read with open/read rather than
 * stdio to keep the pool free of buffered-IO state. */
static uint32_t sim_stack_guard_count_derive(void) {
    int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return SIM_STACK_GUARD_COUNT_FALLBACK;
    }
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return SIM_STACK_GUARD_COUNT_FALLBACK;
    }
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long long map_count_max = strtoull(buf, &end, 10);
    if (errno != 0 || end == buf) {
        return SIM_STACK_GUARD_COUNT_FALLBACK;
    }
    if (map_count_max <= 2ull * SIM_STACK_MAP_COUNT_RESERVE) {
        /* A tiny limit: guard a few stacks, leave the rest to the process. */
        return (uint32_t)(map_count_max / 8);
    }
    unsigned long long guard_count = (map_count_max - SIM_STACK_MAP_COUNT_RESERVE) / 2;
    if (guard_count > SIM_STACK_GUARD_COUNT_CAP) {
        guard_count = SIM_STACK_GUARD_COUNT_CAP;
    }
    return (uint32_t)guard_count;
}

/* The arena holding addr, or NULL, by binary search over arena_by_addr.
 * Not for signal handlers: the index is shifted in place when an arena is
 * added (see sim_stack_arena_scan). */
static const sim_stack_arena *sim_stack_arena_find(const sim_stack_pool *pool,
                                                   uintptr_t addr) {
    SIM_ASSERT(pool != NULL);
    SIM_ASSERT(pool->arena_count <= SIM_STACK_ARENA_COUNT_MAX);
    uint32_t lo = 0, hi = pool->arena_count;   /* candidates: [lo, hi) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const sim_stack_arena *arena = &pool->arenas[pool->arena_by_addr[mid]];
        uintptr_t base = (uintptr_t)arena->base;
        if (addr < base) {
            hi = mid;
        } else if (addr - base >= arena->map_size_bytes) {
            lo = mid + 1;
        } else {
            return arena;
        }
    }
    return NULL;
}

/* The arena holding addr, or NULL. Linear over the append-only directory, so
 * it is async-signal-safe: an entry is complete before arena_count covers it.
 * O(arenas), and the directory is short (see the file comment). */
static const sim_stack_arena *sim_stack_arena_scan(const sim_stack_pool *pool,
                                                   uintptr_t addr) {
    uint32_t arena_count = pool->arena_count;
    /* Pairs with the release fence in sim_stack_arena_add: an entry is fully
     * written before arena_count covers it. */
    atomic_signal_fence(memory_order_acquire);
    for (uint32_t i = 0; i < arena_count; i++) {
        const sim_stack_arena *arena = &pool->arenas[i];
        uintptr_t base = (uintptr_t)arena->base;
        if (addr >= base && addr - base < arena->map_size_bytes) {
            return arena;
        }
    }
    return NULL;
}

static int sim_stack_arena_add(sim_stack_pool *pool) {
    SIM_ASSERT(pool->arena_count <= SIM_STACK_ARENA_COUNT_MAX);
    if (pool->arena_count == SIM_STACK_ARENA_COUNT_MAX) {
        errno = ENOMEM;
        return -1;
    }
    uint32_t slot_count = SIM_STACK_ARENA_SLOT_COUNT_MIN;
    for (uint32_t i = 0; i < pool->arena_count && slot_count < SIM_STACK_ARENA_SLOT_COUNT_MAX; i++) {
        slot_count *= 2;
    }
    size_t slot_count_fit = SIM_STACK_ARENA_SIZE_BYTES_MAX / pool->slot_size_bytes;
    if (slot_count_fit == 0) {
        slot_count_fit = 1;
    }
    if (slot_count > slot_count_fit) {
        slot_count = (uint32_t)slot_count_fit;
    }
    SIM_ASSERT(slot_count >= 1);
    SIM_ASSERT(slot_count <= SIM_STACK_ARENA_SLOT_COUNT_MAX);

    size_t map_size_bytes = (size_t)slot_count * pool->slot_size_bytes;
    void *base = mmap(NULL, map_size_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        errno = ENOMEM;
        return -1;
    }
#ifdef MADV_NOHUGEPAGE
    /* Advice only: failure leaves THP as configured, which is still correct. */
    (void)madvise(base, map_size_bytes, MADV_NOHUGEPAGE);
#endif
    sim_stack_arena *arena = &pool->arenas[pool->arena_count];
    arena->base = base;
    arena->map_size_bytes = map_size_bytes;
    arena->slot_count = slot_count;
    arena->carved_count = 0;
    arena->guarded_count = 0;
    /* Insertion into the sorted index: O(arenas), once per arena. */
    uint32_t pos = pool->arena_count;
    while (pos > 0 && pool->arenas[pool->arena_by_addr[pos - 1]].base > arena->base) {
        pool->arena_by_addr[pos] = pool->arena_by_addr[pos - 1];
        pos--;
    }
    pool->arena_by_addr[pos] = (uint16_t)pool->arena_count;
    atomic_signal_fence(memory_order_release);
    pool->arena_count++;
    return 0;
}

/* Hand out the next never-used slot, giving it a guard while the budget lasts. */
static int sim_stack_carve(sim_stack_pool *pool, sim_stack *out) {
    if (pool->arena_count == 0 ||
        pool->arenas[pool->arena_count - 1].carved_count ==
            pool->arenas[pool->arena_count - 1].slot_count) {
        if (sim_stack_arena_add(pool) != 0) {
            return -1;
        }
    }
    sim_stack_arena *arena = &pool->arenas[pool->arena_count - 1];
    uint32_t slot_index = arena->carved_count;
    SIM_ASSERT(slot_index < arena->slot_count);
    SIM_ASSERT(arena->guarded_count <= slot_index);
    unsigned char *slot = arena->base + (size_t)slot_index * pool->slot_size_bytes;

    uint32_t guarded = 0;
    if (pool->guard_count < pool->guard_count_max) {
        /* The budget is consumed monotonically, so an arena's guarded slots
         * always form a prefix: is_guard only needs guarded_count. */
        SIM_ASSERT(arena->guarded_count == slot_index);
        if (mprotect(slot, pool->page_size_bytes, PROT_NONE) == 0) {
            guarded = 1;
            pool->guard_count++;
            atomic_signal_fence(memory_order_release);
            arena->guarded_count = slot_index + 1;
        } else {
            /* Out of mappings (ENOMEM) despite the budget, e.g. another pool
             * or the sanitizer shadow took them: stop guarding for good. */
            pool->guard_count_max = pool->guard_count;
        }
    }
    arena->carved_count = slot_index + 1;
    pool->stack_count++;

    out->lo = slot + pool->page_size_bytes;
    out->hi = out->lo + pool->stack_size_bytes;
    out->size_bytes = pool->stack_size_bytes;
    out->guarded = guarded;
    return 0;
}

/* [SECTION] API */

int sim_stack_pool_create(sim_stack_pool **out, size_t stack_size_bytes, uint32_t guard_count_max) {
    SIM_ASSERT(out != NULL);
    SIM_ASSERT(stack_size_bytes > 0);
    if (stack_size_bytes > SIM_STACK_SIZE_BYTES_MAX) {
        errno = EINVAL;
        return -1;
    }
    long page = sysconf(_SC_PAGESIZE);
    SIM_ASSERT(page > 0);
    sim_stack_pool *pool = calloc(1, sizeof *pool);
    sim_stack_arena *arenas = calloc(SIM_STACK_ARENA_COUNT_MAX, sizeof *arenas);
    uint16_t *arena_by_addr = calloc(SIM_STACK_ARENA_COUNT_MAX, sizeof *arena_by_addr);
    if (pool == NULL || arenas == NULL || arena_by_addr == NULL) {
        free(pool);
        free(arenas);
        free(arena_by_addr);
        errno = ENOMEM;
        return -1;
    }
    pool->page_size_bytes = (size_t)page;
    pool->stack_size_bytes = sim_stack_round_up(stack_size_bytes, pool->page_size_bytes);
    pool->slot_size_bytes = pool->page_size_bytes + pool->stack_size_bytes;
    pool->guard_count_max = guard_count_max != 0 ? guard_count_max : sim_stack_guard_count_derive();
    pool->arenas = arenas;
    pool->arena_by_addr = arena_by_addr;
    SIM_ASSERT(pool->stack_size_bytes >= stack_size_bytes);
    SIM_ASSERT(pool->stack_size_bytes % pool->page_size_bytes == 0);
    *out = pool;
    return 0;
}

/* Unmaps every stack, including ones still handed out (a deadlocked run may
 * end with goroutines parked forever): nothing may run on them afterwards. */
void sim_stack_pool_destroy(sim_stack_pool *pool) {
    if (pool == NULL) {
        return;
    }
    SIM_ASSERT(pool->arena_count <= SIM_STACK_ARENA_COUNT_MAX);
    SIM_ASSERT(pool->stack_free_count + pool->stack_live_count == pool->stack_count);
    uint32_t arena_count = pool->arena_count;
    pool->arena_count = 0;
    atomic_signal_fence(memory_order_release);
    for (uint32_t i = 0; i < arena_count; i++) {
        sim_stack_arena *arena = &pool->arenas[i];
#ifdef SIM_STACK_ASAN
        /* Coroutines abandoned mid-frame leave poisoned shadow behind; clear
         * it so whatever the kernel maps here next starts clean. */
        size_t used_bytes = (size_t)arena->carved_count * pool->slot_size_bytes;
        if (used_bytes != 0) {
            ASAN_UNPOISON_MEMORY_REGION(arena->base, used_bytes);
        }
#endif
        int rc = munmap(arena->base, arena->map_size_bytes);
        SIM_ASSERT(rc == 0);
    }
    free(pool->arena_by_addr);
    free(pool->arenas);
    free(pool);
}

int sim_stack_get(sim_stack_pool *pool, sim_stack *out) {
    SIM_ASSERT(pool != NULL);
    SIM_ASSERT(out != NULL);
    sim_stack_free_node *node = pool->free_head;
    if (node != NULL) {
        SIM_ASSERT(pool->stack_free_count > 0);
        unsigned char *lo = node->lo;
        /* The node sits at the top of its own stack: a mismatch means the
         * stack was written after it was put back. */
        SIM_ASSERT((unsigned char *)node == lo + pool->stack_size_bytes - sizeof *node);
        pool->free_head = node->next;
        pool->stack_free_count--;
        out->lo = lo;
        out->hi = lo + pool->stack_size_bytes;
        out->size_bytes = pool->stack_size_bytes;
        out->guarded = node->guarded;
    } else {
        SIM_ASSERT(pool->stack_free_count == 0);
        if (pool->stack_count == UINT32_MAX || sim_stack_carve(pool, out) != 0) {
            errno = ENOMEM;
            return -1;
        }
    }
    pool->stack_live_count++;
    SIM_ASSERT(out->hi - out->lo == (ptrdiff_t)out->size_bytes);
    return 0;
}

void sim_stack_put(sim_stack_pool *pool, const sim_stack *stk) {
    SIM_ASSERT(pool != NULL);
    SIM_ASSERT(stk != NULL);
    SIM_ASSERT(pool->stack_live_count > 0);
    SIM_ASSERT(stk->size_bytes == pool->stack_size_bytes);
    SIM_ASSERT(stk->hi == stk->lo + stk->size_bytes);
    const sim_stack_arena *arena = sim_stack_arena_find(pool, (uintptr_t)stk->lo);
    SIM_ASSERT(arena != NULL);                       /* not from this pool */
    size_t offset = (size_t)(stk->lo - arena->base);
    SIM_ASSERT(offset % pool->slot_size_bytes == pool->page_size_bytes);
    uint32_t slot_index = (uint32_t)(offset / pool->slot_size_bytes);
    SIM_ASSERT(slot_index < arena->carved_count);
    SIM_ASSERT(stk->guarded == (slot_index < arena->guarded_count));
#ifdef SIM_STACK_ASAN
    /* A coroutine that never returned left poisoned frames here. */
    ASAN_UNPOISON_MEMORY_REGION(stk->lo, stk->size_bytes);
#endif
    sim_stack_free_node *node = (sim_stack_free_node *)(stk->hi - sizeof *node);
    node->next = pool->free_head;
    node->lo = stk->lo;
    node->guarded = stk->guarded;
    pool->free_head = node;
    pool->stack_free_count++;
    pool->stack_live_count--;
}

/* No assertions: this runs in a SIGSEGV handler, where reporting through
 * stdio is not allowed; a NULL pool simply owns no guard pages. */
int sim_stack_pool_is_guard(const sim_stack_pool *pool, const void *addr) {
    if (pool == NULL) {
        return 0;
    }
    uintptr_t a = (uintptr_t)addr;
    const sim_stack_arena *arena = sim_stack_arena_scan(pool, a);
    if (arena == NULL) {
        return 0;
    }
    size_t offset = (size_t)(a - (uintptr_t)arena->base);
    size_t slot_index = offset / pool->slot_size_bytes;
    size_t offset_in_slot = offset % pool->slot_size_bytes;
    uint32_t guarded_count = arena->guarded_count;
    return offset_in_slot < pool->page_size_bytes && slot_index < guarded_count;
}

void sim_stack_pool_stats_get(const sim_stack_pool *pool, sim_stack_pool_stats *out) {
    SIM_ASSERT(pool != NULL);
    SIM_ASSERT(out != NULL);
    out->stack_size_bytes = pool->stack_size_bytes;
    out->page_size_bytes = pool->page_size_bytes;
    out->arena_count = pool->arena_count;
    out->stack_count = pool->stack_count;
    out->stack_live_count = pool->stack_live_count;
    out->stack_free_count = pool->stack_free_count;
    out->guard_count = pool->guard_count;
    out->guard_count_max = pool->guard_count_max;
    SIM_ASSERT(out->guard_count <= out->stack_count);
    SIM_ASSERT(out->stack_live_count + out->stack_free_count == out->stack_count);
}
