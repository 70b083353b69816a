/* The kernel's address space (Sv39, privileged spec 1.12 §4.4).
 *
 *   0xffff_ffc0_0000_0000 + PA   RAM, the linear map (the kernel image sits in it at
 *                                0xffff_ffc0_8020_0000: text R-X, rodata R--, data RW-)
 *   0xffff_ffd0_0000_0000 + PA   device registers, one mapping per FDT "reg" range
 *   0xffff_ffe0_0000_0000 + ...  kernel stacks: 64 KiB slots, each an unmapped guard
 *                                page and then frames taken one at a time
 *
 * So "virtual = physical + constant" holds for RAM reached through the linear map but not
 * for a stack: a buffer there must be translated page by page (hal.c). */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096UL
#define LINEAR_BASE 0xffffffc000000000UL
#define MMIO_BASE 0xffffffd000000000UL
#define STACK_BASE 0xffffffe000000000UL
#define STACK_SLOT (64UL * 1024)

/* Sv39 PTE bits (§4.4.1). */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#define MM_NO_PA UINT64_MAX

/* The linear map: RAM at physical `pa` as the kernel sees it. */
static inline void *linear_va(uint64_t pa) { return (void *)(uintptr_t)(pa + LINEAR_BASE); }
/* Physical address of something in the kernel image or the linear map (no walk needed). */
static inline uint64_t linear_pa(const void *va) { return (uint64_t)(uintptr_t)va - LINEAR_BASE; }

/* One step of a page-table walk, for `pt` (and the curious). */
struct pt_step {
    unsigned vpn;      /* the index used at this level */
    uint64_t pte_pa;   /* where the PTE lives */
    uint64_t pte;
};

struct pt_walk {
    struct pt_step step[3]; /* step[0] = level 2 (root) ... */
    int steps;              /* how many were taken */
    int leaf_level;         /* 2, 1 or 0; -1 if the walk ended on an invalid PTE */
    uint64_t pa;            /* MM_NO_PA if not mapped */
};

/* Builds the kernel page table from what the FDT said (RAM banks, device ranges) and
 * switches satp to it. */
void mm_init(void);
/* Maps [va, va+size) to [pa, pa+size) with `perm` (PTE_R/W/X), 2 MiB pages where both
 * are aligned, 4 KiB pages elsewhere. False if out of frames or already mapped. */
bool mm_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/* Walks the kernel page table for `va` as the MMU does (§4.3.2). Returns the physical
 * address or MM_NO_PA; fills *w when it is not NULL. */
uint64_t mm_walk(uint64_t va, struct pt_walk *w);
/* A kernel stack of `pages` pages (at most 15) below-guarded; returns the top (initial sp)
 * or 0 when out of frames. *bottom gets the lowest mapped address. */
uint64_t mm_alloc_stack(size_t pages, uint64_t *bottom);
/* The device-register window address of physical `pa`, or 0 if that range is not mapped. */
uint64_t mm_mmio_va(uint64_t pa);
/* Prints the walk for `va` level by level (the `pt` shell command). */
void mm_print_walk(uint64_t va);
uint64_t mm_satp(void);
/* Bounds of the stack the kernel runs on (for backtraces). */
extern uint64_t mm_stack_lo, mm_stack_hi;

#endif
