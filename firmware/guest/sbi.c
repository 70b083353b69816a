/* SBI calls: `ecall` from S-mode with a7 = EID, a6 = FID, arguments in a0..a5;
 * the firmware answers error in a0 and value in a1 (SBI spec ch. 3). Legacy
 * extensions (ch. 5) take a7 only and return a single value in a0. */
#include "sbi.h"

struct sbi_info sbi;

struct sbiret sbi_call(long eid, long fid, unsigned long a0, unsigned long a1, unsigned long a2)
{
    register unsigned long r_a0 __asm__("a0") = a0;
    register unsigned long r_a1 __asm__("a1") = a1;
    register unsigned long r_a2 __asm__("a2") = a2;
    register unsigned long r_a6 __asm__("a6") = (unsigned long)fid;
    register unsigned long r_a7 __asm__("a7") = (unsigned long)eid;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a6), "r"(r_a7)
                     : "memory");
    struct sbiret ret = { (long)r_a0, (long)r_a1 };
    return ret;
}

static long sbi_legacy_call(long eid, unsigned long a0)
{
    register unsigned long r_a0 __asm__("a0") = a0;
    register unsigned long r_a7 __asm__("a7") = (unsigned long)eid;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "a1", "memory");
    return (long)r_a0;
}

static bool sbi_probe(long eid)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, 3, (unsigned long)eid, 0, 0);
    return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
    /* sbi_get_spec_version (base FID 0). A v0.1 firmware has no base extension
     * and answers SBI_ERR_NOT_SUPPORTED (or garbage) in a0: then use legacy calls only. */
    struct sbiret r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0);
    if (r.error != 0) {
        sbi.has_base = false;
        sbi.spec_version = 1; /* v0.1 */
        return;
    }
    sbi.has_base = true;
    sbi.spec_version = (uint32_t)r.value;
    sbi.impl_id = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0).value;
    sbi.impl_version = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0).value;
    sbi.has_time = sbi_probe(SBI_EXT_TIME);
    sbi.has_srst = sbi_probe(SBI_EXT_SRST);
    sbi.has_dbcn = sbi_probe(SBI_EXT_DBCN);
}

/* SBI implementation IDs (SBI spec, base extension: "SBI Implementation IDs"). */
const char *sbi_impl_name(long id)
{
    switch (id) {
    case 0: return "Berkeley Boot Loader (BBL)";
    case 1: return "OpenSBI";
    case 2: return "Xvisor";
    case 3: return "KVM";
    case 4: return "RustSBI";
    case 5: return "Diosix";
    case 6: return "Coffer";
    case 7: return "Xen Project";
    case 8: return "PolarFire Hart Software Services";
    case 9: return "coreboot";
    case 10: return "oreboot";
    case 11: return "bhyve";
    default: return "unknown";
    }
}

void sbi_console_write(const char *buf, size_t len)
{
    if (sbi.has_dbcn) {
        /* sbi_debug_console_write(num_bytes, base_lo, base_hi): non-blocking, may write
         * fewer bytes than asked (SBI §12.1). Memory is identity-mapped, so the
         * buffer's address is its physical address. */
        while (len > 0) {
            struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, len, (unsigned long)buf, 0);
            if (r.error != 0)
                break; /* fall back to putchar for the rest */
            buf += r.value;
            len -= (size_t)r.value;
        }
    }
    while (len > 0) {
        sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, (unsigned char)*buf);
        buf++;
        len--;
    }
}

void sbi_set_timer(uint64_t when)
{
    /* sbi_set_timer also clears the pending supervisor timer interrupt (SBI §6.1). */
    if (sbi.has_time)
        sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
    else
        sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, when);
}

void sbi_shutdown(uint32_t reason)
{
    if (sbi.has_srst)
        sbi_call(SBI_EXT_SRST, 0, 0 /* shutdown */, reason, 0); /* SBI §10.1 */
    sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
}
