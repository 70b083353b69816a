// march: rv64i_zicsr
/*
 * Zicsr (unprivileged spec ch. 9) and the M-mode CSRs it reaches (privileged spec ch. 2-3).
 * CSRRW/RS/RC and their immediate forms return the old value and write the new one;
 * CSRRS/CSRRC with rs1 = x0 (or uimm = 0) do not write, so they are legal on read-only CSRs,
 * while any write to a read-only CSR (bits 11:10 = 11) or an access to a CSR that does not
 * exist raises illegal instruction with mtval = the instruction (privileged 2.1, 3.1.16).
 */
#include "test.h"

/* An illegal CSR instruction: cause 2, mtval = its 32-bit encoding (read back from memory). */
#define TEST_ILLEGAL_CSR(num, code...)                  \
        TRAP_CASE(num, CAUSE_ILLEGAL_INSTRUCTION, code); \
        lwu t0, 0(s10);                                 \
        bne s11, t0, test_fail

        TEST_BEGIN

        /* ---- read/modify/write semantics on mscratch ---- */
        li a0, 0x0123456789abcdef
        csrw mscratch, a0
        TEST_CASE(1, a1, 0x0123456789abcdef, csrr a1, mscratch)
        TEST_CASE(2, a1, 0x0123456789abcdef, li a2, -1; csrrw a1, mscratch, a2)
        TEST_CASE(3, a1, 0xffffffffffffffff, csrr a1, mscratch)
        TEST_CASE(4, a1, 0xffffffffffffffff, li a2, 0xff; csrrc a1, mscratch, a2)
        TEST_CASE(5, a1, 0xffffffffffffff00, csrr a1, mscratch)
        TEST_CASE(6, a1, 0xffffffffffffff00, li a2, 0x0f; csrrs a1, mscratch, a2)
        TEST_CASE(7, a1, 0xffffffffffffff0f, csrr a1, mscratch)
        TEST_CASE(8, a1, 0xffffffffffffff0f, csrrwi a1, mscratch, 31)
        TEST_CASE(9, a1, 0x000000000000001f, csrr a1, mscratch)
        TEST_CASE(10, a1, 0x000000000000001f, csrrci a1, mscratch, 0x15)
        TEST_CASE(11, a1, 0x000000000000000a, csrrsi a1, mscratch, 0x11)
        TEST_CASE(12, a1, 0x000000000000001b, csrr a1, mscratch)
        /* rs1 = x0 / uimm = 0: read only */
        TEST_CASE(13, a1, 0x1b, csrrs a1, mscratch, zero; csrr a1, mscratch)
        TEST_CASE(14, a1, 0x1b, csrrc a1, mscratch, zero; csrr a1, mscratch)
        TEST_CASE(15, a1, 0x1b, csrrsi a1, mscratch, 0; csrrci a1, mscratch, 0; csrr a1, mscratch)
        /* rd = x0: write only */
        TEST_CASE(16, a1, 0x55, li a2, 0x55; csrrw zero, mscratch, a2; csrr a1, mscratch)
        TEST_CASE(17, a1, 0x0, csrrwi zero, mscratch, 0; csrr a1, mscratch)
        /* rd = rs1: the old value reaches rd, the old rs1 reaches the CSR */
        TEST_CASE(18, a1, 0, li a1, 77; csrrw a1, mscratch, a1)
        TEST_CASE(19, a1, 77, csrr a1, mscratch)
        TEST_CASE(20, a1, 77, li a1, 0x100; csrrs a1, mscratch, a1)
        TEST_CASE(21, a1, 0x14d, csrr a1, mscratch)

        /* ---- read-only and informational CSRs ---- */
        TEST_CASE(30, a1, 0, csrr a1, mhartid)
        TEST_CASE(31, a1, 0, csrrs a1, mhartid, zero)            /* legal: no write */
        TEST_CASE(32, a1, 0, csrrci a1, mhartid, 0)              /* legal: no write */
        /* misa: MXL = 2 (64-bit), and I, M, A, C, S, U present (3.1.1) */
        csrr a1, misa
        TEST_CASE(33, a2, 2, srli a2, a1, 62)
        li t0, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 2) | (1 << 18) | (1 << 20)
        TEST_CASE(34, a2, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 2) | (1 << 18) | (1 << 20), and a2, a1, t0)
        /* mstatus: UXL = SXL = 2 on RV64 (3.1.6.2) */
        csrr a1, mstatus
        TEST_CASE(35, a2, 0xa, srli a2, a1, 32; andi a2, a2, 0xf)

        /* writes to read-only CSRs trap */
        TEST_ILLEGAL_CSR(40, csrw mhartid, zero)
        TEST_ILLEGAL_CSR(41, csrrs a1, mvendorid, a1; li a1, 0) /* rs1 = a1 != x0 (a1 = 0 still writes) */
        TEST_ILLEGAL_CSR(42, csrrwi zero, marchid, 0)
        TEST_ILLEGAL_CSR(43, csrrsi a1, mimpid, 1)
        TEST_ILLEGAL_CSR(44, csrw cycle, zero)
        TEST_ILLEGAL_CSR(45, csrrc a1, instret, sp)
        /* a CSR number that does not exist on this hart (custom M-mode read/write space) */
        TEST_ILLEGAL_CSR(46, csrr a1, 0x7c0)
        TEST_ILLEGAL_CSR(47, csrw 0x7c0, a0)
        /* the trap leaves the destination unchanged */
        TEST_CASE(48, a1, 99, li a1, 99; la s8, 1f; csrr a1, 0x7c0; 1: li s8, 0)

        /* ---- trap CSRs: WARL fields ---- */
        /* mepc bit 0 always reads 0 (IALIGN = 16, privileged 3.1.14). QEMU 7.2 keeps the bit, so
         * both are accepted here and RvEmu's runner checks the recorded value (test.h). */
        li a0, 0x80001233
        csrw mepc, a0
        csrr a1, mepc
        RECORD_OBSERVED(0, a1)
        TEST_CASE(50, a1, 0x80001232, andi a1, a1, -2)
        /* mtvec: direct mode with a 4-byte aligned base reads back as written (3.1.7) */
        csrr s1, mtvec
        TEST_CASE(51, a1, 0x80000100, li a0, 0x80000100; csrw mtvec, a0; csrr a1, mtvec)
        TEST_CASE(52, a1, 0x80000101, li a0, 0x80000101; csrw mtvec, a0; csrr a1, mtvec)
        csrw mtvec, s1
        /* mcause and mtval are fully writable here (3.1.15, 3.1.16) */
        TEST_CASE(53, a1, 0x8000000000000007, li a0, 0x8000000000000007; csrw mcause, a0; csrr a1, mcause)
        TEST_CASE(54, a1, 0xfedcba9876543210, li a0, 0xfedcba9876543210; csrw mtval, a0; csrr a1, mtval)
        /* sstatus is a view of mstatus: SIE set through sstatus shows in mstatus bit 1 (4.1.1) */
        csrci mstatus, 2
        TEST_CASE(55, a1, 2, csrsi sstatus, 2; csrr a1, mstatus; andi a1, a1, 2)
        TEST_CASE(56, a1, 0, csrci mstatus, 2; csrr a1, sstatus; andi a1, a1, 2)
        /* sscratch is a plain register */
        TEST_CASE(57, a1, -2, li a0, -2; csrw sscratch, a0; csrr a1, sscratch)

        /* ---- counters (3.1.10, 3.1.11; unprivileged 10.1 for CSR side effects) ----
         * QEMU 7.2 without -icount derives minstret from host time, so the program checks only that
         * the counters move forward and records the exact counts for RvEmu's runner:
         * minstret counts retired instructions, a CSR read sees the count before the reading
         * instruction, and "a value written to instret by one instruction will be the value read
         * by the following instruction" (unprivileged 10.1). */
        csrr a0, minstret
        nop
        nop
        csrr a1, minstret
        TEST_CASE(60, a2, 1, sltu a2, a1, a0; xori a2, a2, 1)   /* a1 >= a0 */
        sub a2, a1, a0
        RECORD_OBSERVED(1, a2)                                  /* 3: csrr, nop, nop */
        /* instret is the unprivileged alias */
        csrr a0, minstret
        csrr a1, instret
        TEST_CASE(61, a2, 1, sltu a2, a1, a0; xori a2, a2, 1)
        sub a2, a1, a0
        RECORD_OBSERVED(2, a2)                                  /* 1 */
        /* minstret written: the next instruction reads the written value */
        li a0, 5000
        csrw minstret, a0
        csrr a1, minstret
        TEST_CASE(62, a2, 1, sltu a2, a1, a0; xori a2, a2, 1)
        sub a2, a1, a0
        RECORD_OBSERVED(3, a2)                                  /* 0 */
        /* mcycle is writable and counts on from the written value (its rate is not architectural) */
        li a0, 1000000
        csrw mcycle, a0
        csrr a1, mcycle
        TEST_CASE(63, a2, 1, sltu a2, a1, a0; xori a2, a2, 1)

        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected:
        .dword 0x80001232      /* mepc after writing 0x80001233 */
        .dword 3, 1, 0         /* instruction counts, cases 60-62 */
spec_observed:
        .dword 0, 0, 0, 0
