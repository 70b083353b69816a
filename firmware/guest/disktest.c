/* Block device test: GET_ID, read sector 0 (and show its text), a multi-sector read,
 * several reads in flight at once, then on a writable disk write / flush / read back /
 * restore the last sector, or on a read-only one check that a write fails with IOERR.
 * On the bundled disk, whose sectors hold a known pattern (mkdisk.sh), every read is
 * also checked against that pattern. */
#include "disktest.h"

#include "console.h"
#include "frames.h"
#include "guest.h"
#include "riscv.h"
#include "string.h"
#include "trap.h"

#define BATCH 4

struct buffers {
    uint8_t *orig;          /* the last sector as found */
    uint8_t *pattern;       /* what the write test writes */
    uint8_t *check;         /* read-back */
    uint8_t *id;            /* GET_ID answer */
    uint8_t *batch[BATCH];  /* one sector each */
    uint8_t *multi;         /* 8 sectors */
};

/* The bundled disk's sector s (s >= 1): "sector %08x\n" (16 bytes) 32 times. */
static void bundled_sector(uint64_t s, uint8_t *out)
{
    static const char hex[] = "0123456789abcdef";
    char line[16];
    memcpy(line, "sector ", 7);
    for (int i = 0; i < 8; i++)
        line[7 + i] = hex[(s >> (28 - 4 * i)) & 0xf];
    line[15] = '\n';
    for (int i = 0; i < BLK_SECTOR_SIZE; i += 16)
        memcpy(out + i, line, 16);
}

static bool matches_bundled(uint64_t s, const uint8_t *data)
{
    uint8_t expect[BLK_SECTOR_SIZE];
    bundled_sector(s, expect);
    return memcmp(expect, data, BLK_SECTOR_SIZE) == 0;
}

static int first_difference(const uint8_t *a, const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i] != b[i])
            return i;
    }
    return -1;
}

/* Checks a request's status; prints and returns the exit code for a mismatch. */
static int expect(struct virtio_blk *blk, const char *what, int got, int want)
{
    if (got == want)
        return EXIT_OK;
    kprintf("blk%d: %s: status %s (%d), expected %s\n", blk->index, what, blk_status_name(got), got,
            blk_status_name(want));
    if (virtio_status(&blk->dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        kprintf("blk%d: device reports DEVICE_NEEDS_RESET\n", blk->index);
    return got == BLK_TIMEOUT ? EXIT_TIMEOUT : EXIT_IO_STATUS;
}

static int compare(struct virtio_blk *blk, const char *what, const uint8_t *got, const uint8_t *want, int n)
{
    int at = first_difference(got, want, n);
    if (at < 0)
        return EXIT_OK;
    kprintf("blk%d: %s: data differs at byte %d (got 0x%02x, expected 0x%02x)\n", blk->index, what, at, got[at],
            want[at]);
    return EXIT_DATA;
}

static void print_text(struct virtio_blk *blk, const uint8_t *data, int n)
{
    int lines = 0;
    int i = 0;
    while (i < n && data[i] != 0 && lines < 6) {
        kprintf("blk%d: | ", blk->index);
        while (i < n && data[i] != 0 && data[i] != '\n') {
            char c = (char)data[i++];
            kprintf("%c", c >= 0x20 && c < 0x7f ? c : '.');
        }
        if (i < n && data[i] == '\n')
            i++;
        kprintf("\n");
        lines++;
    }
    if (lines == 0)
        kprintf("blk%d: (sector 0 holds no text)\n", blk->index);
}

static int test_get_id(struct virtio_blk *blk, struct buffers *b)
{
    memset(b->id, 0, VIRTIO_BLK_ID_BYTES + 1);
    int st = blk_request(blk, VIRTIO_BLK_T_GET_ID, 0, b->id, VIRTIO_BLK_ID_BYTES);
    if (st == VIRTIO_BLK_S_UNSUPP) {
        kprintf("blk%d: GET_ID not supported\n", blk->index);
        return EXIT_OK;
    }
    int r = expect(blk, "GET_ID", st, VIRTIO_BLK_S_OK);
    if (r)
        return r;
    /* NUL-padded ASCII, not terminated when exactly 20 bytes long (§5.2.6). */
    kprintf("blk%d: serial (GET_ID): \"", blk->index);
    for (int i = 0; i < VIRTIO_BLK_ID_BYTES && b->id[i]; i++)
        kprintf("%c", b->id[i] >= 0x20 && b->id[i] < 0x7f ? b->id[i] : '.');
    kprintf("\"\n");
    return EXIT_OK;
}

static int test_reads(struct virtio_blk *blk, struct buffers *b, bool *bundled)
{
    int r;
    /* Sector 0 into the multi-sector buffer's first sector. */
    if ((r = expect(blk, "read sector 0", blk_request(blk, VIRTIO_BLK_T_IN, 0, b->multi, BLK_SECTOR_SIZE),
                    VIRTIO_BLK_S_OK)))
        return r;
    kprintf("blk%d: sector 0 says:\n", blk->index);
    print_text(blk, b->multi, BLK_SECTOR_SIZE);
    *bundled = memcmp(b->multi, BUNDLED_DISK_GREETING, sizeof(BUNDLED_DISK_GREETING) - 1) == 0;
    if (*bundled)
        kprintf("blk%d: this is the bundled disk: checking its sector pattern\n", blk->index);
    uint64_t cap = blk->capacity;
    if (cap < 16) {
        kprintf("blk%d: disk smaller than 16 sectors: multi-sector and batch reads skipped\n", blk->index);
        return EXIT_OK;
    }

    /* Eight sectors (4 KiB) in one request: sectors 1..8. */
    if ((r = expect(blk, "read sectors 1..8", blk_request(blk, VIRTIO_BLK_T_IN, 1, b->multi, 8 * BLK_SECTOR_SIZE),
                    VIRTIO_BLK_S_OK)))
        return r;
    for (int i = 0; i < 8 && *bundled; i++) {
        if (!matches_bundled(1 + (uint64_t)i, b->multi + i * BLK_SECTOR_SIZE)) {
            kprintf("blk%d: read sectors 1..8: sector %d does not hold its pattern\n", blk->index, 1 + i);
            return EXIT_DATA;
        }
    }
    kprintf("blk%d: read sectors 1..8 in one request: ok\n", blk->index);

    /* BATCH reads in flight together; they may complete in any order and several per
     * interrupt. Sector 1 again (must match the multi-sector read), the middle, the
     * last-but-one and sector 2. */
    uint64_t sectors[BATCH] = { 1, cap / 2, cap - 2, 2 };
    int slots[BATCH];
    for (int i = 0; i < BATCH; i++) {
        memset(b->batch[i], 0xee, BLK_SECTOR_SIZE);
        slots[i] = blk_submit(blk, VIRTIO_BLK_T_IN, sectors[i], b->batch[i], BLK_SECTOR_SIZE);
        if (slots[i] < 0) {
            kprintf("blk%d: batch read: queue full\n", blk->index);
            return EXIT_INTERNAL;
        }
    }
    for (int i = 0; i < BATCH; i++) {
        if ((r = expect(blk, "batch read", blk_wait(blk, slots[i]), VIRTIO_BLK_S_OK)))
            return r;
    }
    if ((r = compare(blk, "batch read of sector 1 vs. earlier read", b->batch[0], b->multi, BLK_SECTOR_SIZE)))
        return r;
    if ((r = compare(blk, "batch read of sector 2 vs. earlier read", b->batch[3], b->multi + BLK_SECTOR_SIZE,
                     BLK_SECTOR_SIZE)))
        return r;
    for (int i = 0; i < BATCH && *bundled; i++) {
        if (!matches_bundled(sectors[i], b->batch[i])) {
            kprintf("blk%d: batch read: sector %lu does not hold its pattern\n", blk->index,
                    (unsigned long)sectors[i]);
            return EXIT_DATA;
        }
    }
    kprintf("blk%d: %d reads in flight at once (sectors 1, %lu, %lu, 2): ok\n", blk->index, BATCH,
            (unsigned long)sectors[1], (unsigned long)sectors[2]);
    return EXIT_OK;
}

static int flush(struct virtio_blk *blk, const char *what)
{
    if (!blk->has_flush)
        return EXIT_OK;
    return expect(blk, what, blk_request(blk, VIRTIO_BLK_T_FLUSH, 0, NULL, 0), VIRTIO_BLK_S_OK);
}

static int test_write(struct virtio_blk *blk, struct buffers *b, bool bundled)
{
    int r;
    uint64_t last = blk->capacity - 1;
    if ((r = expect(blk, "read last sector", blk_request(blk, VIRTIO_BLK_T_IN, last, b->orig, BLK_SECTOR_SIZE),
                    VIRTIO_BLK_S_OK)))
        return r;
    if (bundled && !matches_bundled(last, b->orig)) {
        kprintf("blk%d: last sector %lu does not hold its pattern\n", blk->index, (unsigned long)last);
        return EXIT_DATA;
    }
    for (int i = 0; i < BLK_SECTOR_SIZE; i++)
        b->pattern[i] = (uint8_t)(i * 31 + 0x5a + last);
    memcpy(b->pattern, "RvEmu guest write test", 22);

    if (blk->read_only) {
        /* VIRTIO_BLK_F_RO: "any write requests will fail" (§5.2.5); QEMU answers IOERR. */
        if ((r = expect(blk, "write to a read-only disk", blk_request(blk, VIRTIO_BLK_T_OUT, last, b->pattern,
                                                                       BLK_SECTOR_SIZE),
                        VIRTIO_BLK_S_IOERR)))
            return r;
        if ((r = expect(blk, "read back after refused write",
                        blk_request(blk, VIRTIO_BLK_T_IN, last, b->check, BLK_SECTOR_SIZE), VIRTIO_BLK_S_OK)))
            return r;
        if ((r = compare(blk, "last sector after refused write", b->check, b->orig, BLK_SECTOR_SIZE)))
            return r;
        kprintf("blk%d: read-only: write to sector %lu refused with IOERR, contents unchanged: ok\n", blk->index,
                (unsigned long)last);
        return EXIT_OK;
    }

    if ((r = expect(blk, "write last sector",
                    blk_request(blk, VIRTIO_BLK_T_OUT, last, b->pattern, BLK_SECTOR_SIZE), VIRTIO_BLK_S_OK)))
        return r;
    if ((r = flush(blk, "flush after write")))
        return r;
    if ((r = expect(blk, "read back last sector",
                    blk_request(blk, VIRTIO_BLK_T_IN, last, b->check, BLK_SECTOR_SIZE), VIRTIO_BLK_S_OK)))
        return r;
    if ((r = compare(blk, "read back of the written pattern", b->check, b->pattern, BLK_SECTOR_SIZE)))
        return r;
    kprintf("blk%d: sector %lu: write pattern%s, read back: ok\n", blk->index, (unsigned long)last,
            blk->has_flush ? ", flush" : "");

    if ((r = expect(blk, "restore last sector", blk_request(blk, VIRTIO_BLK_T_OUT, last, b->orig, BLK_SECTOR_SIZE),
                    VIRTIO_BLK_S_OK)))
        return r;
    if ((r = flush(blk, "flush after restore")))
        return r;
    if ((r = expect(blk, "read back restored sector",
                    blk_request(blk, VIRTIO_BLK_T_IN, last, b->check, BLK_SECTOR_SIZE), VIRTIO_BLK_S_OK)))
        return r;
    if ((r = compare(blk, "restored sector", b->check, b->orig, BLK_SECTOR_SIZE)))
        return r;
    kprintf("blk%d: sector %lu: original contents restored%s: ok\n", blk->index, (unsigned long)last,
            blk->has_flush ? " and flushed" : "");
    return EXIT_OK;
}

int disk_test(struct virtio_blk *blk)
{
    kprintf("blk%d: capacity %lu sectors (%lu KiB)", blk->index, (unsigned long)blk->capacity,
            (unsigned long)(blk->capacity / 2));
    if (blk->blk_size)
        kprintf(", blk_size %u", blk->blk_size);
    if (blk->seg_max)
        kprintf(", seg_max %u", blk->seg_max);
    kprintf(", %s, %s\n", blk->read_only ? "read-only" : "writable", blk->has_flush ? "flush supported" : "no flush");
    if (blk->capacity == 0) {
        kprintf("blk%d: empty disk (capacity 0)\n", blk->index);
        return EXIT_DATA;
    }

    struct buffers b;
    uint8_t *small = frames_alloc(2);
    b.multi = frames_alloc(1);
    if (small == NULL || b.multi == NULL)
        return EXIT_NO_MEMORY;
    b.orig = small;
    b.pattern = small + 512;
    b.check = small + 1024;
    b.id = small + 1536;
    for (int i = 0; i < BATCH; i++)
        b.batch[i] = small + 4096 + 512 * i;

    uint64_t start = rdtime();
    uint32_t irq_before = blk->dev.interrupts;
    bool bundled = false;
    int r = test_get_id(blk, &b);
    if (r == EXIT_OK)
        r = test_reads(blk, &b, &bundled);
    if (r == EXIT_OK)
        r = test_write(blk, &b, bundled);
    uint64_t elapsed = rdtime() - start;
    if (r != EXIT_OK)
        return r;

    /* The transport must still be healthy, and every request must have been
     * completed by the interrupt handler. */
    uint32_t status = virtio_status(&blk->dev);
    if (status & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        kprintf("blk%d: device status 0x%x (%s)\n", blk->index, status,
                (status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) ? "DEVICE_NEEDS_RESET" : "FAILED");
        return EXIT_IO_STATUS;
    }
    if (blk->dev.protocol_errors) {
        kprintf("blk%d: the used ring named %u descriptor(s) that were not in flight\n", blk->index,
                blk->dev.protocol_errors);
        return EXIT_IO_STATUS;
    }
    if (blk->completed != blk->submitted) {
        kprintf("blk%d: %u requests submitted, %u completed\n", blk->index, blk->submitted, blk->completed);
        return EXIT_INTERNAL;
    }
    kprintf("blk%d: %u requests completed from %u interrupts; test took %lu us\n", blk->index, blk->completed,
            blk->dev.interrupts - irq_before, (unsigned long)ticks_to_us(elapsed));
    if (blk->sync_count)
        kprintf("blk%d: single-request latency: average %lu us, max %lu us over %u requests\n", blk->index,
                (unsigned long)ticks_to_us(blk->sync_ticks / blk->sync_count),
                (unsigned long)ticks_to_us(blk->sync_max_ticks), blk->sync_count);
    if (blk->dev.config_changes)
        kprintf("blk%d: %u configuration change interrupt(s)\n", blk->index, blk->dev.config_changes);
    frames_free(small, 2);
    frames_free(b.multi, 1);
    return EXIT_OK;
}
