/*
 * Per-hart M-mode setup, the hart state machine (SBI ch. 9 HSM), inter-processor
 * interrupts (SBI ch. 7 IPI, ch. 8 RFENCE) and the supervisor timer (SBI ch. 6 TIME).
 */
#include "sbi.h"

struct hart harts[MAX_HARTS];
unsigned long valid_harts;
int has_sstc;

extern char trap_entry[];

/* M-mode state every hart needs before it runs S-mode code (priv ch. 3). */
void hart_init_csrs(int boot)
{
    /*
     * PMP (priv 3.7): the lowest-numbered matching entry wins, so pmp0 denies S/U all
     * access to the firmware (NAPOT, no R/W/X, not locked so M-mode is unaffected) and
     * pmp1 (NAPOT over the whole address space) allows everything else.
     */
    csr_write(pmpaddr0, (FW_BASE >> 2) | ((FW_SIZE / 2 - 1) >> 2));
    csr_write(pmpaddr1, ~0UL);
    csr_write(pmpcfg0, PMP_NAPOT | (unsigned long)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8);
    __asm__ volatile("sfence.vma" ::: "memory");   /* priv 3.7.2: after changing PMP */

    /*
     * Delegate to S-mode (priv 3.1.8) every exception S-mode software handles itself:
     * misaligned fetch/load/store (0, 4, 6), access faults (1, 5, 7), illegal instruction (2),
     * breakpoint (3), ecall from U (8), page faults (12, 13, 15), and, if the H extension is
     * present, ecall from VS (10) and guest page faults / virtual instruction (20-23).
     * What stays in M-mode: ecall from S (SBI calls) and M-mode's own traps.
     */
    unsigned long deleg = 0;
    static const unsigned char causes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 15, 20, 21, 22, 23 };
    for (unsigned long i = 0; i < sizeof causes; i++)
        deleg |= 1UL << causes[i];
    csr_write(medeleg, deleg);              /* WARL: bits of absent extensions stay 0 */
    csr_write(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    csr_write(mcounteren, 7);               /* S/U may read cycle, time, instret (priv 3.1.11) */
    /*
     * And U-mode too, until S-mode decides otherwise (scounteren, priv 4.1.5). OpenSBI keeps
     * illegal instructions in M-mode and emulates a U-mode rdtime that scounteren forbids; this
     * firmware delegates illegal instructions to S-mode, so it starts S-mode with scounteren = 7
     * instead. Linux 6.1 without a PMU driver never writes scounteren and expects rdtime to work
     * in user space (BusyBox's dd died with SIGILL on its first rdtime).
     */
    csr_write(scounteren, 7);

    /* Sstc: S-mode programs stimecmp itself; else set_timer goes through the CLINT. */
    int sstc = setup_menvcfg();
    if (boot)
        has_sstc = sstc;
    else if (sstc && !has_sstc)
        csr_clear(CSR_MENVCFG, MENVCFG_STCE);  /* all harts use the boot hart's choice */
    if (!has_sstc)
        *CLINT_MTIMECMP(csr_read(mhartid)) = ~0UL;

    *CLINT_MSIP(csr_read(mhartid)) = 0;
    csr_clear(mip, MIP_SSIP | MIP_STIP);
    csr_write(mie, MIP_MSIP);               /* IPIs always; MTIE only while a timer is armed */
    csr_write(mtvec, (unsigned long)trap_entry);
}

/* Drop to S-mode at addr with a0/a1, satp = 0 and sstatus.SIE = 0 (SBI ch. 9.1). */
void enter_supervisor(struct hart *h, unsigned long addr, unsigned long a0, unsigned long a1)
{
    unsigned long s = csr_read(mstatus);
    s &= ~(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP |
           MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_FS | MSTATUS_MPV);
    s |= MSTATUS_MPP_S;
    if (csr_read(misa) & ((1UL << ('F' - 'A')) | (1UL << ('D' - 'A'))))
        s |= MSTATUS_FS_INITIAL;            /* let S-mode use the FPU without a first trap */
    csr_write(mstatus, s);
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    enter_next(h, addr, a0, a1);
}

/* ---- TIME (SBI ch. 6) ---- */

void timer_set(struct hart *h, unsigned long when)
{
    if (has_sstc) {
        csr_write(CSR_STIMECMP, when);      /* STIP follows time >= stimecmp (Sstc) */
        return;
    }
    *CLINT_MTIMECMP(h->hartid) = when;
    csr_clear(mip, MIP_STIP);               /* set_timer clears the pending timer interrupt */
    csr_set(mie, MIP_MTIP);
}

/* M timer interrupt (CLINT, no Sstc): pass it on to S-mode as STIP until the next set_timer. */
void timer_interrupt(void)
{
    csr_clear(mie, MIP_MTIP);
    csr_set(mip, MIP_STIP);
}

/* ---- IPIs and remote fences (SBI ch. 7, 8) ---- */

/*
 * Do the work other harts asked of this one (M software interrupt). Senders that wait
 * take a ticket from ipi_req after posting their work; ipi_done tells them which tickets
 * have been served. msip is cleared before ipi_req is read, so work posted after that
 * read comes with a fresh msip and another round.
 */
void ipi_process(struct hart *h)
{
    *CLINT_MSIP(h->hartid) = 0;
    fence();
    unsigned long req = __atomic_load_n(&h->ipi_req, __ATOMIC_ACQUIRE);
    unsigned long work = __atomic_exchange_n(&h->ipi_pending, 0, __ATOMIC_ACQ_REL);
    if ((work & IPI_SSIP) && (h->state == HSM_STARTED || h->state == HSM_SUSPENDED))
        csr_set(mip, MIP_SSIP);
    if (work & IPI_FENCE_I)
        __asm__ volatile("fence.i" ::: "memory");
    if (work & IPI_SFENCE)
        __asm__ volatile("sfence.vma" ::: "memory");
    __atomic_store_n(&h->ipi_done, req, __ATOMIC_RELEASE);
}

static void do_local(unsigned long work)
{
    if (work & IPI_SSIP)
        csr_set(mip, MIP_SSIP);
    if (work & IPI_FENCE_I)
        __asm__ volatile("fence.i" ::: "memory");
    if (work & IPI_SFENCE)
        __asm__ volatile("sfence.vma" ::: "memory");
}

/*
 * Do `work` on every hart named by (hart_mask, hart_mask_base) (SBI ch. 3.1). Plain IPIs
 * are posted; fences are waited for, so they are done when the SBI call returns.
 * Harts that are not started have no S-mode state to signal and are skipped.
 */
long send_to_harts(struct hart *me, unsigned long mask, unsigned long base, unsigned long work)
{
    unsigned long targets = 0, tickets[MAX_HARTS];
    if (base == ~0UL) {
        targets = valid_harts;              /* -1: all available harts */
    } else {
        for (unsigned long i = 0; i < 64; i++) {
            if (!(mask >> i & 1))
                continue;
            unsigned long id = base + i;
            if (id < base || id >= MAX_HARTS || !(valid_harts >> id & 1))
                return SBI_ERR_INVALID_PARAM;
            targets |= 1UL << id;
        }
    }
    fence();                                /* the caller's memory writes before the IPIs */
    for (unsigned long id = 0; id < MAX_HARTS; id++) {
        tickets[id] = 0;
        if (!(targets >> id & 1))
            continue;
        struct hart *t = &harts[id];
        if (t == me) {
            do_local(work);
            continue;
        }
        if (t->state != HSM_STARTED && t->state != HSM_SUSPENDED)
            continue;
        __atomic_fetch_or(&t->ipi_pending, work, __ATOMIC_ACQ_REL);
        if (work != IPI_SSIP)
            tickets[id] = __atomic_add_fetch(&t->ipi_req, 1, __ATOMIC_ACQ_REL);
        fence();
        *CLINT_MSIP(id) = 1;
    }
    for (unsigned long id = 0; id < MAX_HARTS; id++) {
        if (!tickets[id])
            continue;
        while ((long)(__atomic_load_n(&harts[id].ipi_done, __ATOMIC_ACQUIRE) - tickets[id]) < 0)
            if (csr_read(mip) & MIP_MSIP)   /* serve requests to us meanwhile: no deadlock */
                ipi_process(me);
    }
    return SBI_SUCCESS;
}

/* ---- HSM (SBI ch. 9) ---- */

/* A stopped hart waits here (M-mode, only MSIE enabled) until hart_start picks it. */
void hart_wait_for_start(struct hart *h)
{
    csr_write(mie, MIP_MSIP);
    while (!__atomic_load_n(&h->start_go, __ATOMIC_ACQUIRE)) {
        wfi();
        if (csr_read(mip) & MIP_MSIP)
            ipi_process(h);
    }
    h->start_go = 0;
    csr_clear(mip, MIP_SSIP | MIP_STIP);
    __atomic_store_n(&h->state, HSM_STARTED, __ATOMIC_RELEASE);
    enter_supervisor(h, h->next_addr, h->hartid, h->next_arg);
}

static struct sbiret hart_start(unsigned long id, unsigned long addr, unsigned long opaque)
{
    if (id >= MAX_HARTS || !(valid_harts >> id & 1))
        return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
    if (!s_range_ok(addr, 2))
        return (struct sbiret){ SBI_ERR_INVALID_ADDRESS, 0 };
    struct hart *t = &harts[id];
    int expected = HSM_STOPPED;
    if (!__atomic_compare_exchange_n(&t->state, &expected, HSM_START_PENDING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return (struct sbiret){ SBI_ERR_ALREADY_AVAILABLE, 0 };
    /* We own the hart now (START_PENDING): hand over the entry, then wake it. */
    t->next_addr = addr;
    t->next_arg = opaque;
    __atomic_store_n(&t->start_go, 1, __ATOMIC_RELEASE);
    fence();
    *CLINT_MSIP(id) = 1;
    return (struct sbiret){ SBI_SUCCESS, 0 };
}

static __attribute__((noreturn)) void hart_stop(struct hart *h)
{
    h->state = HSM_STOP_PENDING;
    /* Leave no S-mode timer or interrupt behind for the next start. */
    if (has_sstc)
        csr_write(CSR_STIMECMP, ~0UL);
    else
        *CLINT_MTIMECMP(h->hartid) = ~0UL;
    csr_write(mie, MIP_MSIP);
    csr_clear(mip, MIP_SSIP | MIP_STIP);
    __atomic_store_n(&h->state, HSM_STOPPED, __ATOMIC_RELEASE);
    hart_wait_for_start(h);
}

#define SUSPEND_RETENTIVE     0x00000000UL
#define SUSPEND_NON_RETENTIVE 0x80000000UL

static struct sbiret hart_suspend(struct hart *h, unsigned long type, unsigned long resume,
                                  unsigned long opaque)
{
    /* Only the two default types exist here; reserved and platform types are invalid. */
    if (type != SUSPEND_RETENTIVE && type != SUSPEND_NON_RETENTIVE)
        return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
    if (type == SUSPEND_NON_RETENTIVE && !s_range_ok(resume, 2))
        return (struct sbiret){ SBI_ERR_INVALID_ADDRESS, 0 };

    /* Wait for an interrupt S-mode has enabled (sie bits live in mie), serving M-mode work. */
    h->state = HSM_SUSPENDED;
    while (!(csr_read(mip) & csr_read(mie) & (MIP_SSIP | MIP_STIP | MIP_SEIP))) {
        wfi();
        if (csr_read(mip) & MIP_MSIP)
            ipi_process(h);
        if (!has_sstc && (csr_read(mip) & csr_read(mie) & MIP_MTIP))
            timer_interrupt();
    }
    h->state = HSM_STARTED;
    if (type == SUSPEND_RETENTIVE)
        return (struct sbiret){ SBI_SUCCESS, 0 };
    enter_supervisor(h, resume, h->hartid, opaque);
}

struct sbiret hsm_call(struct hart *h, unsigned long fid, const unsigned long *a)
{
    switch (fid) {
    case 0:
        return hart_start(a[0], a[1], a[2]);
    case 1:
        hart_stop(h);                       /* does not return */
    case 2:
        if (a[0] >= MAX_HARTS || !(valid_harts >> a[0] & 1))
            return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
        return (struct sbiret){ SBI_SUCCESS, harts[a[0]].state };
    case 3:
        return hart_suspend(h, a[0], a[1], a[2]);
    default:
        return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
    }
}
