/*
 * RvEmu SBI firmware: shared declarations.
 *
 * An M-mode Supervisor Binary Interface implementation for QEMU's `virt` board
 * (and RvEmu, which emulates it). Spec references: "SBI" = RISC-V SBI spec v2.0,
 * "priv" = RISC-V privileged spec 1.12.
 */
#ifndef RVEMU_SBI_H
#define RVEMU_SBI_H

#include "csr.h"
#include "platform.h"

#define FW_NAME          "RvEmu SBI"
#define FW_VERSION_MAJOR 0
#define FW_VERSION_MINOR 1

/* sbi_get_impl_id (the SBI ch. 4 table of implementation IDs assigns 0..11): 0x5276 is ASCII "Rv", not in the list. */
#define SBI_IMPL_ID      0x5276UL
#define SBI_IMPL_VERSION ((FW_VERSION_MAJOR << 16) | FW_VERSION_MINOR)
/* sbi_get_spec_version: major in bits 30:24, minor in bits 23:0 (SBI ch. 4.1). */
#define SBI_SPEC_VERSION ((2UL << 24) | 0)

/* CLINT registers (SiFive CLINT / ACLINT MSWI + MTIMER layout). */
#define CLINT_MSIP(h)     ((volatile unsigned int *)(CLINT_BASE + 4 * (unsigned long)(h)))
#define CLINT_MTIMECMP(h) ((volatile unsigned long *)(CLINT_BASE + 0x4000 + 8 * (unsigned long)(h)))

/* fw_dynamic_info handed over by QEMU's boot ROM in a2 (OpenSBI's dynamic-firmware ABI). */
struct fw_dynamic_info {
    unsigned long magic;      /* FW_DYNAMIC_MAGIC */
    unsigned long version;    /* 2 */
    unsigned long next_addr;
    unsigned long next_mode;  /* 0 = U, 1 = S, 3 = M */
    unsigned long options;
    unsigned long boot_hart;
};
#define FW_DYNAMIC_MAGIC 0x4942534fUL   /* "OSBI" */
#define NEXT_MODE_S 1

/* Standard SBI error codes (SBI ch. 3). */
#define SBI_SUCCESS                0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6

/* Extension IDs (SBI ch. 4-12). */
#define SBI_EXT_LEGACY_LAST 0x0f
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494d45   /* "TIME" */
#define SBI_EXT_IPI    0x735049     /* "sPI"  */
#define SBI_EXT_RFENCE 0x52464e43   /* "RFNC" */
#define SBI_EXT_HSM    0x48534d     /* "HSM"  */
#define SBI_EXT_SRST   0x53525354   /* "SRST" */
#define SBI_EXT_DBCN   0x4442434e   /* "DBCN" */

/* HSM hart states (SBI ch. 9). */
#define HSM_STARTED       0
#define HSM_STOPPED       1
#define HSM_START_PENDING 2
#define HSM_STOP_PENDING  3
#define HSM_SUSPENDED     4

/* Work a hart can be asked to do by an IPI (bits of hart.ipi_pending). */
#define IPI_SSIP    1UL   /* raise a supervisor software interrupt (SBI ch. 7) */
#define IPI_FENCE_I 2UL   /* execute FENCE.I (SBI ch. 8.1) */
#define IPI_SFENCE  4UL   /* flush the whole TLB (SBI ch. 8.2-8.3; a superset of any range) */

struct sbiret { long error; long value; };

/*
 * Per-hart state. mscratch points here while the hart runs below M-mode; the trap entry
 * in start.S saves x1..x31 into regs[] and switches to the stack that ends at stack_top.
 * The offsets of regs[] and stack_top are used by start.S: keep them first.
 */
struct hart {
    unsigned long regs[32];          /* offset 0: x0 (unused) .. x31 */
    unsigned long stack_top;         /* offset 256 */
    unsigned long hartid;
    volatile int state;              /* HSM state */
    volatile int start_go;           /* set by hart_start once next_addr/next_arg are written */
    unsigned long next_addr, next_arg;
    volatile unsigned long ipi_pending;  /* IPI_* bits */
    volatile unsigned long ipi_req;      /* tickets taken by senders that wait */
    volatile unsigned long ipi_done;     /* last ticket whose work is done */
};

#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A6 16
#define REG_A7 17

/* What start.S's guarded_ld reports when the access trapped. */
struct trap_info { unsigned long cause; unsigned long tval; };

extern struct hart harts[MAX_HARTS];
extern unsigned long valid_harts;     /* bit h: hart h is listed in the FDT (and < MAX_HARTS) */
extern int has_sstc;

/* start.S */
void enter_next(struct hart *h, unsigned long addr, unsigned long a0, unsigned long a1)
    __attribute__((noreturn));
unsigned long guarded_ld(unsigned long addr, unsigned long mstatus_set, struct trap_info *t);
int setup_menvcfg(void);
extern volatile unsigned int boot_done;

/* console.c */
void console_init(unsigned long base, unsigned int reg_shift, unsigned int io_width);
void console_putc(char c);
int  console_getc(void);             /* -1 when no byte is waiting */
void console_lock(void);
void console_unlock(void);
void print(const char *s);
void print_hex(unsigned long v);
void print_dec(unsigned long v);

/* fdt.c */
struct platform_info {
    unsigned long uart_base;
    unsigned int uart_shift, uart_width;
    unsigned long mem_base[4], mem_size[4];
    int mem_count;
    unsigned long harts;             /* bit mask of hart ids found under /cpus */
};
int fdt_parse(const void *fdt, struct platform_info *out);

/* harts.c: HSM (SBI ch. 9), IPIs (ch. 7) and remote fences (ch. 8) */
void hart_init_csrs(int boot);
void enter_supervisor(struct hart *h, unsigned long addr, unsigned long a0, unsigned long a1)
    __attribute__((noreturn));
void hart_wait_for_start(struct hart *h) __attribute__((noreturn));
void ipi_process(struct hart *h);
struct sbiret hsm_call(struct hart *h, unsigned long fid, const unsigned long *a);
long send_to_harts(struct hart *h, unsigned long mask, unsigned long base, unsigned long work);
void timer_set(struct hart *h, unsigned long when);
void timer_interrupt(void);
int  s_range_ok(unsigned long addr, unsigned long size);

/* ecall.c */
void sbi_ecall(struct hart *h);

/* trap.c */
void finisher_write(unsigned int value);
void fatal(const char *why, unsigned long cause, unsigned long epc, unsigned long tval)
    __attribute__((noreturn));

static inline struct hart *this_hart(void) { return &harts[csr_read(mhartid)]; }

#endif
