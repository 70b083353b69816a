/* The five memory services of hal.h on top of frames.c and mm.c. The virt board's DMA is
 * cache-coherent with the harts (and RvEmu/QEMU have no caches to manage), so share and
 * unshare need only order memory: the fences are where a non-coherent platform would
 * clean or invalidate the cache lines of the buffer. */
#include "hal.h"

#include "frames.h"
#include "mm.h"
#include "platform.h"
#include "riscv.h"

struct hal_stats hal_stats;

void *dma_alloc(size_t pages, uint64_t *pa)
{
    uint64_t p = frames_alloc(pages);
    if (p == 0)
        return NULL;
    hal_stats.dma_pages += pages;
    *pa = p;
    return linear_va(p);
}

void dma_dealloc(uint64_t pa, void *va, size_t pages)
{
    (void)va; /* the linear map needs no unmapping */
    frames_free(pa, pages);
    hal_stats.dma_pages -= pages;
}

void *phys_to_virt(uint64_t pa)
{
    for (int i = 0; i < plat.mem_count; i++) {
        if (pa >= plat.mem[i].base && pa - plat.mem[i].base < plat.mem[i].size)
            return linear_va(pa);
    }
    uint64_t va = mm_mmio_va(pa);
    return va ? (void *)(uintptr_t)va : NULL;
}

uint64_t virt_to_phys(const void *va)
{
    uint64_t pa = mm_walk((uint64_t)(uintptr_t)va, NULL);
    return pa == MM_NO_PA ? HAL_NO_PA : pa;
}

size_t share(const void *va, size_t len, enum dma_dir dir, uint64_t *pa)
{
    uintptr_t v = (uintptr_t)va;
    uint64_t first = virt_to_phys(va);
    if (first == HAL_NO_PA || len == 0)
        return 0;
    hal_stats.shares++;
    /* Extend the piece page by page while the next virtual page is the next frame. */
    size_t n = PAGE_SIZE - (v & (PAGE_SIZE - 1));
    while (n < len && virt_to_phys((const void *)(v + n)) == first + n)
        n += PAGE_SIZE;
    if (n > len)
        n = len;
    /* Our writes to the buffer must be visible before the device is told about it. */
    if (dir == DMA_TO_DEVICE)
        wmb();
    *pa = first;
    return n;
}

void unshare(const void *va, size_t len, enum dma_dir dir)
{
    (void)va;
    (void)len;
    /* What the device wrote must be read after its completion was seen. */
    if (dir == DMA_FROM_DEVICE)
        rmb();
}
