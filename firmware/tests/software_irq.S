// march: rv64imac_zicsr
/*
 * Software interrupts (privileged spec 3.1.9; CLINT/ACLINT MSWI).
 * Machine software interrupt: hart 0's msip register at 0x200_0000 drives mip.MSIP (bit 3); only
 *   bit 0 of msip exists; mip.MSIP is read-only; the trap has mcause = interrupt 3; clearing msip
 *   clears MSIP. msip of a hart that does not exist reads 0 and ignores writes. Below M the
 *   interrupt is taken whatever mstatus.MIE says (3.1.6.1).
 * Supervisor software interrupt: M-mode sets mip.SSIP; with mideleg.SSI it is taken in S with
 *   scause = interrupt 1; S-mode can also raise it itself through sip.SSIP.
 * Priority (3.1.9: MEI, MSI, MTI, SEI, SSI, STI): with MSI, MTI and SSI pending at once in M they
 *   are taken as MSI, then MTI, then SSI, each handler clearing its source. QEMU 7.2 orders them
 *   otherwise, so the order is recorded for RvEmu's runner (test.h). With SSI delegated and S-mode
 *   running with SIE = 1, a pending MSI is still taken first, in M.
 * The handlers count interrupts in s6, keep the causes (one per byte) in s5, record mcause/scause
 * in s9 and xepc in s10 (and mstatus in s7), and clear the source.
 */
#include "test.h"

#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000

#define SSIP (1 << 1)
#define MSIP (1 << 3)
#define MTIP (1 << 7)
#define SSIE SSIP
#define MSIE MSIP
#define MTIE MTIP
#define INTERRUPT (1 << 63)

#define SET_MSIP(reg)                               \
        li t0, CLINT_MSIP;                          \
        sw reg, 0(t0)

        TEST_BEGIN
        PMP_ALLOW_ALL
        la t0, m_handler
        csrw mtvec, t0
        la t0, s_handler
        csrw stvec, t0
        li s6, 0
        li s5, 0
        li a1, -1
        li t0, CLINT_MTIMECMP
        sd a1, 0(t0)                                  /* no timer interrupt until asked */

        /* ---- msip drives mip.MSIP ---- */
        TEST_CASE(1, a0, 0, csrr a0, mip; andi a0, a0, MSIP)
        li a1, 1
        SET_MSIP(a1)
        TEST_CASE(2, a0, MSIP, csrr a0, mip; andi a0, a0, MSIP)
        TEST_CASE(3, a0, 1, li t0, CLINT_MSIP; lw a0, 0(t0))
        /* mip.MSIP is read-only: clearing it in mip changes nothing */
        li t0, MSIP
        TEST_CASE(4, a0, MSIP, csrc mip, t0; csrr a0, mip; andi a0, a0, MSIP)
        SET_MSIP(zero)
        TEST_CASE(5, a0, 0, csrr a0, mip; andi a0, a0, MSIP)
        TEST_CASE(6, a0, 0, li t0, CLINT_MSIP; lw a0, 0(t0))
        /* only bit 0 of msip is implemented */
        li a1, -2
        SET_MSIP(a1)
        TEST_CASE(7, a0, 0, csrr a0, mip; andi a0, a0, MSIP)
        TEST_CASE(8, a0, 0, li t0, CLINT_MSIP; lw a0, 0(t0))
        li a1, -1
        SET_MSIP(a1)
        TEST_CASE(9, a0, 1, li t0, CLINT_MSIP; lw a0, 0(t0))
        SET_MSIP(zero)
        /* hart 1 does not exist: its msip reads 0 and a write raises nothing here */
        li a1, 1
        li t0, CLINT_MSIP
        sw a1, 4(t0)
        TEST_CASE(10, a0, 0, li t0, CLINT_MSIP; lw a0, 4(t0))
        TEST_CASE(11, a0, 0, csrr a0, mip; andi a0, a0, MSIP)

        /* ---- the machine software interrupt: enables, mcause 3, mepc ---- */
        li a1, 1
        SET_MSIP(a1)
        li t0, MSIE
        csrw mie, t0
        nop
        CHECK(20, s6, 0)                              /* mstatus.MIE = 0 */
        csrw mie, zero
        csrsi mstatus, MSTATUS_MIE
        nop
        CHECK(21, s6, 0)                              /* mie.MSIE = 0 */
        li t0, MSIE
        csrw mie, t0
1:      CHECK(22, s6, 1)
        CHECK(23, s9, INTERRUPT | 3)
        CHECK_ADDR(24, s10, 1b)
        /* the handler cleared msip */
        TEST_CASE(25, a0, 0, csrr a0, mip; andi a0, a0, MSIP)
        TEST_CASE(26, a0, 0, li t0, CLINT_MSIP; lw a0, 0(t0))
        /* raised while enabled: taken after the store (QEMU may run a few more instructions, as a
         * device write does not end its translation block: wait in a loop) */
        li s6, 0
        li a1, 1
        SET_MSIP(a1)
        li a2, 1000
2:      bnez s6, 3f
        addi a2, a2, -1
        bnez a2, 2b
3:      CHECK(27, s6, 1)
        CHECK(28, s9, INTERRUPT | 3)
        csrci mstatus, MSTATUS_MIE

        /* ---- below M, MSI is taken although mstatus.MIE = 0 ---- */
        li s6, 0
        li a1, 1
        SET_MSIP(a1)
        ENTER_MODE(1, s_msi)
s_msi:
        nop
        CHECK(30, s6, 1)
        CHECK(31, s9, INTERRUPT | 3)
        CHECK_ADDR(32, s10, s_msi)                    /* taken before the first S instruction */
        TEST_CASE(33, a0, MSTATUS_MPP_S, li t0, MSTATUS_MPP; and a0, s7, t0)
        RETURN_TO_M(34)
        csrw mie, zero

        /* ---- SSI delegated to S: raised by M, and by S itself through sip ---- */
        li t0, SSIP
        csrw mideleg, t0
        csrw mie, t0
        li s6, 0
        csrsi mip, SSIP
        ENTER_MODE(1, s_ssi)
s_ssi:
        nop
        CHECK(40, s6, 0)                              /* sstatus.SIE = 0 */
        TEST_CASE(41, a0, SSIP, csrr a0, sip)
        csrsi sstatus, MSTATUS_SIE
1:      CHECK(42, s6, 1)
        CHECK(43, s9, INTERRUPT | 1)
        CHECK_ADDR(44, s10, 1b)
        TEST_CASE(45, a0, 0, csrr a0, sip)            /* the S handler cleared it */
        li s6, 0
        csrsi sip, SSIP
1:      CHECK(46, s6, 1)
        CHECK(47, s9, INTERRUPT | 1)
        CHECK_ADDR(48, s10, 1b)
        csrci sstatus, MSTATUS_SIE
        RETURN_TO_M(49)

        /* ---- in S with SIE = 1: a pending MSI goes first, to M, then the delegated SSI ---- */
        csrci mstatus, MSTATUS_MIE                    /* the mret of RETURN_TO_M set it (MPIE was 1) */
        li t0, SSIE | MSIE
        csrw mie, t0
        li s6, 0
        li s5, 0
        csrsi mip, SSIP
        li a1, 1
        SET_MSIP(a1)
        csrsi mstatus, MSTATUS_SIE                    /* both are enabled from the first S instruction */
        ENTER_MODE(1, 1f)
1:      nop
        CHECK(50, s6, 2)
        CHECK(51, s5, (3 << 8) | 1)
        csrci sstatus, MSTATUS_SIE
        RETURN_TO_M(52)
        csrw mideleg, zero

        /* ---- MSI, MTI and SSI pending together in M: MSI, then MTI, then SSI ---- */
        csrci mstatus, MSTATUS_MIE                    /* the mret of RETURN_TO_M set it (MPIE was 1) */
        li s6, 0
        li s5, 0
        li a1, 1
        SET_MSIP(a1)
        li t0, CLINT_MTIMECMP
        sd zero, 0(t0)
        csrsi mip, SSIP
        li t0, MSIE | MTIE | SSIE
        csrw mie, t0
        TEST_CASE(60, a0, MSIP | MTIP | SSIP, csrr a0, mip; li t0, MSIP | MTIP | SSIP; and a0, a0, t0)
        CHECK(61, s6, 0)
        csrsi mstatus, MSTATUS_MIE
        nop
        CHECK(62, s6, 3)
        csrci mstatus, MSTATUS_MIE
        /* accept any order of the three here; RvEmu's runner requires the spec's (test.h) */
        RECORD_OBSERVED(0, s5)
        IRQ_CAUSE_SET(a0, 3)
        CHECK(63, a0, MSIP | MTIP | SSIP)
        TEST_CASE(64, a0, 0, csrr a0, mip; li t0, MSIP | MTIP | SSIP; and a0, a0, t0)
        csrw mie, zero

        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected: .dword (3 << 16) | (7 << 8) | 1   /* MSI, then MTI, then SSI */
spec_observed: .dword 0

        .section .text
        /* M-mode handler: exceptions go to test.h's recorder; MSI, MTI and SSI are counted and cleared */
        .balign 4
m_handler:
        M_IRQ_ENTRY
        IRQ_RECORD_ORDER
        csrw mscratch, t5
        csrr s7, mstatus
        li t5, 3
        bne t6, t5, 1f
        li t5, CLINT_MSIP                             /* MSI: clear msip */
        sw zero, 0(t5)
        j 9f
1:      li t5, 7
        bne t6, t5, 1f
        li t5, CLINT_MTIMECMP                         /* MTI: push mtimecmp away */
        li t6, -1
        sd t6, 0(t5)
        j 9f
1:      li t5, 1
        bne t6, t5, test_unexpected_trap
        csrci mip, SSIP                               /* SSI */
9:      csrr t5, mscratch
        mret

        /* S-mode handler: SSI only */
        .balign 4
s_handler:
        S_IRQ_ENTRY
        IRQ_RECORD_ORDER
        addi t6, t6, -1
        bnez t6, test_unexpected_trap
        csrci sip, SSIP
        sret
