/* What the kernel found at boot, shared by main.c and the shell. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdint.h>

#include "platform.h"
#include "virtio_blk.h"

struct kernel {
    struct virtio_dev virtio[MAX_VIRTIO]; /* every probed virtio-mmio slot (device id 0 = empty) */
    struct virtio_blk blks[MAX_VIRTIO];
    int nblk;
    uint64_t boot_ticks;
};

extern struct kernel kernel;

const char *virtio_device_name(uint32_t id);
/* Continues at fn() on the stack with top `sp` (start.S). */
void run_on_stack(uint64_t sp, void (*fn)(void)) __attribute__((noreturn));

#endif
