/* The hardware-abstraction layer a device driver uses for memory: five services, the same
 * five the virtio-drivers `Hal` interface of the teaching OS this guest follows asks of its
 * kernel. The virtio driver (virtio.c, virtio_blk.c) talks about memory through nothing
 * else: it never assumes "virtual = physical + constant".
 *
 *   1. dma_alloc      physically contiguous, zeroed frames for rings and request headers
 *   2. dma_dealloc    gives them back
 *   3. phys_to_virt   where the kernel sees a physical address (RAM or device registers)
 *   4. virt_to_phys   what the device must be told for a kernel virtual address, found by
 *                     walking the page table (a stack page is not in the linear map)
 *   5. share/unshare  hand a buffer the driver did not allocate (a cache block, a buffer on
 *                     the stack) to the device for one request and take it back; share
 *                     answers one physically contiguous piece at a time, so a buffer that
 *                     crosses into a non-adjacent frame becomes one descriptor per piece. */
#ifndef GUEST_HAL_H
#define GUEST_HAL_H

#include <stddef.h>
#include <stdint.h>

enum dma_dir {
    DMA_TO_DEVICE,   /* the device reads the buffer (a write request, a header) */
    DMA_FROM_DEVICE, /* the device writes it (a read request, a status byte) */
};

/* `pages` contiguous zeroed frames: returns the kernel address, *pa the physical one;
 * NULL when no such run is free. */
void *dma_alloc(size_t pages, uint64_t *pa);
void dma_dealloc(uint64_t pa, void *va, size_t pages);
/* RAM -> the linear map, a mapped device range -> the device window; NULL otherwise. */
void *phys_to_virt(uint64_t pa);
/* By page-table walk; HAL_NO_PA if `va` is not mapped. */
uint64_t virt_to_phys(const void *va);
#define HAL_NO_PA UINT64_MAX

/* Makes the first bytes of [va, va+len) available to the device in direction `dir`:
 * *pa gets the physical address of va, and the return value says how many bytes from va
 * on are physically contiguous (at least up to the end of va's page unless len is
 * smaller, at most len). 0 if va is not mapped. Call again from va + returned bytes for
 * the rest. */
size_t share(const void *va, size_t len, enum dma_dir dir, uint64_t *pa);
/* The device is done with [va, va+len): after a DMA_FROM_DEVICE transfer the CPU may read it. */
void unshare(const void *va, size_t len, enum dma_dir dir);

/* Counters, shown by the `blk` command. */
struct hal_stats {
    uint64_t dma_pages;      /* currently allocated */
    uint64_t shares;         /* share calls */
    uint64_t split_pieces;   /* pieces beyond the first: a buffer split at a page boundary */
};
extern struct hal_stats hal_stats;

#endif
