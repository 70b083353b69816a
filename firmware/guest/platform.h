/* What the devicetree says about the machine, gathered once at boot. */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_MEM_BANKS 4
#define MAX_RESERVED 16
#define MAX_VIRTIO 16

struct range {
    uint64_t base;
    uint64_t size;
};

struct virtio_node {
    uint64_t base;
    uint64_t size;
    uint32_t irq;  /* PLIC source */
    int node;      /* FDT node index */
};

struct platform {
    uint64_t hartid;
    const char *model;
    uint64_t timebase;           /* Hz */
    struct range mem[MAX_MEM_BANKS];
    int mem_count;
    struct range reserved[MAX_RESERVED]; /* memreserve, /reserved-memory, the FDT itself */
    int reserved_count;
    uint64_t plic_base;
    uint64_t plic_size;
    uint32_t plic_ndev;          /* riscv,ndev: sources are 1..ndev */
    uint32_t plic_context;       /* S-mode context of the boot hart */
    bool plic_context_from_fdt;  /* false: assumed 2*hart+1 (QEMU virt layout) */
    int plic_node;
    bool has_finisher;
    uint64_t finisher;
    uint64_t finisher_size;
    bool has_uart;
    uint64_t uart_base;
    uint64_t uart_size;
    uint32_t uart_irq;
    struct virtio_node virtio[MAX_VIRTIO];
    int virtio_count;
    const char *bootargs;        /* /chosen/bootargs, "" when absent */
};

extern struct platform plat;

/* Parses the FDT at `fdt` and prints what it found; exits through guest_fail when the
 * tree is unusable (bad header, no memory, no timebase, no PLIC). */
void platform_probe(uint64_t hartid, const void *fdt);
/* True if `word` is one of the space-separated words of /chosen/bootargs. */
bool bootargs_has(const char *word);

#endif
