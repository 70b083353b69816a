/* Throughput mode: with the word "readbench" in /chosen/bootargs the guest reads the
 * whole first disk sequentially with large requests instead of running the disk test. */
#ifndef GUEST_READBENCH_H
#define GUEST_READBENCH_H

#include "virtio_blk.h"

/* Bytes per request: one data descriptor each (so seg_max >= 1 is all it needs). */
#define READBENCH_REQUEST_BYTES (128U * 1024)
/* Requests in flight at once, further limited by the queue size and BLK_SLOTS. */
#define READBENCH_DEPTH 4

/* Reads every sector of `blk` once, in order, and prints the guest-measured throughput
 * and a checksum of what was read. Returns EXIT_OK or an exit code (after printing why). */
int read_bench(struct virtio_blk *blk);

#endif
