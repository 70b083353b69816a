// march: rv64imac_zicsr
/*
 * Trap delegation to S-mode and SRET (privileged spec 3.1.8, 4.1.1, 3.3.2).
 * Exceptions whose medeleg bit is set and that happen in S or U go to stvec with scause, sepc,
 * stval and sstatus.SPP/SPIE/SIE updated; from M they always go to M (3.1.8). ecall from M is
 * not delegable (medeleg bit 11 is read-only zero). SRET sets SIE = SPIE, SPIE = 1, SPP = U and
 * returns to sepc in mode SPP.
 * The S-mode handler below mirrors the M one in test.h (s7, s9-s11 = sstatus, scause, sepc, stval;
 * resume at s8, in S when s8 bit 0 is set).
 */
#include "test.h"

#define DELEGATED ((1 << CAUSE_ILLEGAL_INSTRUCTION) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_USER_ECALL))
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)

        TEST_BEGIN
        PMP_ALLOW_ALL

        /* medeleg: every exception that can happen below M is delegable, and bit 11 (ecall from M)
         * is read-only zero (3.1.8). QEMU 7.2 lets bit 11 be set: recorded for the runner (test.h). */
        li t0, -1
        csrw medeleg, t0
        csrr a0, medeleg
        li t0, 0xb3ff
        and a1, a0, t0
        CHECK(1, a1, 0xb3ff)
        srli a1, a0, 11
        andi a1, a1, 1
        RECORD_OBSERVED(0, a1)
        li t0, DELEGATED
        csrw medeleg, t0
        la t0, s_trap_handler
        csrw stvec, t0

        /* traps in M are not delegated */
        TRAP_CASE(2, CAUSE_ILLEGAL_INSTRUCTION, .insn 0x0000)
        TRAP_CASE(3, CAUSE_BREAKPOINT, ebreak)
        csrr a0, scause
        CHECK(4, a0, 0)                               /* S trap CSRs untouched */

        ENTER_MODE(1, s_mode)
s_mode:
        /* an ecall from S is not delegated here: it goes to M */
        TRAP_CASE(10, CAUSE_SUPERVISOR_ECALL, ecall)
        /* a delegated trap taken in S: SPP = S, SPIE = old SIE, SIE = 0 */
        csrsi sstatus, MSTATUS_SIE
        TRAP_CASE(11, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mscratch)
        lwu t0, 0(s10)
        bne s11, t0, test_fail                        /* stval = the instruction */
        TEST_CASE(12, a0, MSTATUS_SPP | MSTATUS_SPIE, li t0, SSTATUS_MASK; and a0, s7, t0)
        /* after sret: SIE = 1 (from SPIE), SPIE = 1, SPP = U */
        TEST_CASE(13, a0, MSTATUS_SIE | MSTATUS_SPIE, csrr a1, sstatus; li t0, SSTATUS_MASK; and a0, a1, t0)
        csrci sstatus, MSTATUS_SIE
        TRAP_CASE(14, CAUSE_BREAKPOINT, ebreak)
        TEST_CASE(15, a0, MSTATUS_SPP, li t0, SSTATUS_MASK; and a0, s7, t0)
        TEST_CASE(16, a0, MSTATUS_SPIE, csrr a1, sstatus; li t0, SSTATUS_MASK; and a0, a1, t0)
        /* mcause did not change: the last M trap was the ecall of case 10 */
        TEST_CASE(17, a0, 0, la s8, 1f + 1; ecall; 1: li a0, 0)
        csrr a0, mcause
        CHECK(18, a0, CAUSE_SUPERVISOR_ECALL)
        /* we are in M now (s8 bit 0); go back to S */
        ENTER_MODE(1, 1f)
1:

        /* ---- U-mode traps delegated to S ---- */
        la t0, u_mode
        csrw sepc, t0
        li t0, MSTATUS_SPP
        csrc sstatus, t0
        sret
u_mode:
        TRAP_CASE(20, CAUSE_USER_ECALL, ecall)
        CHECK(21, s11, 0)
        TEST_CASE(22, a0, 0, li t0, SSTATUS_MASK & ~MSTATUS_SPIE; and a0, s7, t0)   /* SPP = U */
        TRAP_CASE(23, CAUSE_ILLEGAL_INSTRUCTION, sret)
        CHECK(24, s11, 0x10200073)
        TRAP_CASE(25, CAUSE_LOAD_ACCESS, lw a0, 0(zero))
        CHECK(26, s11, 0)
        TRAP_CASE(27, CAUSE_BREAKPOINT, c.ebreak)
        CHECK(28, t5, 1)                              /* the S handler took all of these */
        /* not delegated: a store access fault from U goes to M */
        li t5, 0
        TRAP_CASE(29, CAUSE_STORE_ACCESS, sw a0, 0(zero))
        CHECK(30, t5, 0)
        /* back to S with a delegated ecall that resumes in S (s8 bit 0) */
        li TESTNUM, 31
        la s8, 1f + 1
        ecall
        j test_fail
1:      CHECK(31, s9, CAUSE_USER_ECALL)
        csrr a0, sstatus                              /* readable: we are in S */
        RETURN_TO_M(32)
        csrw medeleg, zero
        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected: .dword 0                        /* medeleg bit 11 after writing all ones */
spec_observed: .dword 0

        /* S-mode trap recorder, the counterpart of test_trap_handler in test.h. */
        .section .text
        .balign 4
s_trap_handler:
        beqz s8, test_unexpected_trap
        li t5, 1
        csrr s7, sstatus
        csrr s9, scause
        csrr s10, sepc
        csrr s11, stval
        andi t6, s8, 1
        beqz t6, 1f
        li t6, MSTATUS_SPP
        csrs sstatus, t6
        addi s8, s8, -1
1:      csrw sepc, s8
        li s8, 0
        sret
