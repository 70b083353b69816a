/* See bcache.h. The sectors live in kernel frames reached through the linear map; each
 * request hands one to the driver, which shares it with the device (hal.h). */
#include "bcache.h"

#include "frames.h"
#include "mm.h"
#include "string.h"

struct block {
    uint64_t sector;
    uint64_t last_use;
    bool valid;
    bool dirty;
    uint8_t *data;
};

static struct block blocks[BCACHE_SECTORS];
static struct virtio_blk *dev;
static uint64_t clock;

struct bcache_stats bcache_stats;
int bcache_last_status;
uint64_t bcache_last_sector;

bool bcache_init(struct virtio_blk *blk)
{
    size_t pages = BCACHE_SECTORS * BLK_SECTOR_SIZE / PAGE_SIZE;
    uint64_t pa = frames_alloc(pages);
    if (pa == 0)
        return false;
    uint8_t *mem = linear_va(pa);
    for (int i = 0; i < BCACHE_SECTORS; i++) {
        blocks[i].data = mem + i * BLK_SECTOR_SIZE;
        blocks[i].valid = blocks[i].dirty = false;
    }
    dev = blk;
    return true;
}

struct virtio_blk *bcache_device(void) { return dev; }

static bool io(uint32_t type, struct block *b)
{
    int st = blk_request(dev, type, b->sector, b->data, BLK_SECTOR_SIZE);
    if (st == VIRTIO_BLK_S_OK)
        return true;
    bcache_last_status = st;
    bcache_last_sector = b->sector;
    return false;
}

static bool write_back(struct block *b)
{
    if (!b->dirty)
        return true;
    bcache_stats.writes++;
    if (!io(VIRTIO_BLK_T_OUT, b))
        return false;
    b->dirty = false;
    return true;
}

uint8_t *bcache_get(uint64_t sector)
{
    struct block *victim = &blocks[0];
    for (int i = 0; i < BCACHE_SECTORS; i++) {
        struct block *b = &blocks[i];
        if (b->valid && b->sector == sector) {
            bcache_stats.hits++;
            b->last_use = ++clock;
            return b->data;
        }
        if (!b->valid || (victim->valid && b->last_use < victim->last_use))
            victim = b;
    }
    bcache_stats.misses++;
    if (victim->valid && !write_back(victim)) {
        bcache_drop();
        return NULL;
    }
    victim->valid = false;
    victim->sector = sector;
    if (!io(VIRTIO_BLK_T_IN, victim))
        return NULL;
    victim->valid = true;
    victim->dirty = false;
    victim->last_use = ++clock;
    return victim->data;
}

void bcache_dirty(uint64_t sector)
{
    for (int i = 0; i < BCACHE_SECTORS; i++) {
        if (blocks[i].valid && blocks[i].sector == sector)
            blocks[i].dirty = true;
    }
}

bool bcache_sync(void)
{
    bool any = false;
    for (int i = 0; i < BCACHE_SECTORS; i++) {
        if (blocks[i].valid && blocks[i].dirty) {
            any = true;
            if (!write_back(&blocks[i])) {
                bcache_drop();
                return false;
            }
        }
    }
    /* virtio 1.2 §5.2.6.2: FLUSH makes the writes before it durable (RvEmu: fsync). */
    if (any && dev->has_flush) {
        bcache_stats.flushes++;
        int st = blk_request(dev, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
        if (st != VIRTIO_BLK_S_OK) {
            bcache_last_status = st;
            bcache_last_sector = 0;
            bcache_drop();
            return false;
        }
    }
    return true;
}

void bcache_drop(void)
{
    for (int i = 0; i < BCACHE_SECTORS; i++)
        blocks[i].valid = blocks[i].dirty = false;
}
