/* CSR access and bit definitions (RISC-V privileged spec 1.12). Usable from C and assembly. */
#ifndef RVEMU_CSR_H
#define RVEMU_CSR_H

/* CSRs older assemblers may not know by name. */
#define CSR_MENVCFG  0x30a   /* priv 3.1.18 */
#define CSR_STIMECMP 0x14d   /* Sstc */

/* mstatus (priv 3.1.6) */
#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_MIE  (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_MPP_S (1UL << 11)
#define MSTATUS_FS   (3UL << 13)
#define MSTATUS_FS_INITIAL (1UL << 13)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_TVM  (1UL << 20)
#define MSTATUS_TW   (1UL << 21)
#define MSTATUS_TSR  (1UL << 22)
#define MSTATUS_MPV  (1UL << 39)   /* H extension */

/* mip / mie bits (priv 3.1.9) */
#define MIP_SSIP (1UL << 1)
#define MIP_MSIP (1UL << 3)
#define MIP_STIP (1UL << 5)
#define MIP_MTIP (1UL << 7)
#define MIP_SEIP (1UL << 9)

/* mcause values (priv 3.1.15) */
#define CAUSE_INTERRUPT       (1UL << 63)
#define IRQ_M_SOFT            3
#define IRQ_M_TIMER           7
#define CAUSE_ECALL_S         9

#define MENVCFG_STCE (1UL << 63)

/* pmpcfg fields (priv 3.7.1) */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_NAPOT 0x18

#ifndef __ASSEMBLER__
#define __STR(x) #x
#define STR(x) __STR(x)
#define csr_read(csr) ({ unsigned long __v; \
    __asm__ volatile("csrr %0, " STR(csr) : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, v) __asm__ volatile("csrw " STR(csr) ", %0" :: "rK"(v) : "memory")
#define csr_set(csr, v)   __asm__ volatile("csrs " STR(csr) ", %0" :: "rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " STR(csr) ", %0" :: "rK"(v) : "memory")
#define wfi()             __asm__ volatile("wfi" ::: "memory")
#define fence()           __asm__ volatile("fence iorw, iorw" ::: "memory")
#endif

#endif
