/*
 * OS-path workload (issue 13): a U-mode program under Sv39 that makes 10^6 system calls and takes about
 * 10^5 page faults, with an M-mode "kernel" (no S-mode: the traps go straight to M) that answers the
 * calls and maps a faulting page on demand. Every 512 faults the program asks the kernel to unmap the
 * window again (clearing the PTEs and sfence.vma), so the same pages fault again. It measures trap entry,
 * xRET, TLB refills and page walks: what an operating system makes a hart do.
 */
#include <stdint.h>

#define SYS_NOP 0
#define SYS_UNMAP 1
#define SYS_EXIT 2
#define CALLS 1000000
#define ROUNDS 196              /* 196 * 512 = 100352 page faults */
#define WINDOW 0x40000000UL     /* the demand-mapped window: 512 pages */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t level1[512] __attribute__((aligned(4096)));
static uint64_t level0[512] __attribute__((aligned(4096)));
static uint8_t frame[4096] __attribute__((aligned(4096)));       /* every window page maps here */
static uint8_t kstack[4096] __attribute__((aligned(16)));
static uint8_t ustack[4096] __attribute__((aligned(16)));
static uint64_t faults;

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_U 16UL
#define PTE_A 64UL
#define PTE_D 128UL
#define PTE(pa, flags) ((((uint64_t)(pa)) >> 12) << 10 | (flags))

static inline long syscall(long n, long a0)
{
    register long a7 __asm__("a7") = n;
    register long r __asm__("a0") = a0;
    __asm__ volatile("ecall" : "+r"(r) : "r"(a7) : "memory");
    return r;
}

/* U-mode: the calls, then the faults. */
__attribute__((noinline)) static void user_main(void)
{
    long x = 0;
    for (long i = 0; i < CALLS; i++) x = syscall(SYS_NOP, x);
    volatile uint64_t *window = (volatile uint64_t *)WINDOW;
    for (int r = 0; r < ROUNDS; r++) {
        for (int p = 0; p < 512; p++) window[p * 512] = (uint64_t)p;
        syscall(SYS_UNMAP, 0);
    }
    syscall(SYS_EXIT, x == CALLS ? 0 : 1);
}

/* M-mode trap handling, called by trap_entry with the saved a0 and a7. Returns the new a0. */
long handle_trap(long a0, long a7)
{
    uint64_t cause, epc, tval;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));
    if (cause == 8) { /* ecall from U */
        __asm__ volatile("csrw mepc, %0" :: "r"(epc + 4));
        switch (a7) {
        case SYS_NOP: return a0 + 1;
        case SYS_UNMAP:
            for (int i = 0; i < 512; i++) level0[i] = 0;
            __asm__ volatile("sfence.vma" ::: "memory");
            return 0;
        default:
            *(volatile uint32_t *)0x100000 = (a0 == 0 && faults == ROUNDS * 512UL) ? 0x5555 : 0x13333;
            for (;;) { }
        }
    }
    if ((cause == 13 || cause == 15) && tval - WINDOW < 512 * 4096UL) { /* demand paging */
        level0[(tval - WINDOW) >> 12] = PTE(frame, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
        faults++;
        return a0;  /* retry the access (mepc unchanged) */
    }
    *(volatile uint32_t *)0x100000 = 0x23333; /* anything else: fail with code 2 */
    for (;;) { }
}

/* Trap entry: swap to the kernel stack (mscratch), save what C may clobber, call handle_trap, mret. */
__asm__(
    ".balign 4\n"
    "trap_entry:\n"
    "  csrrw sp, mscratch, sp\n"
    "  addi sp, sp, -128\n"
    "  sd ra, 0(sp)\n  sd t0, 8(sp)\n  sd t1, 16(sp)\n  sd t2, 24(sp)\n  sd a1, 32(sp)\n  sd a2, 40(sp)\n"
    "  sd a3, 48(sp)\n  sd a4, 56(sp)\n  sd a5, 64(sp)\n  sd a6, 72(sp)\n  sd a7, 80(sp)\n  sd t3, 88(sp)\n"
    "  sd t4, 96(sp)\n  sd t5, 104(sp)\n  sd t6, 112(sp)\n"
    "  mv a1, a7\n"
    "  call handle_trap\n"
    "  ld ra, 0(sp)\n  ld t0, 8(sp)\n  ld t1, 16(sp)\n  ld t2, 24(sp)\n  ld a1, 32(sp)\n  ld a2, 40(sp)\n"
    "  ld a3, 48(sp)\n  ld a4, 56(sp)\n  ld a5, 64(sp)\n  ld a6, 72(sp)\n  ld a7, 80(sp)\n  ld t3, 88(sp)\n"
    "  ld t4, 96(sp)\n  ld t5, 104(sp)\n  ld t6, 112(sp)\n"
    "  addi sp, sp, 128\n"
    "  csrrw sp, mscratch, sp\n"
    "  mret\n");

extern char trap_entry[];

int main(void)
{
    /* Sv39: the image (and everything at 0x8000_0000) as a U gigapage, the window through two tables. */
    root[2] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    root[1] = PTE(level1, PTE_V);
    level1[0] = PTE(level0, PTE_V);
    __asm__ volatile("csrw pmpaddr0, %0" :: "r"(-1L));
    __asm__ volatile("csrw pmpcfg0, %0" :: "r"(0x1fL));           /* NAPOT over everything, RWX */
    __asm__ volatile("csrw mtvec, %0" :: "r"(trap_entry));
    __asm__ volatile("csrw mscratch, %0" :: "r"(kstack + sizeof kstack));
    __asm__ volatile("csrw satp, %0" :: "r"((8UL << 60) | ((uint64_t)root >> 12)));
    __asm__ volatile("sfence.vma" ::: "memory");
    __asm__ volatile("csrw mepc, %0" :: "r"(user_main));
    __asm__ volatile("csrc mstatus, %0" :: "r"(3UL << 11));        /* MPP = U */
    __asm__ volatile("mv sp, %0\n mret" :: "r"(ustack + sizeof ustack) : "memory");
    return 1;
}
