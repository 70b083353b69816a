/* virtio-mmio transport (virtio 1.2 §4.2), modern (Version 2) and legacy (Version 1,
 * §4.2.4), with one split virtqueue per device (§2.7). */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

/* MMIO register offsets (§4.2.2; legacy-only ones from §4.2.4). */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE 0x028
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_LEGACY_QUEUE_ALIGN 0x03c
#define VIRTIO_MMIO_LEGACY_QUEUE_PFN 0x040
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976 /* "virt" */

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* InterruptStatus bits (§4.2.2). */
#define VIRTIO_INT_USED_BUFFER 1
#define VIRTIO_INT_CONFIG_CHANGE 2

/* Reserved (device-independent) feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue structures (§2.7.5, §2.7.6, §2.7.8). */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[]; /* then le16 used_event (only with VIRTIO_F_EVENT_IDX) */
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[]; /* then le16 avail_event */
};
#define VIRTQ_USED_F_NO_NOTIFY 1

#define VIRTQ_MAX_SIZE 64

struct virtq {
    uint16_t num;          /* queue size (power of two) */
    uint16_t free_head;    /* free descriptors are chained through .next */
    uint16_t num_free;
    uint16_t last_used;    /* next used-ring index we have not consumed */
    uint16_t avail_idx;    /* our copy of avail->idx */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    volatile struct virtq_used *used;
    void *mem;             /* the frames holding all three areas (from dma_alloc) */
    uint64_t mem_pa;       /* ... and their physical address, which the device is given */
    unsigned mem_frames;
};

struct virtio_dev {
    uintptr_t base;        /* the registers, through phys_to_virt */
    uint64_t base_pa;
    uint32_t irq;
    uint32_t version;      /* 1 = legacy, 2 = modern */
    uint32_t device_id;
    uint32_t vendor_id;
    uint64_t features_offered;
    uint64_t features;     /* negotiated */
    struct virtq vq;
    /* Interrupt bookkeeping, written by the interrupt handler. */
    volatile uint32_t interrupts;
    volatile uint32_t config_changes;
    volatile uint32_t protocol_errors; /* used ring named a descriptor we did not submit */
};

/* Called from the interrupt handler for each used buffer with its chain head and written
 * length; returns false if `head` was not in flight (the chain is then left alone). */
typedef bool (*virtq_complete_fn)(struct virtio_dev *dev, uint16_t head, uint32_t len);

uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off);
void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t value);
uint32_t virtio_status(const struct virtio_dev *dev);
bool virtio_is_legacy(const struct virtio_dev *dev);

/* Reads magic, version and device id (§4.2.3.1) of the registers at physical `base_pa`.
 * Returns false (with *why set) when the header is invalid or the range is not mapped;
 * device id 0 is a valid empty slot. */
bool virtio_probe_header(struct virtio_dev *dev, uint64_t base_pa, uint32_t irq, const char **why);
/* Reset, ACKNOWLEDGE, DRIVER, feature negotiation (accepting offered & supported) and,
 * for modern devices, FEATURES_OK with read-back (§3.1.1). False with *why on failure. */
bool virtio_negotiate(struct virtio_dev *dev, uint64_t supported, const char **why);
/* Allocates and registers queue 0 with at most `max_size` entries (§4.2.3.2 / §4.2.4). */
bool virtio_setup_queue(struct virtio_dev *dev, uint16_t max_size, const char **why);
/* Sets DRIVER_OK; false if the device then reports DEVICE_NEEDS_RESET or FAILED. */
bool virtio_driver_ok(struct virtio_dev *dev);
/* Marks the device FAILED (§3.1.1 step 8 / error paths). */
void virtio_fail(struct virtio_dev *dev);

/* One buffer of a descriptor chain, as the device sees it: a physical address. */
struct virtq_buf {
    uint64_t pa;
    uint32_t len;
    bool device_writes;
};

/* Puts a chain of `n` buffers in the available ring and notifies the device.
 * Returns the head descriptor index, or -1 if there are not enough free descriptors. */
int virtq_submit(struct virtio_dev *dev, const struct virtq_buf *bufs, unsigned n);
/* Interrupt-side handling (§4.2.3.4): read InterruptStatus, acknowledge it, harvest the
 * used ring, calling `complete` for each used chain and freeing its descriptors.
 * Returns true if at least one used buffer was harvested. */
bool virtio_handle_interrupt(struct virtio_dev *dev, virtq_complete_fn complete);

#endif
