/* Supervisor Binary Interface calls (RISC-V SBI spec v2.0). */
#ifndef GUEST_SBI_H
#define GUEST_SBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Extension IDs: base (ch. 4), legacy (ch. 5), TIME (ch. 6), SRST (ch. 10), DBCN (ch. 12). */
#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

struct sbiret {
    long error;
    long value;
};

/* What the firmware told us at start-up (sbi_init). */
struct sbi_info {
    bool has_base;      /* SBI >= v0.2: the base extension answers */
    uint32_t spec_version; /* major << 24 | minor */
    long impl_id;
    long impl_version;
    bool has_time;
    bool has_srst;
    bool has_dbcn;
};

extern struct sbi_info sbi;

struct sbiret sbi_call(long eid, long fid, unsigned long a0, unsigned long a1, unsigned long a2);
void sbi_init(void);
const char *sbi_impl_name(long id);
/* Writes bytes to the firmware console (DBCN write if present, else legacy putchar). */
void sbi_console_write(const char *buf, size_t len);
/* Programs the next supervisor timer event at absolute time `when` (TIME ext. or legacy). */
void sbi_set_timer(uint64_t when);
/* Powers off through SRST (shutdown, reason `reason`), then legacy shutdown. Returns only if both fail. */
void sbi_shutdown(uint32_t reason);

#endif
