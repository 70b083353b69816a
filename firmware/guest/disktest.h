/* The end-to-end block device test run on every virtio-blk device. */
#ifndef GUEST_DISKTEST_H
#define GUEST_DISKTEST_H

#include "virtio_blk.h"

/* Greeting at the start of sector 0 of the bundled disk.img (written by mkdisk.sh). */
#define BUNDLED_DISK_GREETING "Hello from the RvEmu bundled disk!"

/* Runs the test; returns EXIT_OK or the failure's exit code (after printing why). */
int disk_test(struct virtio_blk *blk);

#endif
