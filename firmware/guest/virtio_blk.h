/* virtio block device driver (virtio 1.2 §5.2) on the virtio-mmio transport. */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define BLK_SECTOR_SIZE 512

/* blk_wait results besides the device's status byte. */
#define BLK_TIMEOUT (-1)   /* no completion within REQUEST_TIMEOUT_MS */
#define BLK_SHORT_LEN (-2) /* modern device reported fewer written bytes than required */
#define BLK_NO_SLOT (-3)   /* blk_request: could not submit (see blk_submit) */

#define BLK_SLOTS 8
/* Data descriptors per request at most: one per physically contiguous piece (hal.h share). */
#define BLK_MAX_PIECES 16

/* Request header, the first (device-readable) descriptor of every request. */
struct virtio_blk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct blk_slot {
    struct virtio_blk_req_hdr *hdr;  /* in the driver's DMA frame */
    volatile uint8_t *status;        /* likewise: the last, device-writable descriptor */
    uint64_t hdr_pa, status_pa;      /* ... as the device sees them */
    uint32_t type;
    void *data;                      /* the caller's buffer, shared while in flight */
    uint32_t data_len;
    unsigned pieces;                 /* data descriptors it took */
    bool busy;
    uint16_t head;
    volatile bool done;              /* set by the interrupt handler */
    volatile uint32_t used_len;
};

struct virtio_blk {
    struct virtio_dev dev;           /* first member: the interrupt path casts back */
    int index;
    uint64_t capacity;               /* in 512-byte sectors */
    uint32_t blk_size;               /* 0 unless VIRTIO_BLK_F_BLK_SIZE */
    uint32_t seg_max;                /* 0 unless VIRTIO_BLK_F_SEG_MAX */
    bool read_only;
    bool has_flush;
    uint8_t *req_frame;
    uint64_t req_frame_pa;
    char serial[VIRTIO_BLK_ID_BYTES + 1]; /* GET_ID at init, "" if none */
    struct blk_slot slots[BLK_SLOTS];
    int8_t head_slot[VIRTQ_MAX_SIZE]; /* descriptor chain head -> slot, -1 if none */
    uint32_t submitted;
    uint32_t completed;
    uint32_t split_requests;         /* requests whose data took more than one descriptor */
    /* Latency of blk_request calls (submit to completion seen), in timebase ticks. */
    uint64_t sync_ticks;
    uint64_t sync_max_ticks;
    uint32_t sync_count;
};

/* Brings up a probed block device: negotiation, config, queue, interrupt, DRIVER_OK.
 * Prints what it does; false with *why on failure. */
bool blk_init(struct virtio_blk *blk, int index, const char **why);
/* Queues a request: a header, an optional data buffer (device-writable for IN and
 * GET_ID) at any kernel virtual address, split into one descriptor per physically
 * contiguous piece (hal.h share), and a status byte. Returns the slot, or -1 if the queue
 * is full or the buffer is not mapped or too fragmented. */
int blk_submit(struct virtio_blk *blk, uint32_t type, uint64_t sector, void *data, uint32_t len);
/* Sleeps until the slot's request completes (interrupt-driven), then unshares its
 * buffer. Returns the status byte, BLK_TIMEOUT or BLK_SHORT_LEN. The slot is free
 * again afterwards. */
int blk_wait(struct virtio_blk *blk, int slot);
/* blk_submit + blk_wait. */
int blk_request(struct virtio_blk *blk, uint32_t type, uint64_t sector, void *data, uint32_t len);
const char *blk_status_name(int status);
/* Asks the device for its serial (GET_ID) into blk->serial. */
void blk_read_serial(struct virtio_blk *blk);
/* Writes the names of the feature bits in `features` (for the log). */
void blk_print_features(uint64_t features);

#endif
