/* virtio-blk: feature negotiation, configuration, request submission and the
 * interrupt-side completion. */
#include "virtio_blk.h"

#include "console.h"
#include "guest.h"
#include "hal.h"
#include "riscv.h"
#include "string.h"
#include "trap.h"

/* Features this driver implements. SEG_MAX and BLK_SIZE are only read and printed;
 * RO is accepted so the device can tell us it is read-only; FLUSH enables FLUSH requests. */
#define BLK_SUPPORTED_FEATURES                                                                            \
    ((1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |       \
     (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_F_VERSION_1))

/* Offsets in struct virtio_blk_config (§5.2.4). */
#define BLK_CFG_CAPACITY 0x00
#define BLK_CFG_SEG_MAX 0x0c
#define BLK_CFG_BLK_SIZE 0x14

static const char *feature_name(unsigned bit)
{
    switch (bit) {
    case 0: return "BARRIER(legacy)";
    case VIRTIO_BLK_F_SIZE_MAX: return "SIZE_MAX";
    case VIRTIO_BLK_F_SEG_MAX: return "SEG_MAX";
    case VIRTIO_BLK_F_GEOMETRY: return "GEOMETRY";
    case VIRTIO_BLK_F_RO: return "RO";
    case VIRTIO_BLK_F_BLK_SIZE: return "BLK_SIZE";
    case 7: return "SCSI(legacy)";
    case VIRTIO_BLK_F_FLUSH: return "FLUSH";
    case VIRTIO_BLK_F_TOPOLOGY: return "TOPOLOGY";
    case VIRTIO_BLK_F_CONFIG_WCE: return "CONFIG_WCE";
    case VIRTIO_BLK_F_MQ: return "MQ";
    case VIRTIO_BLK_F_DISCARD: return "DISCARD";
    case VIRTIO_BLK_F_WRITE_ZEROES: return "WRITE_ZEROES";
    case 15: return "LIFETIME";
    case 16: return "SECURE_ERASE";
    case 17: return "ZONED";
    case 24: return "NOTIFY_ON_EMPTY(legacy)";
    case 27: return "ANY_LAYOUT(legacy)";
    case VIRTIO_F_INDIRECT_DESC: return "INDIRECT_DESC";
    case VIRTIO_F_EVENT_IDX: return "EVENT_IDX";
    case 30: return "BAD_FEATURE(legacy)";
    case VIRTIO_F_VERSION_1: return "VERSION_1";
    case 33: return "ACCESS_PLATFORM";
    case 34: return "RING_PACKED";
    case 35: return "IN_ORDER";
    case 36: return "ORDER_PLATFORM";
    case 37: return "SR_IOV";
    case 38: return "NOTIFICATION_DATA";
    case 39: return "NOTIF_CONFIG_DATA";
    case 40: return "RING_RESET";
    default: return NULL;
    }
}

void blk_print_features(uint64_t features)
{
    bool first = true;
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(features & (1ULL << bit)))
            continue;
        const char *name = feature_name(bit);
        if (name)
            kprintf("%s%s", first ? "" : " ", name);
        else
            kprintf("%sbit%u", first ? "" : " ", bit);
        first = false;
    }
    if (first)
        kprintf("none");
}

const char *blk_status_name(int status)
{
    switch (status) {
    case VIRTIO_BLK_S_OK: return "OK";
    case VIRTIO_BLK_S_IOERR: return "IOERR";
    case VIRTIO_BLK_S_UNSUPP: return "UNSUPP";
    case BLK_TIMEOUT: return "timeout (no completion interrupt)";
    case BLK_SHORT_LEN: return "used length too short";
    case BLK_NO_SLOT: return "no free descriptors, or the buffer is not mapped or too fragmented";
    default: return "unknown status";
    }
}

static bool has(const struct virtio_blk *blk, unsigned bit) { return (blk->dev.features >> bit) & 1; }

static uint32_t cfg32(const struct virtio_blk *blk, uint32_t off)
{
    return virtio_read32(&blk->dev, VIRTIO_MMIO_CONFIG + off);
}

/* Reads the fields we use. A 64-bit field takes two 32-bit reads (§4.2.2.2), so the
 * whole read is repeated until it is consistent: ConfigGeneration unchanged for
 * modern devices (§2.5.1), two identical passes for legacy ones, which have no
 * generation counter (§2.5.4). */
static void read_config(struct virtio_blk *blk)
{
    for (int tries = 0; tries < 100; tries++) {
        uint32_t gen = virtio_is_legacy(&blk->dev) ? 0 : virtio_read32(&blk->dev, VIRTIO_MMIO_CONFIG_GENERATION);
        uint64_t cap = cfg32(blk, BLK_CFG_CAPACITY) | (uint64_t)cfg32(blk, BLK_CFG_CAPACITY + 4) << 32;
        uint32_t seg = has(blk, VIRTIO_BLK_F_SEG_MAX) ? cfg32(blk, BLK_CFG_SEG_MAX) : 0;
        uint32_t bsz = has(blk, VIRTIO_BLK_F_BLK_SIZE) ? cfg32(blk, BLK_CFG_BLK_SIZE) : 0;
        bool stable;
        if (virtio_is_legacy(&blk->dev))
            stable = tries > 0 && cap == blk->capacity && seg == blk->seg_max && bsz == blk->blk_size;
        else
            stable = gen == virtio_read32(&blk->dev, VIRTIO_MMIO_CONFIG_GENERATION);
        blk->capacity = cap;
        blk->seg_max = seg;
        blk->blk_size = bsz;
        if (stable)
            return;
    }
}

static bool blk_complete(struct virtio_dev *dev, uint16_t head, uint32_t len)
{
    struct virtio_blk *blk = (struct virtio_blk *)dev;
    if (head >= VIRTQ_MAX_SIZE || blk->head_slot[head] < 0)
        return false;
    struct blk_slot *s = &blk->slots[blk->head_slot[head]];
    blk->head_slot[head] = -1;
    s->used_len = len;
    s->done = true;
    blk->completed++;
    return true;
}

static bool blk_interrupt(void *ctx)
{
    struct virtio_blk *blk = ctx;
    return virtio_handle_interrupt(&blk->dev, blk_complete);
}

bool blk_init(struct virtio_blk *blk, int index, const char **why)
{
    blk->index = index;
    for (int i = 0; i < VIRTQ_MAX_SIZE; i++)
        blk->head_slot[i] = -1;
    if (!virtio_negotiate(&blk->dev, BLK_SUPPORTED_FEATURES, why))
        return false;
    kprintf("blk%d: device features: ", index);
    blk_print_features(blk->dev.features_offered);
    kprintf("\nblk%d: accepted: ", index);
    blk_print_features(blk->dev.features);
    kprintf("\n");

    /* §3.1.1 step 7: device-specific setup, queues, then DRIVER_OK. */
    blk->read_only = has(blk, VIRTIO_BLK_F_RO);
    blk->has_flush = has(blk, VIRTIO_BLK_F_FLUSH);
    read_config(blk);

    /* One DMA frame holds every slot's header (16 bytes) and status byte, 32 bytes apart. */
    blk->req_frame = dma_alloc(1, &blk->req_frame_pa);
    if (blk->req_frame == NULL) {
        virtio_fail(&blk->dev);
        *why = "out of memory for request headers";
        return false;
    }
    for (int i = 0; i < BLK_SLOTS; i++) {
        blk->slots[i].hdr = (struct virtio_blk_req_hdr *)(blk->req_frame + 32 * i);
        blk->slots[i].status = blk->req_frame + 32 * i + 16;
        blk->slots[i].hdr_pa = blk->req_frame_pa + 32 * i;
        blk->slots[i].status_pa = blk->req_frame_pa + 32 * i + 16;
    }
    if (!virtio_setup_queue(&blk->dev, VIRTQ_MAX_SIZE, why)) {
        virtio_fail(&blk->dev);
        return false;
    }
    const struct virtq *vq = &blk->dev.vq;
    kprintf("blk%d: queue 0: %u entries in %u frame%s at va 0x%lx = pa 0x%lx (dma_alloc)\n", index, vq->num,
            vq->mem_frames, vq->mem_frames == 1 ? "" : "s", (unsigned long)(uintptr_t)vq->mem,
            (unsigned long)vq->mem_pa);
    irq_register(blk->dev.irq, blk_interrupt, blk);
    if (!virtio_driver_ok(&blk->dev)) {
        uint32_t s = virtio_status(&blk->dev);
        *why = (s & VIRTIO_STATUS_DEVICE_NEEDS_RESET) ? "device set DEVICE_NEEDS_RESET after DRIVER_OK"
                                                       : "device refused DRIVER_OK";
        return false;
    }
    return true;
}

/* GET_ID (§5.2.6): the serial, up to 20 bytes, not NUL-terminated when it fills them. */
void blk_read_serial(struct virtio_blk *blk)
{
    char id[VIRTIO_BLK_ID_BYTES];
    memset(id, 0, sizeof(id));
    int st = blk_request(blk, VIRTIO_BLK_T_GET_ID, 0, id, sizeof(id));
    if (st != VIRTIO_BLK_S_OK)
        memset(id, 0, sizeof(id));
    memcpy(blk->serial, id, sizeof(id));
    blk->serial[VIRTIO_BLK_ID_BYTES] = '\0';
}

int blk_submit(struct virtio_blk *blk, uint32_t type, uint64_t sector, void *data, uint32_t len)
{
    int slot = -1;
    for (int i = 0; i < BLK_SLOTS; i++) {
        if (!blk->slots[i].busy) {
            slot = i;
            break;
        }
    }
    if (slot < 0)
        return -1;
    struct blk_slot *s = &blk->slots[slot];
    s->hdr->type = type;
    s->hdr->reserved = 0;
    s->hdr->sector = sector;
    *s->status = 0xff; /* a value the device never writes: shows whether it did */
    s->type = type;
    s->data = data;
    s->data_len = data ? len : 0;
    s->done = false;
    s->used_len = 0;

    /* §5.2.6: header (device-readable), data, status (device-writable). The header
     * and the status byte get descriptors of their own, as legacy devices without
     * VIRTIO_F_ANY_LAYOUT require (§5.2.6.4). The data is handed over with share(),
     * which answers one physically contiguous piece at a time: a buffer that crosses
     * into a frame that is not the next one takes one descriptor per piece. */
    struct virtq_buf bufs[BLK_MAX_PIECES + 2];
    unsigned n = 0;
    bool device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
    enum dma_dir dir = device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
    unsigned max_pieces = BLK_MAX_PIECES;
    if (blk->seg_max != 0 && blk->seg_max < max_pieces)
        max_pieces = blk->seg_max; /* §5.2.4: at most seg_max data segments per request */
    bufs[n++] = (struct virtq_buf){ s->hdr_pa, sizeof(*s->hdr), false };
    for (uint32_t off = 0; data && off < len;) {
        uint64_t pa;
        size_t piece = share((uint8_t *)data + off, len - off, dir, &pa);
        if (piece == 0 || n - 1 == max_pieces) {
            unshare(data, off, dir);
            return -1;
        }
        bufs[n++] = (struct virtq_buf){ pa, (uint32_t)piece, device_writes };
        off += (uint32_t)piece;
    }
    s->pieces = n - 1;
    bufs[n++] = (struct virtq_buf){ s->status_pa, 1, true };
    wmb(); /* the header and status byte are ours to order, as share() orders the data */
    int head = virtq_submit(&blk->dev, bufs, n);
    if (head < 0) {
        if (data)
            unshare(data, len, dir);
        return -1;
    }
    if (s->pieces > 1) {
        blk->split_requests++;
        hal_stats.split_pieces += s->pieces - 1;
    }
    s->busy = true;
    s->head = (uint16_t)head;
    blk->head_slot[head] = (int8_t)slot;
    blk->submitted++;
    return slot;
}

static bool slot_done(void *arg) { return ((struct blk_slot *)arg)->done; }

int blk_wait(struct virtio_blk *blk, int slot)
{
    struct blk_slot *s = &blk->slots[slot];
    if (!wait_for(slot_done, s, ms_to_ticks(REQUEST_TIMEOUT_MS)))
        return BLK_TIMEOUT; /* the slot stays busy: the device may still write to it */
    s->busy = false;
    if (s->data)
        unshare(s->data, s->data_len,
                s->type == VIRTIO_BLK_T_IN || s->type == VIRTIO_BLK_T_GET_ID ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
    rmb();
    int status = *s->status;
    /* Modern devices report in `len` how many bytes they wrote (§2.7.8); the driver
     * must not trust data beyond it. Legacy drivers should ignore it (§5.2.6.3). */
    if (!virtio_is_legacy(&blk->dev)) {
        uint32_t need = 1;
        if (status == VIRTIO_BLK_S_OK && s->type == VIRTIO_BLK_T_IN)
            need += s->data_len;
        if (s->used_len < need)
            return BLK_SHORT_LEN;
    }
    return status;
}

int blk_request(struct virtio_blk *blk, uint32_t type, uint64_t sector, void *data, uint32_t len)
{
    uint64_t start = rdtime();
    int slot = blk_submit(blk, type, sector, data, len);
    if (slot < 0)
        return BLK_NO_SLOT;
    int status = blk_wait(blk, slot);
    uint64_t took = rdtime() - start;
    blk->sync_ticks += took;
    blk->sync_count++;
    if (took > blk->sync_max_ticks)
        blk->sync_max_ticks = took;
    return status;
}
