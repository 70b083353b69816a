/* CSR access, fences and MMIO helpers for the RvEmu guest (RV64, S-mode). */
#ifndef GUEST_RISCV_H
#define GUEST_RISCV_H

#include <stdint.h>

#define csr_read(csr) ({ unsigned long __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v) : : "memory"); __v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "rK"(v) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" : : "rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "rK"(v) : "memory")

/* sstatus / sie / scause bits (privileged spec 4.1.1, 4.1.3, 4.1.8). */
#define SSTATUS_SIE (1UL << 1)
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)
#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9

/* The `time` CSR (Zicntr): ticks at the FDT's timebase-frequency. */
static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline void wfi(void) { __asm__ volatile("wfi" : : : "memory"); }

/* Full fence over memory and I/O: orders ring updates against MMIO notifications
 * and MMIO reads against the ring reads that follow (virtio 1.2 §2.7.13, §2.7.14). */
static inline void mb(void) { __asm__ volatile("fence iorw, iorw" : : : "memory"); }
/* Memory-only fences for ordering within the rings. */
static inline void wmb(void) { __asm__ volatile("fence w, w" : : : "memory"); }
static inline void rmb(void) { __asm__ volatile("fence r, r" : : : "memory"); }

static inline uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t v = *(volatile uint32_t *)addr;
    mb();
    return v;
}

static inline uint16_t mmio_read16(uintptr_t addr)
{
    uint16_t v = *(volatile uint16_t *)addr;
    mb();
    return v;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
    uint8_t v = *(volatile uint8_t *)addr;
    mb();
    return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    mb();
    *(volatile uint32_t *)addr = v;
}

#endif
