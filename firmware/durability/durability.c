/*
 * Durability guest (issue 12): a bare-metal M-mode program that writes numbered records to a virtio-blk
 * disk for ever, flushing after each batch, and prints on the UART which writes a completed FLUSH made
 * durable. The host kills RvEmu with SIGKILL at random moments and checks that every acknowledged record
 * is on the disk, and that no byte outside the record area changed (RvEmu.Tests Durability tests).
 *
 * Disk layout: SLOTS sectors of records, record n in sector n % SLOTS; everything after them is never
 * written. A record is: le64 magic, le64 n, le64 slot, then 488 bytes (n * 131 + i * 7) & 0xff.
 * On the UART: "R <n>\n" when writing starts at record n (one past the newest on the disk), then
 * "A <n>\n" after each FLUSH that completed OK: records up to n are durable.
 *
 * The device is the legacy virtio-mmio block device RvEmu's first --drive gets (slot 7, 0x1000_8000;
 * virtio 1.2 §4.2.4), driven by polling the used ring: no interrupts.
 */
#include <stdint.h>

#define UART 0x10000000UL
#define VIRTIO 0x10008000UL
#define SLOTS 64
#define QSIZE 8
#define SECTOR 512
#define MAGIC 0x454c494241525544ULL /* "DURABILE" */

#define REG(off) (*(volatile uint32_t *)(VIRTIO + (off)))
enum { MAGIC_VALUE = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, DRIVER_FEATURES = 0x020, GUEST_PAGE_SIZE = 0x028,
       QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038, QUEUE_ALIGN = 0x03c, QUEUE_PFN = 0x040,
       QUEUE_NOTIFY = 0x050, STATUS = 0x070 };
enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4 };

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct req_header { uint32_t type, reserved; uint64_t sector; };

/* §2.7.2 legacy layout for QSIZE 8 and QueueAlign 4096: descriptors, available ring, then the used ring on the next page. */
static struct {
    struct desc desc[QSIZE];
    uint16_t avail_flags, avail_idx, avail_ring[QSIZE], used_event;
    uint8_t pad[4096 - 16 * QSIZE - 2 * (3 + QSIZE)];
    volatile uint16_t used_flags, used_idx;
    volatile struct { uint32_t id, len; } used_ring[QSIZE];
} __attribute__((aligned(4096))) ring;

static struct req_header header;
static volatile uint8_t status;
static uint8_t data[SLOTS * SECTOR] __attribute__((aligned(16)));
static uint16_t used_seen;

static void putc_(char c)
{
    volatile uint8_t *u = (volatile uint8_t *)UART;
    while (!(u[5] & 0x20)) {}
    u[0] = (uint8_t)c;
}

static void put_line(char tag, uint64_t n)
{
    putc_(tag);
    putc_(' ');
    for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(n >> i) & 15]);
    putc_('\n');
}

static void fail(char why)
{
    putc_('F');
    putc_(why);
    putc_('\n');
    for (;;) {}
}

/* One request: header, `count` data descriptors of one sector each (readable for OUT, writable for IN), status. */
static uint8_t request(uint32_t type, uint64_t sector, uint8_t *buf, int count)
{
    header.type = type;
    header.reserved = 0;
    header.sector = sector;
    status = 0xff;
    int d = 0;
    ring.desc[d] = (struct desc){ (uint64_t)(uintptr_t)&header, sizeof header, 1, 1 };
    for (int i = 0; i < count; i++, d++)
        ring.desc[d + 1] = (struct desc){ (uint64_t)(uintptr_t)(buf + i * SECTOR), SECTOR, (uint16_t)(1 | (type == T_IN ? 2 : 0)), (uint16_t)(d + 2) };
    ring.desc[d + 1] = (struct desc){ (uint64_t)(uintptr_t)&status, 1, 2, 0 };
    ring.avail_ring[ring.avail_idx % QSIZE] = 0;
    __asm__ volatile("fence rw, rw" ::: "memory");
    ring.avail_idx++;
    __asm__ volatile("fence rw, rw" ::: "memory");
    REG(QUEUE_NOTIFY) = 0;
    while (ring.used_idx == used_seen) {}
    __asm__ volatile("fence rw, rw" ::: "memory");
    used_seen++;
    return status;
}

static void fill_record(uint8_t *p, uint64_t n)
{
    uint64_t *w = (uint64_t *)p;
    w[0] = MAGIC;
    w[1] = n;
    w[2] = n % SLOTS;
    for (int i = 24; i < SECTOR; i++) p[i] = (uint8_t)(n * 131 + i * 7);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

void main(void)
{
    if (REG(MAGIC_VALUE) != 0x74726976 || REG(VERSION) != 1 || REG(DEVICE_ID) != 2) fail('D');
    REG(STATUS) = 0;
    REG(STATUS) = 1;
    REG(STATUS) = 1 | 2;
    REG(DRIVER_FEATURES) = 0;
    REG(GUEST_PAGE_SIZE) = 4096;
    REG(QUEUE_SEL) = 0;
    if (REG(QUEUE_NUM_MAX) < QSIZE) fail('Q');
    REG(QUEUE_NUM) = QSIZE;
    REG(QUEUE_ALIGN) = 4096;
    REG(QUEUE_PFN) = (uint32_t)((uintptr_t)&ring >> 12);
    REG(STATUS) = 1 | 2 | 4;

    /* Continue one past the newest record on the disk. */
    uint64_t next = 1;
    for (int s = 0; s < SLOTS; s += 4) {
        if (request(T_IN, (uint64_t)s, data + s * SECTOR, 4) != 0) fail('I');
    }
    for (int s = 0; s < SLOTS; s++) {
        uint64_t *w = (uint64_t *)(data + s * SECTOR);
        if (w[0] == MAGIC && w[1] >= next) next = w[1] + 1;
    }
    rng ^= next * 0x2545f4914f6cdd1dULL;
    put_line('R', next);

    for (;;) {
        /* A batch of 1..6 records: one multi-segment request when they are consecutive on the disk, else one each. */
        int count = 1 + (int)(next_random() % 6);
        uint64_t first = next;
        if (first % SLOTS + (uint64_t)count <= SLOTS) {
            for (int i = 0; i < count; i++) fill_record(data + i * SECTOR, first + (uint64_t)i);
            if (request(T_OUT, first % SLOTS, data, count) != 0) fail('W');
        } else {
            for (int i = 0; i < count; i++) {
                fill_record(data, first + (uint64_t)i);
                if (request(T_OUT, (first + (uint64_t)i) % SLOTS, data, 1) != 0) fail('W');
            }
        }
        next = first + (uint64_t)count;
        if (request(T_FLUSH, 0, data, 0) != 0) fail('S');
        put_line('A', next - 1);
    }
}
