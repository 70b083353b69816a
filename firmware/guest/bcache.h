/* A small write-back cache of 512-byte disk sectors between the FAT code and the
 * virtio-blk driver: LRU replacement, dirty sectors written by bcache_sync (then FLUSH). */
#ifndef GUEST_BCACHE_H
#define GUEST_BCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_blk.h"

#define BCACHE_SECTORS 32

struct bcache_stats {
    uint64_t hits, misses, writes, flushes;
};
extern struct bcache_stats bcache_stats;
/* The device status (or BLK_* code) of the request that failed last. */
extern int bcache_last_status;
extern uint64_t bcache_last_sector;

/* Uses `blk` from now on; false if there is no memory for the cache. */
bool bcache_init(struct virtio_blk *blk);
struct virtio_blk *bcache_device(void);
/* The cached copy of `sector` (read from the disk on a miss); NULL on an I/O error. */
uint8_t *bcache_get(uint64_t sector);
/* Marks the cached `sector` (obtained from bcache_get) as changed. */
void bcache_dirty(uint64_t sector);
/* Writes every dirty sector, then FLUSH (when offered). False on an I/O error: the cache
 * is then emptied, so what it holds never differs from the disk for long. */
bool bcache_sync(void);
/* Forgets everything (dirty sectors are lost). */
void bcache_drop(void);

#endif
