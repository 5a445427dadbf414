package db

// GroupWaiting is how many InTxGroup callers wait for their batch (tests).
func (d *DB) GroupWaiting() int {
	d.group.mu.Lock()
	defer d.group.mu.Unlock()
	return len(d.group.queue)
}

// GroupCacheKiB is the page cache of the group-commit connection (tests).
const GroupCacheKiB = groupCacheKiB
