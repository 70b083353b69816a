/* The C half of the trap path: trap_entry (start.S) saves the registers and calls
 * trap_handler with sstatus.SIE cleared by the hart, so handlers never nest. */
#include "trap.h"

#include "console.h"
#include "guest.h"
#include "mm.h"
#include "plic.h"
#include "riscv.h"
#include "sbi.h"

#define MAX_IRQ 1024

struct trap_stats trap_stats;

static struct {
    irq_handler fn;
    void *ctx;
} handlers[MAX_IRQ];

static volatile bool timer_fired;

void trap_init(void)
{
    sbi_set_timer(UINT64_MAX); /* no timer event until wait_for arms one */
    csr_set(sie, SIE_SEIE);
}

void irq_register(uint32_t source, irq_handler fn, void *ctx)
{
    if (source == 0 || source >= MAX_IRQ)
        return;
    handlers[source].fn = fn;
    handlers[source].ctx = ctx;
    plic_enable(source, 1);
}

/* A level that stays asserted although claiming and handling find nothing to do would
 * re-enter the trap forever; this many empty external interrupts in a row end the run. */
#define STORM_LIMIT 100000

/* PLIC spec "Interrupt Claim Process" / "Interrupt Completion": claim, handle,
 * complete; loop until nothing more is pending. */
static void external_interrupt(void)
{
    static uint32_t empty_run;
    bool work = false;
    uint32_t source = plic_claim();
    if (source == 0)
        trap_stats.spurious++;
    while (source != 0) {
        trap_stats.external++;
        if (source < MAX_IRQ && handlers[source].fn)
            work |= handlers[source].fn(handlers[source].ctx);
        else
            trap_stats.spurious++;
        plic_complete(source);
        source = plic_claim();
    }
    if (work)
        empty_run = 0;
    else if (++empty_run == STORM_LIMIT)
        guest_fail(EXIT_INTERNAL, "interrupt storm: %u external interrupts in a row found nothing to do "
                                  "(PLIC claim 0, or no used buffers to harvest)", STORM_LIMIT);
}

static const char *exception_name(uint64_t cause)
{
    /* Privileged spec, table 4.2 (scause values). */
    switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    default: return "reserved";
    }
}

/* Frame-pointer backtrace (the kernel is built with -fno-omit-frame-pointer): in each
 * frame the caller's fp is at fp - 16 and the return address at fp - 8 (RISC-V psABI
 * frame layout with a frame pointer). Only frames inside the interrupted kernel stack
 * are followed, so a corrupt chain ends the walk instead of faulting again. */
static void backtrace(const struct trap_frame *f)
{
    kprintf("backtrace (look up with: riscv64-unknown-elf-addr2line -f -e firmware/guest/guest.elf ADDR):\n");
    kprintf("  #0 0x%lx (sepc)\n", (unsigned long)f->sepc);
    kprintf("  #1 0x%lx (ra)\n", (unsigned long)f->x[1]);
    uint64_t fp = f->x[8];
    for (int i = 2; i < 24; i++) {
        if (fp < mm_stack_lo + 16 || fp > mm_stack_hi || (fp & 7) != 0)
            break;
        uint64_t ra = ((const uint64_t *)fp)[-1];
        uint64_t next = ((const uint64_t *)fp)[-2];
        if (ra == 0)
            break;
        kprintf("  #%d 0x%lx\n", i, (unsigned long)ra);
        if (next <= fp)
            break;
        fp = next;
    }
}

void trap_handler(struct trap_frame *f)
{
    if (f->scause & SCAUSE_INTERRUPT) {
        uint64_t code = f->scause & ~SCAUSE_INTERRUPT;
        if (code == IRQ_S_EXT) {
            external_interrupt();
            return;
        }
        if (code == IRQ_S_TIMER) {
            trap_stats.timer++;
            timer_fired = true;
            sbi_set_timer(UINT64_MAX); /* clears sip.STIP */
            /* One event per arming: should STIP stay set anyway, it must not livelock us. */
            csr_clear(sie, SIE_STIE);
            return;
        }
        guest_fail(EXIT_INTERNAL, "unexpected interrupt %lu at sepc 0x%lx", (unsigned long)code,
                   (unsigned long)f->sepc);
    }
    kprintf("\nkernel trap: scause %lu (%s) at sepc 0x%lx, stval 0x%lx, sp 0x%lx\n", (unsigned long)f->scause,
            exception_name(f->scause), (unsigned long)f->sepc, (unsigned long)f->stval, (unsigned long)f->x[2]);
    uint64_t sp = f->x[2];
    if (sp < mm_stack_lo && sp >= mm_stack_lo - PAGE_SIZE)
        kprintf("kernel trap: sp is in the guard page below the stack: kernel stack overflow\n");
    backtrace(f);
    guest_fail(EXIT_INTERNAL, "kernel trap: %s", exception_name(f->scause));
}

bool wait_for(bool (*done)(void *arg), void *arg, uint64_t timeout_ticks)
{
    bool ok;
    timer_fired = false;
    if (timeout_ticks != 0) {
        sbi_set_timer(rdtime() + timeout_ticks);
        csr_set(sie, SIE_STIE);
    }
    /* The condition is tested with sstatus.SIE = 0 so an interrupt cannot slip in
     * between the test and the wfi: wfi still wakes up for an interrupt that is
     * pending and enabled in sie, whatever sstatus.SIE says (privileged spec 3.3.3).
     * Setting SIE afterwards lets the hart take it; clearing SIE again closes the window. */
    for (;;) {
        if (done(arg)) {
            ok = true;
            break;
        }
        if (timer_fired) {
            ok = false;
            break;
        }
        wfi();
        csr_set(sstatus, SSTATUS_SIE);
        csr_clear(sstatus, SSTATUS_SIE);
    }
    csr_clear(sie, SIE_STIE);
    sbi_set_timer(UINT64_MAX);
    return ok;
}
