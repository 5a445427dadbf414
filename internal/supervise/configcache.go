package supervise

import (
	"context"
	"runtime"
	"sync"
	"time"
	"weak"

	"ncms/internal/db"
	"ncms/internal/supervise/rules"
)

// configTTL is how long a year's configuration read for screening a
// settlement is used without being read again: SaveConfig in this process
// clears it at once, a change written by another process (another node,
// a restore) is seen within configTTL.
const configTTL = 2 * time.Second

// configCache keeps the years' configurations read by the settlement hook,
// for one database: every settlement would otherwise read the same row
// (or find none and build the defaults). It is shared by every Service
// over the database (cacheFor), because the HIS adapter, the console and
// the API each make their own Service: a configuration saved in the
// console must reach the HIS hook at once, not after configTTL.
type configCache struct {
	mu    sync.Mutex
	gen   uint64 // counts clears: a read begun before one is not kept
	years map[int]cachedConfig
	now   func() time.Time // monotonic clock of configTTL (tests set it)
}

type cachedConfig struct {
	c  rules.Config
	at time.Time // when its read began
}

// caches maps each open database to its cache, without keeping the
// database alive: the entry goes when the database is collected.
var caches struct {
	sync.Mutex
	m map[weak.Pointer[db.DB]]*configCache
}

func newConfigCache() *configCache {
	return &configCache{years: map[int]cachedConfig{}, now: time.Now}
}

// cacheFor returns d's configuration cache.
func cacheFor(d *db.DB) *configCache {
	if d == nil {
		return newConfigCache()
	}
	k := weak.Make(d)
	caches.Lock()
	defer caches.Unlock()
	if c := caches.m[k]; c != nil {
		return c
	}
	if caches.m == nil {
		caches.m = map[weak.Pointer[db.DB]]*configCache{}
	}
	c := newConfigCache()
	caches.m[k] = c
	runtime.AddCleanup(d, func(k weak.Pointer[db.DB]) {
		caches.Lock()
		delete(caches.m, k)
		caches.Unlock()
	}, k)
	return c
}

// get returns year's configuration: the cached one if read less than
// configTTL ago, else read with q and kept — unless the cache was cleared
// during the read (the read may predate the change that cleared it).
// The configuration returned is shared: callers must not change it.
func (c *configCache) get(ctx context.Context, q db.Querier, year int) (rules.Config, error) {
	c.mu.Lock()
	now := c.now()
	e, ok := c.years[year]
	gen := c.gen
	c.mu.Unlock()
	if age := now.Sub(e.at); ok && age >= 0 && age < configTTL {
		return e.c, nil
	}
	cfg, err := loadConfig(ctx, q, year)
	if err != nil {
		return cfg, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.years[year] = cachedConfig{c: cfg, at: now}
	}
	c.mu.Unlock()
	return cfg, nil
}

// clear forgets every cached configuration.
func (c *configCache) clear() {
	c.mu.Lock()
	c.gen++
	clear(c.years)
	c.mu.Unlock()
}
