/* Physical page-frame allocator over the RAM after the kernel image. */
#ifndef GUEST_FRAMES_H
#define GUEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE 4096UL
/* The bitmap covers at most this many frames (256 MiB): plenty for a teaching kernel. */
#define FRAMES_MAX 65536

/* Manages [start, end) (rounded inwards to whole frames); everything starts free. */
void frames_init(uint64_t start, uint64_t end);
/* Marks the frames overlapping [base, base+size) as used (firmware, FDT, reservations). */
void frames_reserve(uint64_t base, uint64_t size);
/* `count` physically contiguous, zeroed frames: the physical address of the first
 * (aligned to FRAME_SIZE), 0 if there is no such run. */
uint64_t frames_alloc(size_t count);
/* Gives back `count` frames from physical address `pa`. */
void frames_free(uint64_t pa, size_t count);
size_t frames_free_count(void);
size_t frames_total(void);
uint64_t frames_start(void);

#endif
