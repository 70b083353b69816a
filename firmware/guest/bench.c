/* The `bench` command (see bench.h). Requests are READBENCH_REQUEST_BYTES long (the
 * last one may be shorter), kept READBENCH_DEPTH deep in the queue and completed from
 * the PLIC interrupt like every other request (blk_wait sleeps in wfi). The clock is
 * the `time` CSR at the FDT's timebase-frequency, read before the first submission
 * and after the last completion; nothing is measured on the host.
 *
 * So that a test can tell the data really arrived, the guest also prints a checksum:
 * FNV-1a (64-bit) over the first 8 bytes (little-endian) of every sector, in sector
 * order, one 64-bit word per step. It costs a load per sector, negligible next to the
 * copying the device does. */
#include "bench.h"

#include "console.h"
#include "hal.h"
#include "mm.h"
#include "guest.h"
#include "platform.h"
#include "riscv.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

struct bench_req {
    int slot;          /* blk_submit's slot while in flight */
    uint64_t sector;
    uint32_t len;
    uint8_t *buf;
};

static uint64_t checksum_sectors(uint64_t h, const uint8_t *buf, uint32_t len)
{
    for (uint32_t off = 0; off < len; off += BLK_SECTOR_SIZE) {
        h ^= *(const uint64_t *)(buf + off); /* frames and sectors are 8-byte aligned */
        h *= FNV_PRIME;
    }
    return h;
}

/* Puts the request for the sectors from *next on in `r` and advances *next. */
static int submit(struct virtio_blk *blk, struct bench_req *r, uint64_t *next, const char *name)
{
    uint64_t left = blk->capacity - *next;
    uint64_t sectors = READBENCH_REQUEST_BYTES / BLK_SECTOR_SIZE;
    r->sector = *next;
    r->len = (uint32_t)((left < sectors ? left : sectors) * BLK_SECTOR_SIZE);
    r->slot = blk_submit(blk, VIRTIO_BLK_T_IN, r->sector, r->buf, r->len);
    if (r->slot < 0) {
        kprintf("%s: blk%d: no free request slot or descriptors\n", name, blk->index);
        return EXIT_INTERNAL;
    }
    *next += r->len / BLK_SECTOR_SIZE;
    return EXIT_OK;
}

/* "12.345"-style decimal of value / scale with `digits` decimals (truncated). */
static void print_fixed(uint64_t value, uint64_t scale, int digits)
{
    uint64_t frac_scale = 1;
    for (int i = 0; i < digits; i++)
        frac_scale *= 10;
    kprintf("%lu.%0*lu", (unsigned long)(value / scale), digits,
            (unsigned long)(value % scale * frac_scale / scale));
}

int read_bench(struct virtio_blk *blk, const char *name)
{
    uint64_t bytes = blk->capacity * BLK_SECTOR_SIZE;
    if (blk->capacity == 0) {
        kprintf("%s: blk%d: empty disk (capacity 0)\n", name, blk->index);
        return EXIT_DATA;
    }
    /* Each request is a 3-descriptor chain (header, data, status). */
    unsigned depth = READBENCH_DEPTH;
    if (depth > BLK_SLOTS)
        depth = BLK_SLOTS;
    if (depth > blk->dev.vq.num / 3U)
        depth = blk->dev.vq.num / 3U;
    if (depth == 0) {
        kprintf("%s: blk%d: queue of %u entries cannot hold a 3-descriptor request\n", name, blk->index,
                blk->dev.vq.num);
        return EXIT_VIRTIO_INIT;
    }
    size_t frames = depth * (READBENCH_REQUEST_BYTES / PAGE_SIZE);
    uint64_t buffers_pa;
    uint8_t *buffers = dma_alloc(frames, &buffers_pa);
    if (buffers == NULL) {
        kprintf("%s: no %lu KiB for the buffers\n", name, (unsigned long)(frames * PAGE_SIZE / 1024));
        return EXIT_NO_MEMORY;
    }
    struct bench_req reqs[READBENCH_DEPTH];
    for (unsigned i = 0; i < depth; i++)
        reqs[i].buf = buffers + (size_t)i * READBENCH_REQUEST_BYTES;

    uint64_t per_req = READBENCH_REQUEST_BYTES / BLK_SECTOR_SIZE;
    uint64_t nreq = (blk->capacity + per_req - 1) / per_req;
    bool exact = blk->capacity % per_req == 0;
    kprintf("%s: blk%d: reading %lu bytes (%lu sectors) as %lu requests of %s%u bytes, up to %u in flight\n", name,
            blk->index, (unsigned long)bytes, (unsigned long)blk->capacity, (unsigned long)nreq,
            exact ? "" : "up to ", READBENCH_REQUEST_BYTES, depth);

    uint32_t irq_before = blk->dev.interrupts;
    uint64_t next = 0, sum = FNV_OFFSET;
    unsigned in_flight = 0;
    int r;
    uint64_t start = rdtime();
    for (unsigned i = 0; i < depth && next < blk->capacity; i++, in_flight++) {
        if ((r = submit(blk, &reqs[i], &next, name)))
            return r;
    }
    /* Requests went out round-robin over reqs[], so taking them back in the same order
     * waits for the oldest first and checksums the sectors in disk order. Completions
     * may arrive in any order; later ones are simply found done already. */
    int failed = EXIT_OK;
    for (unsigned i = 0; in_flight > 0; i = (i + 1) % depth) {
        struct bench_req *q = &reqs[i];
        int st = blk_wait(blk, q->slot);
        in_flight--;
        if (st != VIRTIO_BLK_S_OK) {
            kprintf("%s: blk%d: read of %u bytes at sector %lu: status %s (%d)\n", name, blk->index, q->len,
                    (unsigned long)q->sector, blk_status_name(st), st);
            if (st == BLK_TIMEOUT)
                return EXIT_TIMEOUT; /* the buffers stay allocated: the device may still write them */
            failed = EXIT_IO_STATUS;
        }
        if (failed) /* submit nothing more; the loop still waits for what is in flight */
            continue;
        sum = checksum_sectors(sum, q->buf, q->len);
        if (next < blk->capacity) {
            if ((r = submit(blk, q, &next, name)))
                return r;
            in_flight++;
        }
    }
    uint64_t ticks = rdtime() - start;
    uint32_t irqs = blk->dev.interrupts - irq_before;
    dma_dealloc(buffers_pa, buffers, frames);
    if (failed)
        return failed;

    uint32_t status = virtio_status(&blk->dev);
    if (status & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        kprintf("%s: blk%d: device status 0x%x\n", name, blk->index, status);
        return EXIT_IO_STATUS;
    }
    if (blk->dev.protocol_errors) {
        kprintf("%s: blk%d: the used ring named %u descriptor(s) that were not in flight\n", name, blk->index,
                blk->dev.protocol_errors);
        return EXIT_IO_STATUS;
    }

    /* Bytes per second from ticks; the 64-bit product cannot overflow below
     * 2^64 / timebase bytes (1.8 TB at 10 MHz), beyond which precision hardly matters. */
    if (ticks == 0)
        ticks = 1;
    uint64_t tb = plat.timebase;
    uint64_t per_sec = bytes <= UINT64_MAX / tb ? bytes * tb / ticks : bytes / ticks * tb;
    kprintf("%s: %lu bytes in ", name, (unsigned long)bytes);
    print_fixed(ticks, tb, 3);
    kprintf(" s = ");
    print_fixed(per_sec, 1U << 20, 1);
    kprintf(" MiB/s (%lu requests of %s%u bytes), %lu requests/s\n", (unsigned long)nreq, exact ? "" : "up to ",
            READBENCH_REQUEST_BYTES, (unsigned long)(nreq * tb / ticks));
    kprintf("%s: %u completion interrupts; checksum 0x%016lx (FNV-1a of each sector's first 8 bytes)\n", name, irqs,
            (unsigned long)sum);
    return EXIT_OK;
}
