/* PLIC register map (RISC-V PLIC spec 1.0.0, "Memory Map"): priority 4 bytes per source at 0x0, enable bits
 * at 0x2000 + 0x80 * context, threshold at 0x20_0000 + 0x1000 * context and
 * claim/complete 4 bytes above it. */
#include "plic.h"

#include "riscv.h"

#define PLIC_PRIORITY(s) (4 * (uintptr_t)(s))
#define PLIC_ENABLE(c, word) (0x2000 + 0x80 * (uintptr_t)(c) + 4 * (uintptr_t)(word))
#define PLIC_THRESHOLD(c) (0x200000 + 0x1000 * (uintptr_t)(c))
#define PLIC_CLAIM(c) (0x200004 + 0x1000 * (uintptr_t)(c))

static uintptr_t plic;
static uint32_t ctx;

void plic_init(uint64_t base, uint32_t ndev, uint32_t context)
{
    plic = (uintptr_t)base;
    ctx = context;
    for (uint32_t word = 0; word <= ndev / 32; word++)
        mmio_write32(plic + PLIC_ENABLE(ctx, word), 0);
    mmio_write32(plic + PLIC_THRESHOLD(ctx), 0);
}

void plic_enable(uint32_t source, uint32_t priority)
{
    mmio_write32(plic + PLIC_PRIORITY(source), priority);
    uintptr_t en = plic + PLIC_ENABLE(ctx, source / 32);
    mmio_write32(en, mmio_read32(en) | (1U << (source % 32)));
}

uint32_t plic_claim(void) { return mmio_read32(plic + PLIC_CLAIM(ctx)); }

void plic_complete(uint32_t source) { mmio_write32(plic + PLIC_CLAIM(ctx), source); }
