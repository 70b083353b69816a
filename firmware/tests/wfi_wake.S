// march: rv64imac_zicsr
/*
 * WFI (privileged spec 3.3.3, 3.1.6.5).
 * WFI waits until an interrupt is pending and enabled in mie, whatever the global enables
 * (mstatus.MIE/SIE) and mideleg say; the wait may also end early, so each wait below is a loop.
 *   M-mode, mstatus.MIE = 0, mie.MTIE = 1: the CLINT timer ends the wait and no trap is taken;
 *   M-mode, MIE = 1: the timer interrupt is taken with mepc = the instruction after the WFI;
 *   M-mode, an interrupt delegated to S (Sstc STI) ends the wait, and is never taken in M;
 *   S-mode with mstatus.TW = 0: WFI waits, the machine timer is taken in M (M-level interrupts are
 *     always enabled below M) with mepc after the WFI; S-mode with SIE = 0 wakes on a delegated STI;
 *   S-mode with TW = 1: illegal instruction, mtval = the WFI bits (no interrupt is enabled, so the
 *     "bounded time" of 3.1.6.5 cannot end with the WFI completing); U-mode: illegal with TW = 0
 *     and 1 (S-mode is implemented); M-mode ignores TW.
 * Deadlines are checked by the time at wake-up, not by "not pending yet" reads, which on QEMU
 * would race with its host timers.
 * The M-mode handler counts interrupts in s6, records mstatus/mcause/mepc in s7/s9/s10 and pushes
 * mtimecmp away; exceptions go to test.h's recorder.
 */
#include "test.h"

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

#define STIP (1 << 5)
#define MTIP (1 << 7)
#define STIE STIP
#define MTIE MTIP
#define INTERRUPT (1 << 63)
#define MSTATUS_TW (1 << 21)
#define MENVCFG_STCE (1 << 63)
#define COUNTEREN_TM (1 << 1)
#define WFI_BITS 0x10500073
/* A deadline the hart must reach a WFI before, so that the interrupt is taken there: 100 ms on QEMU,
 * far more than a host hiccup; RvEmu skips the wait (deterministic time jumps at WFI). */
#define FAR 1000000

/* a0 = mtime + `ticks`. */
#define MTIME_PLUS(ticks)                           \
        li t0, CLINT_MTIME;                         \
        ld a0, 0(t0);                               \
        li t0, ticks;                               \
        add a0, a0, t0

#define SET_MTIMECMP(reg)                           \
        li t0, CLINT_MTIMECMP;                      \
        sd reg, 0(t0)

/* WFI until (csr & bit) != 0, at most 1000 times; a0 = csr & bit afterwards. */
#define WFI_UNTIL(csr, bit)                         \
        li a2, 1000;                                \
8870:   wfi;                                        \
        csrr a0, csr;                               \
        li t0, bit;                                 \
        and a0, a0, t0;                             \
        bnez a0, 8871f;                             \
        addi a2, a2, -1;                            \
        bnez a2, 8870b;                             \
8871:

        TEST_BEGIN
        PMP_ALLOW_ALL
        la t0, m_handler
        csrw mtvec, t0
        la t0, s_handler
        csrw stvec, t0
        li s6, 0
        li a1, -1
        SET_MTIMECMP(a1)

        /* ---- M-mode, MIE = 0, MTIE = 1: the timer ends the wait, no trap ---- */
        li t0, MTIE
        csrw mie, t0
        MTIME_PLUS(2000)
        mv s2, a0
        SET_MTIMECMP(a0)
        WFI_UNTIL(mip, MTIP)
        CHECK(2, a0, MTIP)
        CHECK(3, s6, 0)
        /* it woke because time reached mtimecmp */
        li t0, CLINT_MTIME
        ld a1, 0(t0)
        TEST_CASE(4, a0, 0, sltu a0, a1, s2)
        /* with the interrupt still pending and enabled, WFI does not wait (and still traps nothing) */
        TEST_CASE(5, a0, MTIP, wfi; csrr a0, mip; andi a0, a0, MTIP)
        CHECK(6, s6, 0)

        /* ---- M-mode, MIE = 1: taken after the WFI, mepc = the next instruction ---- */
        li a1, -1
        SET_MTIMECMP(a1)
        MTIME_PLUS(FAR)
        SET_MTIMECMP(a0)
        csrsi mstatus, MSTATUS_MIE
        li TESTNUM, 10
1:      wfi
2:      beqz s6, 1b
        CHECK(10, s6, 1)
        CHECK(11, s9, INTERRUPT | 7)
        CHECK_ADDR(12, s10, 2b)
        csrci mstatus, MSTATUS_MIE

        /* ---- M-mode ignores mstatus.TW ---- */
        li t0, MSTATUS_TW
        csrs mstatus, t0
        li s6, 0
        SET_MTIMECMP(zero)                            /* pending now: WFI returns at once */
        TEST_CASE(13, a0, MTIP, wfi; csrr a0, mip; andi a0, a0, MTIP)
        CHECK(14, s6, 0)
        li t0, MSTATUS_TW
        csrc mstatus, t0
        li a1, -1
        SET_MTIMECMP(a1)

        /* ---- M-mode: a delegated interrupt ends the wait but is not taken in M (Sstc timer) ---- */
        li t0, MENVCFG_STCE
        csrs menvcfg, t0
        li t0, COUNTEREN_TM
        csrw mcounteren, t0
        li t0, STIP
        csrw mideleg, t0
        li t0, STIE
        csrw mie, t0
        csrsi mstatus, MSTATUS_MIE
        li s6, 0
        csrr s2, time
        addi s2, s2, 2000
        csrw stimecmp, s2
        WFI_UNTIL(mip, STIP)
        CHECK(21, a0, STIP)
        CHECK(22, s6, 0)
        TEST_CASE(23, a0, 0, csrr a1, time; sltu a0, a1, s2)
        csrci mstatus, MSTATUS_MIE

        /* ---- S-mode, SIE = 0: a delegated STI ends the wait, not taken ---- */
        li t0, -1
        csrw stimecmp, t0
        ENTER_MODE(1, 1f)
1:      csrr s2, time
        addi s2, s2, 2000
        csrw stimecmp, s2
        WFI_UNTIL(sip, STIP)
        CHECK(31, a0, STIP)
        CHECK(32, s6, 0)
        TEST_CASE(34, a0, 0, csrr a1, time; sltu a0, a1, s2)
        li t0, -1
        csrw stimecmp, t0
        RETURN_TO_M(33)
        li t0, MENVCFG_STCE
        csrc menvcfg, t0
        csrw mideleg, zero

        /* ---- S-mode, TW = 0: WFI waits; the machine timer is taken in M, mepc after the WFI ---- */
        csrci mstatus, MSTATUS_MIE                    /* not in M: the mret of RETURN_TO_M set it */
        li t0, MTIE
        csrw mie, t0
        li s6, 0
        MTIME_PLUS(FAR)
        SET_MTIMECMP(a0)
        ENTER_MODE(1, 1f)
1:      li TESTNUM, 40
3:      wfi
4:      beqz s6, 3b
        CHECK(40, s6, 1)
        CHECK(41, s9, INTERRUPT | 7)
        CHECK_ADDR(42, s10, 4b)
        TEST_CASE(43, a0, MSTATUS_MPP_S, li t0, MSTATUS_MPP; and a0, s7, t0)   /* taken from S */
        RETURN_TO_M(44)
        csrw mie, zero

        /* ---- S-mode, TW = 1: illegal instruction ---- */
        li t0, MSTATUS_TW
        csrs mstatus, t0
        ENTER_MODE(1, 1f)
1:      TRAP_CASE(50, CAUSE_ILLEGAL_INSTRUCTION, wfi)
        CHECK(51, s11, WFI_BITS)
        TEST_CASE(52, a0, MSTATUS_MPP_S, li t0, MSTATUS_MPP; and a0, s7, t0)
        RETURN_TO_M(53)

        /* ---- U-mode: illegal with TW = 1 and with TW = 0 ---- */
        ENTER_MODE(0, 1f)
1:      TRAP_CASE(60, CAUSE_ILLEGAL_INSTRUCTION, wfi)
        CHECK(61, s11, WFI_BITS)
        RETURN_TO_M(62)
        li t0, MSTATUS_TW
        csrc mstatus, t0
        ENTER_MODE(0, 1f)
1:      TRAP_CASE(63, CAUSE_ILLEGAL_INSTRUCTION, wfi)
        CHECK(64, s11, WFI_BITS)
        TEST_CASE(65, a0, 0, li t0, MSTATUS_MPP; and a0, s7, t0)             /* from U */
        RETURN_TO_M(66)

        TEST_END

        .section .text
        /* M-mode handler: exceptions go to test.h's recorder; a machine timer interrupt is counted
         * and silenced by pushing mtimecmp away; any other interrupt is unexpected. */
        .balign 4
m_handler:
        M_IRQ_ENTRY
        csrr s7, mstatus
        li t6, INTERRUPT | 7
        bne s9, t6, test_unexpected_trap
        csrw mscratch, t5
        li t5, CLINT_MTIMECMP
        li t6, -1
        sd t6, 0(t5)
        csrr t5, mscratch
        mret

        /* no trap is expected in S */
        .balign 4
s_handler:
        j test_unexpected_trap
