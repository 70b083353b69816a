/* The `bench` (and `readbench`) shell command: reads the whole disk sequentially with
 * large requests, several in flight, and reports the guest-measured throughput. */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include "virtio_blk.h"

/* Bytes per request: one data descriptor each (so seg_max >= 1 is all it needs). */
#define READBENCH_REQUEST_BYTES (128U * 1024)
/* Requests in flight at once, further limited by the queue size and BLK_SLOTS. */
#define READBENCH_DEPTH 4

/* Reads every sector of `blk` once, in order, and prints (each line starting with
 * "name:") the guest-measured throughput and a checksum of what was read. Returns
 * EXIT_OK or an exit code (after printing why). */
int read_bench(struct virtio_blk *blk, const char *name);

#endif
