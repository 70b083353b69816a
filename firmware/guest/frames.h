/* Physical page-frame allocator over the RAM after the kernel image. */
#ifndef GUEST_FRAMES_H
#define GUEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE 4096UL
/* The bitmap covers at most this many frames (64 MiB): plenty for a test kernel. */
#define FRAMES_MAX 16384

/* Manages [start, end) (rounded inwards to whole frames); everything starts free. */
void frames_init(uint64_t start, uint64_t end);
/* Marks the frames overlapping [base, base+size) as used (firmware, FDT, reservations). */
void frames_reserve(uint64_t base, uint64_t size);
/* `count` physically contiguous, zeroed frames; the first is aligned to FRAME_SIZE. NULL if none. */
void *frames_alloc(size_t count);
void frames_free(void *p, size_t count);
size_t frames_free_count(void);
size_t frames_total(void);
uint64_t frames_start(void);

#endif
