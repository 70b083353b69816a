/*
 * sbitest: an S-mode program that exercises an SBI implementation the way an OS would
 * (RISC-V SBI spec v2.0) and prints one "ok"/"FAIL" line per check, then shuts down
 * through SRST: exit status 0 if every check passed, 1 (system failure) otherwise.
 * With more than one hart it also drives HSM start/stop/suspend, IPIs and remote fences.
 * Kernel command line "srst-reboot" tests a cold reboot through SRST first.
 */
#define MAX_HARTS 8
#define TICKS_PER_SEC 10000000UL    /* virt timebase-frequency */

#define EXT_BASE   0x10
#define EXT_TIME   0x54494d45
#define EXT_IPI    0x735049
#define EXT_RFENCE 0x52464e43
#define EXT_HSM    0x48534d
#define EXT_SRST   0x53525354
#define EXT_DBCN   0x4442434e
#define EXT_PMU    0x504d55

#define ERR_NOT_SUPPORTED     -2
#define ERR_INVALID_PARAM     -3
#define ERR_INVALID_ADDRESS   -5
#define ERR_ALREADY_AVAILABLE -6

#define SIP_SSIP (1UL << 1)
#define SIP_STIP (1UL << 5)
#define SSTATUS_SIE (1UL << 1)

#define STR_(x) #x
#define STR(x) STR_(x)
#define csr_read(c) ({ unsigned long v_; __asm__ volatile("csrr %0, " STR(c) : "=r"(v_) :: "memory"); v_; })
#define csr_write(c, v) __asm__ volatile("csrw " STR(c) ", %0" :: "r"(v) : "memory")
#define csr_set(c, v) __asm__ volatile("csrs " STR(c) ", %0" :: "r"(v) : "memory")
#define csr_clear(c, v) __asm__ volatile("csrc " STR(c) ", %0" :: "r"(v) : "memory")

struct sbiret { long error; long value; };

static struct sbiret sbi(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                         unsigned long a2, unsigned long a3, unsigned long a4)
{
    register unsigned long r0 __asm__("a0") = a0, r1 __asm__("a1") = a1, r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3, r4 __asm__("a4") = a4;
    register unsigned long r6 __asm__("a6") = fid, r7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){ (long)r0, (long)r1 };
}
#define SBI0(e, f) sbi(e, f, 0, 0, 0, 0, 0)
#define SBI1(e, f, a) sbi(e, f, a, 0, 0, 0, 0)
#define SBI2(e, f, a, b) sbi(e, f, a, b, 0, 0, 0)
#define SBI3(e, f, a, b, c) sbi(e, f, a, b, c, 0, 0)

static long legacy(unsigned long eid, unsigned long a0)
{
    register unsigned long r0 __asm__("a0") = a0, r7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r7) : "a1", "memory");
    return (long)r0;
}

/* entry.S */
extern char hart_entry[], resume_entry[];
long ecall_preserves(void);
unsigned long legacy_a1_after(unsigned long eid, unsigned long arg);
unsigned long read_u64(unsigned long addr);
void write_u64(unsigned long addr, unsigned long v);
unsigned long read_mstatus(void);
void legacy_ipi_ecall(const unsigned long *mask);

/* ---- output through DBCN (SBI ch. 12) ---- */

static unsigned long strlen_(const char *s) { unsigned long n = 0; while (s[n]) n++; return n; }

static void print(const char *s)
{
    SBI3(EXT_DBCN, 0, strlen_(s), (unsigned long)s, 0);
}

static void print_dec(unsigned long v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    print(&buf[i]);
}

static void print_hex(unsigned long v)
{
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do { buf[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    print(&buf[i]);
}

static int passed, failed;

static void check(int ok, const char *what, long got)
{
    print(ok ? "ok   " : "FAIL ");
    print(what);
    if (!ok) {
        print(" (got ");
        print_hex((unsigned long)got);
        print(")");
    }
    print("\r\n");
    if (ok)
        passed++;
    else
        failed++;
}

static unsigned long now(void) { return csr_read(time); }

/* Spin until *flag reaches `want` or a second passes. */
static int wait_for(volatile unsigned long *flag, unsigned long want)
{
    unsigned long t0 = now();
    while (*flag < want)
        if (now() - t0 > TICKS_PER_SEC)
            return 0;
    return 1;
}

/* ---- S-mode traps ---- */

static volatile unsigned long timer_hits[MAX_HARTS], soft_hits[MAX_HARTS];
static volatile unsigned long exc_cause, exc_tval, exc_epc, exc_count;

static unsigned long hartid(void) { unsigned long t; __asm__("mv %0, tp" : "=r"(t)); return t; }

__attribute__((interrupt("supervisor"), aligned(4))) static void s_trap(void)
{
    unsigned long cause = csr_read(scause);
    if ((long)cause < 0) {
        if ((cause & 0xff) == 5) {          /* supervisor timer */
            timer_hits[hartid()]++;
            SBI1(EXT_TIME, 0, ~0UL);        /* set_timer clears the pending STIP */
        } else if ((cause & 0xff) == 1) {   /* supervisor software (IPI) */
            soft_hits[hartid()]++;
            csr_clear(sip, SIP_SSIP);
        }
        return;
    }
    exc_cause = cause;
    exc_tval = csr_read(stval);
    exc_epc = csr_read(sepc);
    exc_count++;
    csr_write(sepc, exc_epc + 4);           /* all trapping test instructions are 4 bytes */
}

/* ---- secondary harts: obey commands from the boot hart ---- */

enum { CMD_NONE, CMD_WAIT_IPI, CMD_SUSPEND, CMD_SUSPEND_NONRET, CMD_STOP };
static volatile unsigned long arrivals[MAX_HARTS], arrived_opaque[MAX_HARTS];
static volatile unsigned long arrived_satp[MAX_HARTS], arrived_sie[MAX_HARTS];
static volatile unsigned long cmd[MAX_HARTS], ready[MAX_HARTS], done[MAX_HARTS];
static volatile long result[MAX_HARTS];
static volatile unsigned long resumed[MAX_HARTS], resumed_opaque[MAX_HARTS];

static void command_loop(unsigned long h)
{
    csr_write(stvec, (unsigned long)s_trap);
    for (;;) {
        unsigned long c = cmd[h];
        if (c == CMD_NONE)
            continue;
        cmd[h] = CMD_NONE;
        if (c == CMD_WAIT_IPI) {
            unsigned long before = soft_hits[h];
            csr_set(sie, SIP_SSIP);
            csr_set(sstatus, SSTATUS_SIE);
            ready[h]++;
            while (soft_hits[h] == before)
                __asm__ volatile("wfi");
            csr_clear(sstatus, SSTATUS_SIE);
        } else if (c == CMD_SUSPEND) {
            /* Retentive suspend with interrupts masked: returns once SSIP is pending. */
            csr_set(sie, SIP_SSIP);
            ready[h]++;
            result[h] = SBI3(EXT_HSM, 3, 0, 0, 0).error;
            result[h] |= (csr_read(sip) & SIP_SSIP) ? 0 : 0x100;
            csr_clear(sip, SIP_SSIP);
        } else if (c == CMD_SUSPEND_NONRET) {
            csr_set(sie, SIP_SSIP);
            ready[h]++;
            result[h] = SBI3(EXT_HSM, 3, 0x80000000UL, (unsigned long)resume_entry, 0xc0ffee00 + h).error;
        } else if (c == CMD_STOP) {
            done[h]++;
            SBI0(EXT_HSM, 1);
            result[h] = -999;               /* hart_stop returned: failure */
        }
        done[h]++;
    }
}

void secondary_main(unsigned long h, unsigned long opaque)
{
    arrived_opaque[h] = opaque;
    arrived_satp[h] = csr_read(satp);
    arrived_sie[h] = csr_read(sstatus) & SSTATUS_SIE;
    arrivals[h]++;
    command_loop(h);
}

void resumed_main(unsigned long h, unsigned long opaque)
{
    resumed_opaque[h] = opaque;
    resumed[h]++;
    csr_clear(sip, SIP_SSIP);
    done[h]++;
    command_loop(h);
}

/* Run command c on hart h and wait until it is done. */
static int run(unsigned long h, unsigned long c, int needs_ipi)
{
    unsigned long r = ready[h], d = done[h];
    cmd[h] = c;
    if (needs_ipi) {
        if (!wait_for(&ready[h], r + 1))
            return 0;
        /* The suspend commands: wait until the hart has really suspended. */
        if (c == CMD_SUSPEND || c == CMD_SUSPEND_NONRET) {
            unsigned long t0 = now();
            while (SBI1(EXT_HSM, 2, h).value != 4)
                if (now() - t0 > TICKS_PER_SEC)
                    return 0;
        }
        if (SBI2(EXT_IPI, 0, 1UL << h, 0).error)
            return 0;
    }
    return wait_for(&done[h], d + 1);
}

static void test_secondary(unsigned long h)
{
    struct sbiret r;
    print("-- secondary hart ");
    print_dec(h);
    print("\r\n");
    check(SBI1(EXT_HSM, 2, h).value == 1, "HSM: secondary hart is STOPPED at boot", SBI1(EXT_HSM, 2, h).value);
    r = SBI3(EXT_HSM, 0, h, (unsigned long)hart_entry, 0x12340000 + h);
    check(r.error == 0, "HSM hart_start", r.error);
    check(wait_for(&arrivals[h], 1), "HSM: started hart arrives", (long)arrivals[h]);
    check(arrived_opaque[h] == 0x12340000 + h, "HSM: a1 = opaque", (long)arrived_opaque[h]);
    check(arrived_satp[h] == 0 && arrived_sie[h] == 0, "HSM: satp = 0, sstatus.SIE = 0", (long)arrived_satp[h]);
    check(SBI1(EXT_HSM, 2, h).value == 0, "HSM: get_status = STARTED", SBI1(EXT_HSM, 2, h).value);
    r = SBI3(EXT_HSM, 0, h, (unsigned long)hart_entry, 0);
    check(r.error == ERR_ALREADY_AVAILABLE, "HSM: starting a started hart fails", r.error);

    check(run(h, CMD_WAIT_IPI, 1) && soft_hits[h] == 1, "IPI: send_ipi raises SSIP on the target", (long)soft_hits[h]);
    check(SBI2(EXT_RFENCE, 0, ~0UL, ~0UL).error == 0, "RFENCE: remote_fence_i to all harts", 0);
    check(SBI3(EXT_RFENCE, 1, 1UL << h, 0, 0).error == 0, "RFENCE: remote_sfence_vma", 0);
    check(sbi(EXT_RFENCE, 2, 1UL << h, 0, 0x1000, 0x2000, 1).error == 0, "RFENCE: remote_sfence_vma_asid", 0);

    /* The legacy calls take a pointer to the hart mask. */
    static unsigned long mask;
    mask = 1UL << h;
    check(legacy(0x05, (unsigned long)&mask) == 0, "legacy remote_fence_i", 0);
    unsigned long d = done[h], rd = ready[h];
    cmd[h] = CMD_WAIT_IPI;
    wait_for(&ready[h], rd + 1);
    check(legacy(0x04, (unsigned long)&mask) == 0 && wait_for(&done[h], d + 1) && soft_hits[h] == 2,
          "legacy send_ipi (hart mask by pointer)", (long)soft_hits[h]);

    check(run(h, CMD_SUSPEND, 1) && result[h] == 0, "HSM: retentive suspend, woken by an IPI", result[h]);
    check(run(h, CMD_SUSPEND_NONRET, 1) && resumed[h] == 1 && resumed_opaque[h] == 0xc0ffee00 + h,
          "HSM: non-retentive suspend resumes at resume_addr, a1 = opaque", (long)resumed_opaque[h]);

    check(run(h, CMD_STOP, 0), "HSM: hart_stop", 0);
    unsigned long t0 = now();
    while (SBI1(EXT_HSM, 2, h).value != 1 && now() - t0 < TICKS_PER_SEC)
        ;
    check(SBI1(EXT_HSM, 2, h).value == 1, "HSM: stopped hart reports STOPPED", SBI1(EXT_HSM, 2, h).value);
    check(SBI3(EXT_RFENCE, 1, 1UL << h, 0, 0).error == 0, "RFENCE to a stopped hart does not hang", 0);
    r = SBI3(EXT_HSM, 0, h, (unsigned long)hart_entry, 0x56780000 + h);
    check(r.error == 0 && wait_for(&arrivals[h], 2) && arrived_opaque[h] == 0x56780000 + h,
          "HSM: a stopped hart starts again", (long)arrivals[h]);
    check(run(h, CMD_STOP, 0), "HSM: hart_stop again", 0);
}

/* ---- tests on the boot hart ---- */

static void test_base(void)
{
    struct sbiret r = SBI0(EXT_BASE, 0);
    check(r.error == 0 && r.value == 0x02000000, "BASE: spec version 2.0", r.value);
    r = SBI0(EXT_BASE, 1);
    check(r.error == 0 && r.value == 0x5276, "BASE: impl id 0x5276", r.value);
    r = SBI0(EXT_BASE, 2);
    check(r.error == 0 && r.value == 0x1, "BASE: impl version 0.1", r.value);
    static const unsigned long have[] = { EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST,
                                          EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    int all = 1;
    for (unsigned long i = 0; i < sizeof have / sizeof have[0]; i++)
        all &= SBI1(EXT_BASE, 3, have[i]).value == 1;
    check(all, "BASE: probe finds BASE TIME IPI RFNC HSM SRST DBCN and legacy 0-8", 0);
    check(SBI1(EXT_BASE, 3, EXT_PMU).value == 0, "BASE: probe PMU = 0 (absent)", SBI1(EXT_BASE, 3, EXT_PMU).value);
    check(SBI1(EXT_BASE, 3, 0x12345678).value == 0, "BASE: probe unknown = 0", 0);
    check(SBI0(EXT_BASE, 4).error == 0 && SBI0(EXT_BASE, 5).error == 0 && SBI0(EXT_BASE, 6).error == 0,
          "BASE: mvendorid/marchid/mimpid", 0);
    check(SBI0(EXT_BASE, 7).error == ERR_NOT_SUPPORTED, "BASE: unknown FID -> NOT_SUPPORTED", SBI0(EXT_BASE, 7).error);
    check(SBI0(0x12345678, 0).error == ERR_NOT_SUPPORTED, "unknown EID -> NOT_SUPPORTED", 0);
    check(SBI0(EXT_PMU, 0).error == ERR_NOT_SUPPORTED, "PMU call -> NOT_SUPPORTED", 0);
    check(legacy(0x09, 0) == ERR_NOT_SUPPORTED, "legacy EID 0x09 -> NOT_SUPPORTED", 0);
    check(ecall_preserves() == 0, "SBI call preserves all registers but a0/a1", ecall_preserves());
    check(legacy_a1_after(0x02, 0) == 0x5a5a, "legacy call preserves a1", 0);
}

static void test_console(void)
{
    static const char msg[] = "DBCN console_write works\r\n";
    struct sbiret r = SBI3(EXT_DBCN, 0, sizeof msg - 1, (unsigned long)msg, 0);
    check(r.error == 0 && r.value == sizeof msg - 1, "DBCN: console_write returns byte count", r.value);
    r = SBI1(EXT_DBCN, 2, '*');
    SBI1(EXT_DBCN, 2, '\r');
    SBI1(EXT_DBCN, 2, '\n');
    check(r.error == 0, "DBCN: console_write_byte", r.error);
    r = SBI3(EXT_DBCN, 0, 16, 0x80000000UL, 0);
    check(r.error == ERR_INVALID_PARAM, "DBCN: write from firmware memory refused", r.error);
    r = SBI3(EXT_DBCN, 0, 4, (unsigned long)msg, 1);
    check(r.error == ERR_INVALID_PARAM, "DBCN: base_addr_hi != 0 refused", r.error);
    static char buf[8];
    r = SBI3(EXT_DBCN, 1, sizeof buf, (unsigned long)buf, 0);
    check(r.error == 0 && r.value == 0, "DBCN: console_read with no input reads 0", r.value);
    check(legacy(0x02, 0) == -1, "legacy console_getchar = -1 without input", 0);
    check(legacy(0x01, '+') == 0, "legacy console_putchar", 0);
    legacy(0x01, '\r');
    legacy(0x01, '\n');
}

static void test_timer(void)
{
    unsigned long h = hartid();
    csr_write(stvec, (unsigned long)s_trap);
    csr_set(sie, SIP_STIP);
    csr_set(sstatus, SSTATUS_SIE);
    unsigned long t0 = now();
    check(SBI1(EXT_TIME, 0, t0 + TICKS_PER_SEC / 100).error == 0, "TIME: set_timer", 0);
    while (timer_hits[h] == 0 && now() - t0 < TICKS_PER_SEC)
        __asm__ volatile("wfi");
    unsigned long t1 = now();
    check(timer_hits[h] == 1 && t1 - t0 >= TICKS_PER_SEC / 100, "TIME: interrupt after 10 ms, not before", (long)(t1 - t0));
    legacy(0x00, now() + TICKS_PER_SEC / 200);
    while (timer_hits[h] == 1 && now() - t1 < TICKS_PER_SEC)
        __asm__ volatile("wfi");
    check(timer_hits[h] == 2, "legacy set_timer interrupt", (long)timer_hits[h]);
    SBI1(EXT_TIME, 0, now() - 1);           /* already due: fires at once */
    for (int i = 0; i < 1000 && timer_hits[h] == 2; i++)
        ;
    check(timer_hits[h] == 3, "TIME: a deadline in the past fires at once", (long)timer_hits[h]);

    /* Retentive suspend, interrupts masked, woken by the timer. */
    csr_clear(sstatus, SSTATUS_SIE);
    SBI1(EXT_TIME, 0, now() + TICKS_PER_SEC / 100);
    struct sbiret r = SBI3(EXT_HSM, 3, 0, 0, 0);
    check(r.error == 0 && (csr_read(sip) & SIP_STIP), "HSM: retentive suspend returns on a timer interrupt", r.error);
    csr_set(sstatus, SSTATUS_SIE);           /* take it */
    csr_clear(sie, SIP_STIP);
    csr_clear(sstatus, SSTATUS_SIE);
}

static void test_ipi_self(void)
{
    unsigned long h = hartid();
    csr_set(sie, SIP_SSIP);
    csr_set(sstatus, SSTATUS_SIE);
    struct sbiret r = SBI2(EXT_IPI, 0, 1, h);
    for (int i = 0; i < 1000 && soft_hits[h] == 0; i++)
        ;
    check(r.error == 0 && soft_hits[h] == 1, "IPI: send_ipi to self", (long)soft_hits[h]);
    csr_clear(sstatus, SSTATUS_SIE);
    SBI2(EXT_IPI, 0, 1, h);
    check(legacy(0x03, 0) == 1 && !(csr_read(sip) & SIP_SSIP), "legacy clear_ipi clears a pending IPI", 0);
    check(legacy(0x03, 0) == 0, "legacy clear_ipi = 0 with none pending", 0);
    csr_clear(sie, SIP_SSIP);
    r = SBI2(EXT_IPI, 0, 1UL << 40, 0);
    check(r.error == ERR_INVALID_PARAM, "IPI: invalid hart in mask -> INVALID_PARAM", r.error);
    r = SBI2(EXT_IPI, 0, 1, 100);
    check(r.error == ERR_INVALID_PARAM, "IPI: invalid hart_mask_base -> INVALID_PARAM", r.error);
    check(SBI2(EXT_RFENCE, 0, 1, h).error == 0, "RFENCE: remote_fence_i on self", 0);
    check(SBI3(EXT_RFENCE, 3, 1, h, 0).error == ERR_NOT_SUPPORTED, "RFENCE: hfence -> NOT_SUPPORTED", 0);
    check(sbi(EXT_RFENCE, 1, 1, h, ~0UL - 5, 100, 0).error == ERR_INVALID_ADDRESS,
          "RFENCE: wrapping range -> INVALID_ADDRESS", 0);
}

static void test_hsm_errors(void)
{
    unsigned long h = hartid();
    check(SBI1(EXT_HSM, 2, h).value == 0, "HSM: boot hart is STARTED", 0);
    check(SBI1(EXT_HSM, 2, 100).error == ERR_INVALID_PARAM, "HSM: get_status of invalid hart", 0);
    check(SBI3(EXT_HSM, 0, h, (unsigned long)hart_entry, 0).error == ERR_ALREADY_AVAILABLE,
          "HSM: hart_start of self -> ALREADY_AVAILABLE", 0);
    check(SBI3(EXT_HSM, 0, 100, (unsigned long)hart_entry, 0).error == ERR_INVALID_PARAM,
          "HSM: hart_start of invalid hart -> INVALID_PARAM", 0);
    check(SBI3(EXT_HSM, 0, h, 0x80000000UL, 0).error == ERR_INVALID_ADDRESS,
          "HSM: hart_start into firmware -> INVALID_ADDRESS", 0);
    check(SBI3(EXT_HSM, 3, 1, 0, 0).error == ERR_INVALID_PARAM, "HSM: reserved suspend type", 0);
    check(SBI3(EXT_HSM, 3, 0x10000000, 0, 0).error == ERR_INVALID_PARAM, "HSM: platform suspend type", 0);
    check(SBI3(EXT_HSM, 3, 0x80000000UL, 0x80000000UL, 0).error == ERR_INVALID_ADDRESS,
          "HSM: non-retentive suspend to firmware -> INVALID_ADDRESS", 0);
    check(SBI0(EXT_HSM, 9).error == ERR_NOT_SUPPORTED, "HSM: unknown FID", 0);
}

static void test_protection(void)
{
    csr_write(stvec, (unsigned long)s_trap);
    exc_count = 0;
    read_u64(0x80000000UL);
    check(exc_count == 1 && exc_cause == 5 && exc_tval == 0x80000000UL,
          "PMP: S-mode load from firmware -> load access fault (delegated)", (long)exc_cause);
    write_u64(0x80001000UL, 0);
    check(exc_count == 2 && exc_cause == 7, "PMP: S-mode store to firmware -> store access fault", (long)exc_cause);
    read_mstatus();
    check(exc_count == 3 && exc_cause == 2, "illegal instruction delegated to S-mode", (long)exc_cause);
    /* Not the firmware's first page: QEMU 7.2 lets an MPRV load hit the TLB entry that
       M-mode's own instruction fetches of that page created, skipping the PMP check. */
    legacy_ipi_ecall((const unsigned long *)0x80070000UL);
    check(exc_count == 4 && exc_cause == 5 && exc_tval == 0x80070000UL &&
          exc_epc == (unsigned long)legacy_ipi_ecall + 4,
          "legacy send_ipi with a bad pointer: fault redirected to S at the ECALL", (long)exc_epc);
    check(SBI2(EXT_SRST, 0, 3, 0).error == ERR_INVALID_PARAM, "SRST: reserved type -> INVALID_PARAM", 0);
    check(SBI2(EXT_SRST, 0, 0xf0000000UL, 0).error == ERR_INVALID_PARAM, "SRST: vendor type -> INVALID_PARAM", 0);
    check(SBI2(EXT_SRST, 0, 0, 2).error == ERR_INVALID_PARAM, "SRST: reserved reason -> INVALID_PARAM", 0);
    check(SBI0(EXT_SRST, 1).error == ERR_NOT_SUPPORTED, "SRST: unknown FID", 0);
}

/* The kernel command line (FDT /chosen bootargs) contains `word`? Naive scan of the blob. */
static int cmdline_has(unsigned long fdt, const char *word)
{
    const unsigned char *p = (const unsigned char *)fdt;
    unsigned long size = (unsigned long)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
    unsigned long n = strlen_(word);
    for (unsigned long i = 0; i + n <= size; i++) {
        unsigned long j = 0;
        while (j < n && p[i + j] == (unsigned char)word[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

#define REBOOT_MARK_ADDR 0x80f00000UL     /* RAM outside every image: survives a reset */
#define REBOOT_MARK      0x5245424f4f54UL  /* "REBOOT" */

void boot_main(unsigned long h, unsigned long fdt)
{
    volatile unsigned long *mark = (volatile unsigned long *)REBOOT_MARK_ADDR;
    print("sbitest: S-mode SBI checks on hart ");
    print_dec(h);
    print("\r\n");
    if (cmdline_has(fdt, "srst-reboot")) {
        if (*mark != REBOOT_MARK) {
            *mark = REBOOT_MARK;
            print("SRST: cold reboot...\r\n");
            SBI2(EXT_SRST, 0, 1, 0);
            check(0, "SRST: cold reboot returned", 0);
        } else {
            *mark = 0;
            check(1, "SRST: cold reboot came back through the firmware", 0);
        }
    }

    test_base();
    test_console();
    test_timer();
    test_ipi_self();
    test_hsm_errors();
    test_protection();
    for (unsigned long i = 0; i < MAX_HARTS; i++) {
        struct sbiret r = SBI1(EXT_HSM, 2, i);
        if (i != h && r.error == 0)
            test_secondary(i);
    }

    print("sbitest: ");
    print_dec((unsigned long)passed);
    print(" passed, ");
    print_dec((unsigned long)failed);
    print(" failed\r\n");
    SBI2(EXT_SRST, 0, 0, failed ? 1 : 0);   /* shutdown; "system failure" if anything failed */
    print("sbitest: SRST shutdown returned\r\n");
    for (;;)
        __asm__ volatile("wfi");
}
