/*
 * SBI call dispatch (SBI ch. 3: a7 = EID, a6 = FID, a0..a5 = arguments; the result is
 * a0 = error, a1 = value, all other registers preserved).
 */
#include "sbi.h"

#define RET(e, v) ((struct sbiret){ (e), (long)(v) })

/* ---- Base (SBI ch. 4) ---- */

static int extension_available(unsigned long eid)
{
    switch (eid) {
    case 0x00 ... 0x08:     /* legacy (SBI ch. 5) */
    case SBI_EXT_BASE:
    case SBI_EXT_TIME:
    case SBI_EXT_IPI:
    case SBI_EXT_RFENCE:
    case SBI_EXT_HSM:
    case SBI_EXT_SRST:
    case SBI_EXT_DBCN:
        return 1;
    default:
        return 0;
    }
}

static struct sbiret base_call(unsigned long fid, const unsigned long *a)
{
    switch (fid) {
    case 0: return RET(SBI_SUCCESS, SBI_SPEC_VERSION);
    case 1: return RET(SBI_SUCCESS, SBI_IMPL_ID);
    case 2: return RET(SBI_SUCCESS, SBI_IMPL_VERSION);
    case 3: return RET(SBI_SUCCESS, extension_available(a[0]));
    case 4: return RET(SBI_SUCCESS, csr_read(mvendorid));
    case 5: return RET(SBI_SUCCESS, csr_read(marchid));
    case 6: return RET(SBI_SUCCESS, csr_read(mimpid));
    default: return RET(SBI_ERR_NOT_SUPPORTED, 0);
    }
}

/* ---- RFENCE (SBI ch. 8) ---- */

static struct sbiret rfence_call(struct hart *h, unsigned long fid, const unsigned long *a)
{
    switch (fid) {
    case 0:
        return RET(send_to_harts(h, a[0], a[1], IPI_FENCE_I), 0);
    case 1:
    case 2:
        /* Any range is served by a full SFENCE.VMA (a superset); only reject wrap-around.
           start = size = 0 and size = 2^XLEN - 1 both mean "everything". */
        if (a[3] != ~0UL && a[2] + a[3] < a[2])
            return RET(SBI_ERR_INVALID_ADDRESS, 0);
        return RET(send_to_harts(h, a[0], a[1], IPI_SFENCE), 0);
    default:
        return RET(SBI_ERR_NOT_SUPPORTED, 0);   /* HFENCE.*: no hypervisor support here */
    }
}

/* ---- SRST (SBI ch. 10) ---- */

static struct sbiret system_reset(unsigned long type, unsigned long reason)
{
    /* Types: 0 shutdown, 1 cold reboot, 2 warm reboot; reasons: 0 none, 1 system failure.
       Everything else is reserved or vendor/implementation specific and unimplemented. */
    if (type > 2 || reason > 1)
        return RET(SBI_ERR_INVALID_PARAM, 0);
    if (type == 0) {
        finisher_write(reason == 1 ? FINISHER_FAIL(EXIT_SYSTEM_FAILURE) : FINISHER_PASS);
    } else {
        /* The machine restarts at the boot ROM; secondaries must wait for hart 0 again
           even if the firmware image is not reloaded. */
        boot_done = 0;
        finisher_write(FINISHER_RESET);
    }
    /* The finisher should have stopped us; give it a second (10 MHz mtime) to do so. */
    volatile unsigned long *mtime = (volatile unsigned long *)(CLINT_BASE + 0xbff8);
    unsigned long t0 = *mtime;
    while (*mtime - t0 < 10000000)
        ;
    boot_done = 1;
    return RET(SBI_ERR_FAILED, 0);
}

/* ---- DBCN (SBI ch. 12) ---- */

static struct sbiret dbcn_call(unsigned long fid, const unsigned long *a)
{
    unsigned long n = a[0];
    unsigned char *p = (unsigned char *)a[1];
    if (fid == 2) {
        console_lock();
        console_putc((char)(a[0] & 0xff));
        console_unlock();
        return RET(SBI_SUCCESS, 0);
    }
    if (fid > 1)
        return RET(SBI_ERR_NOT_SUPPORTED, 0);
    if (n == 0)
        return RET(SBI_SUCCESS, 0);
    /* The buffer is physical memory S-mode may access (SBI ch. 3.2): RAM outside the firmware. */
    if (a[2] != 0 || !s_range_ok(a[1], n))
        return RET(SBI_ERR_INVALID_PARAM, 0);
    unsigned long i = 0;
    console_lock();
    if (fid == 0) {
        for (; i < n; i++)
            console_putc((char)p[i]);
    } else {
        int c;
        while (i < n && (c = console_getc()) >= 0)
            p[i++] = (unsigned char)c;
    }
    console_unlock();
    return RET(SBI_SUCCESS, i);
}

/* ---- Legacy extensions (SBI ch. 5): result in a0 only, a1 preserved ---- */

/*
 * Hand a fault back to S-mode as if it had trapped there (priv 4.1.1-4.1.9): SBI ch. 5
 * asks for this when reading S-mode memory on its behalf faults, with sepc = the ECALL.
 */
static void redirect_to_s(const struct trap_info *t, unsigned long ecall_pc)
{
    unsigned long s = csr_read(mstatus);
    csr_write(scause, t->cause);
    csr_write(stval, t->tval);
    csr_write(sepc, ecall_pc);
    s |= MSTATUS_SPP;                       /* the ECALL came from S-mode */
    s = (s & MSTATUS_SIE) ? s | MSTATUS_SPIE : s & ~MSTATUS_SPIE;
    s &= ~MSTATUS_SIE;
    csr_write(mstatus, s);
    csr_write(mepc, csr_read(stvec) & ~3UL);   /* exceptions go to the vector base */
}

static void legacy_call(struct hart *h, unsigned long eid)
{
    unsigned long *r = h->regs;
    long ret = 0;
    switch (eid) {
    case 0x00:
        timer_set(h, r[REG_A0]);
        break;
    case 0x01:
        console_lock();
        console_putc((char)r[REG_A0]);
        console_unlock();
        break;
    case 0x02:
        ret = console_getc();
        break;
    case 0x03:
        ret = (csr_read(mip) & MIP_SSIP) ? 1 : 0;
        csr_clear(mip, MIP_SSIP);
        break;
    case 0x04: case 0x05: case 0x06: case 0x07: {
        /* a0 = virtual address of the hart mask: read it as S-mode would (MPRV). */
        struct trap_info t;
        unsigned long mask = guarded_ld(r[REG_A0], MSTATUS_MPRV, &t);
        if (t.cause) {
            redirect_to_s(&t, csr_read(mepc) - 4);
            return;
        }
        unsigned long work = eid == 0x04 ? IPI_SSIP : eid == 0x05 ? IPI_FENCE_I : IPI_SFENCE;
        ret = send_to_harts(h, mask, 0, work);
        break;
    }
    case 0x08:
        finisher_write(FINISHER_PASS);
        for (;;)
            wfi();
    default:
        ret = SBI_ERR_NOT_SUPPORTED;
    }
    r[REG_A0] = (unsigned long)ret;
}

void sbi_ecall(struct hart *h)
{
    unsigned long *r = h->regs;
    unsigned long eid = r[REG_A7], fid = r[REG_A6];
    const unsigned long *a = &r[REG_A0];
    struct sbiret ret;

    csr_write(mepc, csr_read(mepc) + 4);    /* return past the ECALL */
    if (eid <= SBI_EXT_LEGACY_LAST) {
        legacy_call(h, eid);
        return;
    }
    switch (eid) {
    case SBI_EXT_BASE:
        ret = base_call(fid, a);
        break;
    case SBI_EXT_TIME:                      /* SBI ch. 6 */
        if (fid == 0) {
            timer_set(h, a[0]);
            ret = RET(SBI_SUCCESS, 0);
        } else {
            ret = RET(SBI_ERR_NOT_SUPPORTED, 0);
        }
        break;
    case SBI_EXT_IPI:                       /* SBI ch. 7 */
        ret = fid == 0 ? RET(send_to_harts(h, a[0], a[1], IPI_SSIP), 0)
                       : RET(SBI_ERR_NOT_SUPPORTED, 0);
        break;
    case SBI_EXT_RFENCE:
        ret = rfence_call(h, fid, a);
        break;
    case SBI_EXT_HSM:                       /* SBI ch. 9 */
        ret = hsm_call(h, fid, a);
        break;
    case SBI_EXT_SRST:
        ret = fid == 0 ? system_reset(a[0], a[1]) : RET(SBI_ERR_NOT_SUPPORTED, 0);
        break;
    case SBI_EXT_DBCN:
        ret = dbcn_call(fid, a);
        break;
    default:
        ret = RET(SBI_ERR_NOT_SUPPORTED, 0);
    }
    r[REG_A0] = (unsigned long)ret.error;
    r[REG_A1] = (unsigned long)ret.value;
}
