/*
 * Parallel workload: every hart runs the integer workload's hash loop on its own registers and stack,
 * so N harts do N times the work with no sharing; hart 0 waits for all and powers off. `rvemu bench`
 * runs it with two harts: its MIPS against integer's shows how guest harts scale over host cores.
 */
#include <stdint.h>
#include "fdt_cpus.h"

#define MAX_HARTS 8
uint8_t hart_stacks[MAX_HARTS * 16384] __attribute__((aligned(16)));
static volatile uint32_t finished;
static volatile uint64_t results[MAX_HARTS * 8];    /* one cache line per hart */

static uint64_t hash_loop(uint64_t seed)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ seed, acc = 1;
    for (uint32_t i = 0; i < 20000000; i++) {
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        h += i;
        acc += (h >> 7) / ((i & 15) + 1);
        acc ^= acc << 3;
    }
    return h ^ acc;
}

void parallel_main(unsigned long hart, const uint8_t *fdt)
{
    if (hart >= MAX_HARTS)
        return;
    results[hart * 8] = hash_loop(hart);
    __atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
    if (hart != 0)
        return;
    unsigned harts = count_cpus(fdt);
    while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < harts)
        ;
    uint64_t any = 0;
    for (unsigned h = 0; h < harts; h++)
        any |= results[h * 8];
    *(volatile uint32_t *)0x100000 = any ? 0x5555 : (1 << 16) | 0x3333;
}
