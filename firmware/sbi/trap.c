/* M-mode trap dispatch: SBI calls, the interrupts M-mode owns, and nothing else. */
#include "sbi.h"

void trap_handler(struct hart *h)
{
    unsigned long cause = csr_read(mcause);
    if (cause & CAUSE_INTERRUPT) {
        unsigned long irq = cause & ~CAUSE_INTERRUPT;
        if (irq == IRQ_M_SOFT) {
            ipi_process(h);
            return;
        }
        if (irq == IRQ_M_TIMER && !has_sstc) {
            timer_interrupt();
            return;
        }
    } else if (cause == CAUSE_ECALL_S) {
        sbi_ecall(h);
        return;
    }
    fatal("unexpected trap", cause, csr_read(mepc), csr_read(mtval));
}

void finisher_write(unsigned int value)
{
    fence();
    *(volatile unsigned int *)FINISHER_BASE = value;
    fence();
}

/* Report and stop the machine with a failure status: an unexpected trap is a firmware bug. */
void fatal(const char *why, unsigned long cause, unsigned long epc, unsigned long tval)
{
    /* No console lock: the hart that holds it may be this one. */
    print("\n" FW_NAME ": ");
    print(why);
    print(" on hart ");
    print_dec(csr_read(mhartid));
    print(": mcause=");
    print_hex(cause);
    print(" mepc=");
    print_hex(epc);
    print(" mtval=");
    print_hex(tval);
    print(" mstatus=");
    print_hex(csr_read(mstatus));
    print("\n");
    finisher_write(FINISHER_FAIL(EXIT_FATAL_TRAP));
    for (;;)
        wfi();
}
