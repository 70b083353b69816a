/* One bit per 4 KiB frame (1 = used); first-fit search for contiguous runs. Frames are
 * physical addresses: the kernel reaches one through the linear map (mm.h), a device is
 * given the physical address itself (hal.c). */
#include "frames.h"

#include <stdbool.h>

#include "mm.h"
#include "string.h"

static uint64_t bitmap[FRAMES_MAX / 64];
static uint64_t base;
static size_t nframes;
static size_t nfree;

static bool used(size_t i) { return (bitmap[i / 64] >> (i % 64)) & 1; }
static void set_used(size_t i) { bitmap[i / 64] |= 1ULL << (i % 64); }
static void set_free(size_t i) { bitmap[i / 64] &= ~(1ULL << (i % 64)); }

void frames_init(uint64_t start, uint64_t end)
{
    base = (start + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
    end &= ~(FRAME_SIZE - 1);
    nframes = end > base ? (size_t)((end - base) / FRAME_SIZE) : 0;
    if (nframes > FRAMES_MAX)
        nframes = FRAMES_MAX;
    memset(bitmap, 0, sizeof(bitmap));
    nfree = nframes;
}

void frames_reserve(uint64_t rbase, uint64_t size)
{
    if (size == 0)
        return;
    uint64_t top = base + nframes * FRAME_SIZE;
    uint64_t rend = rbase + size < rbase ? UINT64_MAX : rbase + size;
    if (rend <= base || rbase >= top)
        return;
    size_t first = rbase <= base ? 0 : (size_t)((rbase - base) / FRAME_SIZE);
    size_t last = rend >= top ? nframes : (size_t)((rend - base + FRAME_SIZE - 1) / FRAME_SIZE);
    for (size_t i = first; i < last; i++) {
        if (!used(i)) {
            set_used(i);
            nfree--;
        }
    }
}

uint64_t frames_alloc(size_t count)
{
    if (count == 0)
        return 0;
    size_t run = 0;
    for (size_t i = 0; i < nframes; i++) {
        run = used(i) ? 0 : run + 1;
        if (run == count) {
            size_t first = i + 1 - count;
            for (size_t j = first; j <= i; j++)
                set_used(j);
            nfree -= count;
            uint64_t pa = base + first * FRAME_SIZE;
            memset(linear_va(pa), 0, count * FRAME_SIZE);
            return pa;
        }
    }
    return 0;
}

void frames_free(uint64_t a, size_t count)
{
    if (a < base || (a - base) % FRAME_SIZE != 0)
        return;
    size_t first = (size_t)((a - base) / FRAME_SIZE);
    for (size_t i = first; i < first + count && i < nframes; i++) {
        if (used(i)) {
            set_free(i);
            nfree++;
        }
    }
}

size_t frames_free_count(void) { return nfree; }
size_t frames_total(void) { return nframes; }
uint64_t frames_start(void) { return base; }
