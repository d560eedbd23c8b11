/* moby_4951: GoBench GoKer blocking/moby/4951 (Docker/Moby PR 4951, devmapper).
 * DeleteDevice drops the global lock while it holds a device lock, then takes the global lock again. */
#include <gmpsim.h>

typedef struct {
    gmp_mutex devices; /* DeviceSet's embedded sync.Mutex */
    gmp_mutex info1;   /* infos["info1"].lock */
    gmp_mutex info2;   /* infos["info2"].lock (never deleted in the test) */
    int64_t hash;      /* which device: 1 for "info1" */
    int64_t fixed;     /* 1: the upstream lock order */
} device_set;

/* (*DeviceSet).lookupDevice: the map lookup, under devices */
static gmp_mutex lookup_device(const device_set *d) { return d->hash == 1 ? d->info1 : d->info2; }

/* (*DeviceSet).removeDeviceAndWait: waits for the device to go away without the global lock */
static void remove_device_and_wait(void *argp) {
    device_set *d = argp;
    gmp_mutex_unlock(d->devices);
    gmp_sleep(300); /* time.Sleep(300 * time.Nanosecond) */
    gmp_mutex_lock(d->devices);
}

/* (*DeviceSet).deleteDevice */
static void delete_device(void *argp) {
    device_set *d = argp;
    GMP_CALL(remove_device_and_wait, *d);
}

/* (*DeviceSet).DeleteDevice */
static void delete_device_entry(void *argp) {
    device_set d = *(device_set *)argp;
    gmp_mutex info;
    if (!d.fixed) {
        gmp_mutex_lock(d.devices);       /* devices.Lock(); defer devices.Unlock() */
        info = lookup_device(&d);
        gmp_mutex_lock(info);            /* info.lock.Lock(): waits while the other holds devices */
    } else {
        gmp_mutex_lock(d.devices);       /* the fix: look the device up under devices ... */
        info = lookup_device(&d);
        gmp_mutex_unlock(d.devices);
        gmp_mutex_lock(info);            /* ... take the device lock first ... */
        gmp_mutex_lock(d.devices);       /* ... and the global lock after it */
    }
    GMP_CALL(delete_device, d);          /* buggy: Lock of devices again, held by the other */
    gmp_mutex_unlock(info);              /* defer info.lock.Unlock() */
    gmp_mutex_unlock(d.devices);         /* defer devices.Unlock() */
}

static void run4951(int64_t fixed) {
    device_set d = {.devices = gmp_mutex_new(), .info1 = gmp_mutex_new(), .info2 = gmp_mutex_new(),
                    .hash = 1, .fixed = fixed};
    /* both delete the same device */
    GMP_GO_NAMED(delete_device_entry, "main.(*DeviceSet).DeleteDevice", d);
    GMP_GO_NAMED(delete_device_entry, "main.(*DeviceSet).DeleteDevice", d);
}

static void moby_4951_main(void *argp) {
    (void)argp;
    run4951(0);
}

static void moby_4951_fixed_main(void *argp) {
    (void)argp;
    run4951(1);
}

GMP_SCENARIO(moby_4951,
             "Moby PR 4951 (GoBench GoKer blocking/moby/4951, devmapper): two goroutines call "
             "DeleteDevice(\"info1\"). DeleteDevice takes the global devices lock, looks the device up, takes "
             "its info.lock and calls deleteDevice, whose removeDeviceAndWait unlocks devices, sleeps 300 ns "
             "and locks devices again. The interleaving: G1 holds info.lock and sleeps without devices; G2 "
             "takes devices and waits for info.lock; G1 wakes and waits for devices. Each holds what the other "
             "wants (lock order devices -> info.lock in G2, info.lock -> devices in G1). Symptom: after main "
             "returns both goroutines leak, one in [sync.Mutex.Lock] in main.delete_device_entry, one in "
             "main.remove_device_and_wait (outcome leak). Schedules where G2 starts only after G1 finished pass. "
             "Reproduce: gmpsim explore moby_4951 --runs 100. Compare moby_4951_fixed.",
             moby_4951_main)

GMP_SCENARIO(moby_4951_fixed,
             "moby_4951 with the upstream fix's lock order (moby PR 4951, \"Fix AB-BA deadlock in devicemapper "
             "backend\": device locks are always taken before the global lock): DeleteDevice looks the device up under the global lock, "
             "releases it, takes info.lock and only then the global lock, so every goroutine takes info.lock "
             "before devices (the order removeDeviceAndWait relies on when it re-locks devices). The two "
             "deletions run one after the other; no schedule leaks.",
             moby_4951_fixed_main)
