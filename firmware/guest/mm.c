/* Sv39 page tables for the kernel (see mm.h for the layout). Tables are frames from
 * frames.c, written through the linear map; start.S's boot table (gigapages) covers the
 * linear map while this one is built. */
#include "mm.h"

#include "console.h"
#include "frames.h"
#include "guest.h"
#include "platform.h"
#include "riscv.h"
#include "string.h"

#define LEVELS 3
#define MEGA (2UL * 1024 * 1024)
#define SATP_SV39 (8UL << 60)

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

uint64_t mm_stack_lo, mm_stack_hi;
static uint64_t root_pa;
static unsigned stacks;

/* Device ranges mapped at MMIO_BASE + PA, for mm_mmio_va. */
#define MAX_MMIO 24
static struct range mmio[MAX_MMIO];
static int mmio_count;

static uint64_t *table(uint64_t pa) { return linear_va(pa); }
static uint64_t pte_pa(uint64_t pte) { return (pte >> 10) << 12; }
static uint64_t make_pte(uint64_t pa, uint64_t flags) { return ((pa >> 12) << 10) | flags; }
static bool is_leaf(uint64_t pte) { return (pte & (PTE_R | PTE_W | PTE_X)) != 0; }
static unsigned vpn(uint64_t va, int level) { return (unsigned)((va >> (12 + 9 * level)) & 0x1ff); }

/* The PTE slot for `va` at `level`, creating the tables above it. NULL if a leaf is in
 * the way or no frame is left. */
static uint64_t *slot(uint64_t va, int level)
{
    uint64_t *t = table(root_pa);
    for (int l = LEVELS - 1; l > level; l--) {
        uint64_t *e = &t[vpn(va, l)];
        if (!(*e & PTE_V)) {
            uint64_t pa = frames_alloc(1);
            if (pa == 0)
                return NULL;
            *e = make_pte(pa, PTE_V); /* non-leaf: R = W = X = 0 (§4.4.1) */
        } else if (is_leaf(*e)) {
            return NULL;
        }
        t = table(pte_pa(*e));
    }
    return &t[vpn(va, level)];
}

/* Global kernel mappings with A and D preset (§4.4.1: a hart may fault instead of
 * setting them). */
static bool map_one(uint64_t va, uint64_t pa, int level, uint64_t perm)
{
    uint64_t *e = slot(va, level);
    if (e == NULL || (*e & PTE_V))
        return false;
    *e = make_pte(pa, perm | PTE_V | PTE_G | PTE_A | PTE_D);
    return true;
}

bool mm_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
    uint64_t end = va + size;
    while (va < end) {
        bool mega = va % MEGA == 0 && pa % MEGA == 0 && end - va >= MEGA;
        if (!map_one(va, pa, mega ? 1 : 0, perm))
            return false;
        va += mega ? MEGA : PAGE_SIZE;
        pa += mega ? MEGA : PAGE_SIZE;
    }
    return true;
}

uint64_t mm_walk(uint64_t va, struct pt_walk *w)
{
    struct pt_walk local;
    if (w == NULL)
        w = &local;
    w->steps = 0;
    w->leaf_level = -1;
    w->pa = MM_NO_PA;
    /* §4.4.1: bits 63..39 must equal bit 38, else the address is not valid Sv39. */
    int64_t top = (int64_t)va >> 38;
    if (top != 0 && top != -1)
        return MM_NO_PA;
    uint64_t t = root_pa;
    for (int level = LEVELS - 1; level >= 0; level--) {
        struct pt_step *s = &w->step[w->steps++];
        s->vpn = vpn(va, level);
        s->pte_pa = t + 8UL * s->vpn;
        s->pte = table(t)[s->vpn];
        if (!(s->pte & PTE_V))
            return MM_NO_PA;
        if (is_leaf(s->pte)) {
            uint64_t offset_mask = (1UL << (12 + 9 * level)) - 1;
            w->leaf_level = level;
            w->pa = (pte_pa(s->pte) & ~offset_mask) | (va & offset_mask);
            return w->pa;
        }
        t = pte_pa(s->pte);
    }
    return MM_NO_PA;
}

uint64_t mm_mmio_va(uint64_t pa)
{
    for (int i = 0; i < mmio_count; i++) {
        if (pa >= mmio[i].base && pa - mmio[i].base < mmio[i].size)
            return MMIO_BASE + pa;
    }
    return 0;
}

static void map_mmio(const char *what, uint64_t pa, uint64_t size)
{
    if (size == 0)
        return;
    uint64_t base = pa & ~(PAGE_SIZE - 1);
    uint64_t end = (pa + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (mmio_count == MAX_MMIO)
        guest_fail(EXIT_NO_MEMORY, "mm: too many device ranges");
    if (!mm_map(MMIO_BASE + base, base, end - base, PTE_R | PTE_W))
        guest_fail(EXIT_NO_MEMORY, "mm: cannot map %s at 0x%lx", what, (unsigned long)pa);
    mmio[mmio_count++] = (struct range){ base, end - base };
    kprintf("mm: %-8s pa 0x%08lx..0x%08lx -> va 0x%lx\n", what, (unsigned long)base, (unsigned long)end,
            (unsigned long)(MMIO_BASE + base));
}

/* The kernel image with per-section permissions, then the rest of RAM read-write. The
 * 2 MiB blocks that hold the image are mapped in 4 KiB pages (their slots are tables by
 * then), everything else in 2 MiB pages. */
static void map_ram(void)
{
    uint64_t k0 = (uintptr_t)__image_start, k1 = (uintptr_t)__text_end, k2 = (uintptr_t)__rodata_end,
             k3 = (uintptr_t)__image_end;
    bool ok = mm_map(k0, linear_pa(__image_start), k1 - k0, PTE_R | PTE_X) &&
              mm_map(k1, linear_pa(__text_end), k2 - k1, PTE_R) &&
              mm_map(k2, linear_pa(__rodata_end), k3 - k2, PTE_R | PTE_W);
    if (!ok)
        guest_fail(EXIT_NO_MEMORY, "mm: cannot map the kernel image");
    kprintf("mm: kernel   va 0x%lx..0x%lx (text R-X to 0x%lx, rodata R-- to 0x%lx, data RW-)\n",
            (unsigned long)k0, (unsigned long)k3, (unsigned long)k1, (unsigned long)k2);
    for (int i = 0; i < plat.mem_count; i++) {
        uint64_t pa = plat.mem[i].base, end = pa + plat.mem[i].size;
        while (pa < end) {
            uint64_t va = pa + LINEAR_BASE;
            uint64_t *l1 = slot(va, 1);
            if (l1 == NULL)
                guest_fail(EXIT_NO_MEMORY, "mm: no frame for a page table");
            if (*l1 & PTE_V) {
                /* A table already (the image's block): fill its empty 4 KiB slots. */
                uint64_t *l0 = slot(va, 0);
                if (!(*l0 & PTE_V))
                    *l0 = make_pte(pa, PTE_R | PTE_W | PTE_V | PTE_G | PTE_A | PTE_D);
                pa += PAGE_SIZE;
            } else if (pa % MEGA == 0 && end - pa >= MEGA) {
                *l1 = make_pte(pa, PTE_R | PTE_W | PTE_V | PTE_G | PTE_A | PTE_D);
                pa += MEGA;
            } else {
                map_one(va, pa, 0, PTE_R | PTE_W);
                pa += PAGE_SIZE;
            }
        }
        kprintf("mm: RAM      pa 0x%08lx..0x%08lx -> va 0x%lx (linear map)\n", (unsigned long)plat.mem[i].base,
                (unsigned long)end, (unsigned long)(plat.mem[i].base + LINEAR_BASE));
    }
}

void mm_init(void)
{
    root_pa = frames_alloc(1);
    if (root_pa == 0)
        guest_fail(EXIT_NO_MEMORY, "mm: no frame for the root page table");
    map_ram();
    map_mmio("PLIC", plat.plic_base, plat.plic_size);
    if (plat.has_uart)
        map_mmio("UART", plat.uart_base, plat.uart_size);
    if (plat.has_finisher)
        map_mmio("finisher", plat.finisher, plat.finisher_size);
    for (int i = 0; i < plat.virtio_count; i++)
        map_mmio("virtio", plat.virtio[i].base, plat.virtio[i].size);
    /* §4.2.1: sfence.vma after writing the tables and before using them. */
    __asm__ volatile("sfence.vma" : : : "memory");
    csr_write(satp, SATP_SV39 | (root_pa >> 12));
    __asm__ volatile("sfence.vma" : : : "memory");
    kprintf("mm: Sv39 on, satp 0x%lx (root table at pa 0x%lx); %lu frames free\n", (unsigned long)mm_satp(),
            (unsigned long)root_pa, (unsigned long)frames_free_count());
}

uint64_t mm_satp(void) { return csr_read(satp); }

uint64_t mm_alloc_stack(size_t pages, uint64_t *bottom)
{
    if (pages == 0 || pages >= STACK_SLOT / PAGE_SIZE)
        return 0;
    uint64_t slot_base = STACK_BASE + (uint64_t)stacks++ * STACK_SLOT;
    uint64_t lo = slot_base + PAGE_SIZE; /* the page below stays unmapped: the guard */
    uint64_t top = lo + pages * PAGE_SIZE;
    /* Taken top page first, as a stack grows down: so neighbouring pages of the stack are
     * usually not neighbouring frames, which is the point of hal_share's per-page split. */
    for (size_t i = pages; i-- > 0;) {
        uint64_t pa = frames_alloc(1);
        if (pa == 0 || !map_one(lo + i * PAGE_SIZE, pa, 0, PTE_R | PTE_W))
            return 0;
    }
    __asm__ volatile("sfence.vma" : : : "memory");
    *bottom = lo;
    return top;
}

static void print_flags(uint64_t pte)
{
    kprintf("%c%c%c%c%c%c%c", pte & PTE_R ? 'R' : '-', pte & PTE_W ? 'W' : '-', pte & PTE_X ? 'X' : '-',
            pte & PTE_U ? 'U' : '-', pte & PTE_G ? 'G' : '-', pte & PTE_A ? 'A' : '-', pte & PTE_D ? 'D' : '-');
}

void mm_print_walk(uint64_t va)
{
    struct pt_walk w;
    uint64_t pa = mm_walk(va, &w);
    kprintf("pt: va 0x%lx, satp 0x%lx: Sv39, root table at pa 0x%lx\n", (unsigned long)va, (unsigned long)mm_satp(),
            (unsigned long)root_pa);
    if (w.steps == 0) {
        kprintf("pt: not a valid Sv39 address (bits 63..39 must all equal bit 38)\n");
        return;
    }
    for (int i = 0; i < w.steps; i++) {
        const struct pt_step *s = &w.step[i];
        int level = LEVELS - 1 - i;
        kprintf("pt:   level %d: VPN[%d] = %3u, PTE at pa 0x%lx = 0x%016lx ", level, level, s->vpn,
                (unsigned long)s->pte_pa, (unsigned long)s->pte);
        if (!(s->pte & PTE_V))
            kprintf("invalid (V = 0)\n");
        else if (is_leaf(s->pte)) {
            kprintf("leaf ");
            print_flags(s->pte);
            kprintf(", %s page at pa 0x%lx\n", level == 2 ? "1 GiB" : level == 1 ? "2 MiB" : "4 KiB",
                    (unsigned long)pte_pa(s->pte));
        } else
            kprintf("-> next table at pa 0x%lx\n", (unsigned long)pte_pa(s->pte));
    }
    if (pa == MM_NO_PA)
        kprintf("pt: va 0x%lx is not mapped\n", (unsigned long)va);
    else
        kprintf("pt: va 0x%lx -> pa 0x%lx\n", (unsigned long)va, (unsigned long)pa);
}
