// march: rv64imac_zicsr
/*
 * Timer interrupts (privileged spec 3.1.9, 3.2.1; Sstc extension).
 * Machine timer from the CLINT (mtime at 0x200_bff8, hart 0's mtimecmp at 0x200_4000):
 *   MTIP (mip bit 7) is pending exactly while mtime >= mtimecmp (3.2.1): mtimecmp in the past raises
 *   it at once, mtimecmp = -1 clears it, mtimecmp in the future raises it later; the trap has
 *   mcause = interrupt 7 and is taken right after the instruction that enables it;
 *   direct mtvec sends it to BASE, vectored mtvec to BASE + 4 * 7, and exceptions still to BASE (3.1.7).
 * Supervisor timer with Sstc: menvcfg.STCE = 1 and mcounteren.TM = 1 let S-mode use stimecmp;
 *   STIP follows time >= stimecmp, shows in sip, is read-only in mip (also for a value M-mode wrote
 *   before STCE was set), and is taken in S (mideleg.STI) with scause = interrupt 5, at stvec BASE +
 *   4 * 5 in vectored mode. S-mode access to stimecmp is illegal when STCE = 0 or mcounteren.TM = 0.
 * Supervisor timer without Sstc, as OpenSBI forwards it: the M-mode MTI handler pushes mtimecmp away
 *   and sets mip.STIP, then S takes STI.
 * The handlers below count interrupts in s6, keep a history of causes (one per byte) in s5, record
 *   mcause/scause in s9, xepc in s10 and the time they ran in s1, and silence the source. Vector
 *   entries set s4 to their number.
 * QEMU delivers a future deadline through a host timer, so a check that it is "not pending yet" would
 * race with the host; instead the handler's time stamp shows that it was not taken before the
 * deadline, and each wait is a loop.
 */
#include "test.h"

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

#define STIP (1 << 5)
#define MTIP (1 << 7)
#define STIE STIP
#define MTIE MTIP
#define INTERRUPT (1 << 63)
#define MENVCFG_STCE (1 << 63)
#define COUNTEREN_TM (1 << 1)

/* Spin until s6 >= n (that many interrupts taken), for at most 2^25 iterations: QEMU delivers a
 * CLINT deadline through a host timer, which took up to about 1M iterations here. */
#define WAIT_IRQS(n)                                \
        li a0, 1 << 25;                             \
        li t1, n;                                   \
8870:   bge s6, t1, 8871f;                          \
        addi a0, a0, -1;                            \
        bnez a0, 8870b;                             \
8871:

/* a0 = mtime + `ticks` (10 MHz: 2000 ticks = 200 us on QEMU, 20000 instructions on RvEmu). */
#define MTIME_PLUS(ticks)                           \
        li t0, CLINT_MTIME;                         \
        ld a0, 0(t0);                               \
        li t0, ticks;                               \
        add a0, a0, t0

#define SET_MTIMECMP(reg)                           \
        li t0, CLINT_MTIMECMP;                      \
        sd reg, 0(t0)

        TEST_BEGIN
        PMP_ALLOW_ALL
        la t0, m_handler
        csrw mtvec, t0
        li s6, 0
        li s5, 0
        li s4, 0
        li s3, 0

        /* ---- MTIP follows mtime >= mtimecmp, whatever the enables ---- */
        TEST_CASE(1, a0, MTIP, SET_MTIMECMP(zero); csrr a0, mip; andi a0, a0, MTIP)
        li a1, -1
        TEST_CASE(2, a0, 0, SET_MTIMECMP(a1); csrr a0, mip; andi a0, a0, MTIP)
        /* mtime counts up */
        li t0, CLINT_MTIME
        ld a1, 0(t0)
        li a0, 2000
1:      addi a0, a0, -1
        bnez a0, 1b
        ld a2, 0(t0)
        TEST_CASE(3, a0, 1, sltu a0, a1, a2)
        /* the time CSR reads mtime (Zicntr): between two reads of the register */
        ld a1, 0(t0)
        csrr a2, time
        ld a3, 0(t0)
        TEST_CASE(4, a0, 0, sltu a0, a2, a1; sltu a4, a3, a2; or a0, a0, a4)

        /* ---- mtimecmp in the past: taken right after the instruction that enables it ---- */
        MTIME_PLUS(0)
        SET_MTIMECMP(a0)
        li t0, MTIE
        csrw mie, t0
        nop
        CHECK(10, s6, 0)                              /* mstatus.MIE = 0 */
        TEST_CASE(11, a0, MTIP, csrr a0, mip; andi a0, a0, MTIP)
        csrsi mstatus, MSTATUS_MIE
1:      CHECK(12, s6, 1)
        CHECK(13, s9, INTERRUPT | 7)
        CHECK_ADDR(14, s10, 1b)
        /* the handler moved mtimecmp to -1, which cleared MTIP */
        TEST_CASE(15, a0, 0, csrr a0, mip; andi a0, a0, MTIP)
        /* trap entry cleared MIE and mret restored it */
        TEST_CASE(16, a0, MSTATUS_MIE, csrr a0, mstatus; andi a0, a0, MSTATUS_MIE)

        /* ---- mtimecmp in the future: taken later, not before mtime reaches it ---- */
        li s6, 0
        MTIME_PLUS(2000)
        mv s2, a0
        SET_MTIMECMP(a0)
        WAIT_IRQS(1)
        CHECK(20, s6, 1)
        CHECK(21, s9, INTERRUPT | 7)
        TEST_CASE(22, a0, 0, sltu a0, s1, s2)         /* mtime in the handler >= mtimecmp */
        TEST_CASE(24, a0, 0, csrr a0, mip; andi a0, a0, MTIP)
        /* mie.MTIE = 0 masks it even with MIE = 1 */
        csrw mie, zero
        li s6, 0
        SET_MTIMECMP(zero)
        nop
        CHECK(25, s6, 0)
        TEST_CASE(26, a0, MTIP, csrr a0, mip; andi a0, a0, MTIP)
        csrci mstatus, MSTATUS_MIE
        li a1, -1
        SET_MTIMECMP(a1)

        /* ---- vectored mtvec: MTI at BASE + 4 * 7, exceptions at BASE ---- */
        la t0, m_vector_table
        ori t0, t0, 1
        csrw mtvec, t0
        TEST_CASE(30, a0, 1, csrr a0, mtvec; andi a0, a0, 3)
        li t0, MTIE
        csrw mie, t0
        li s6, 0
        li s4, 0
        SET_MTIMECMP(zero)
        csrsi mstatus, MSTATUS_MIE
1:      CHECK(31, s6, 1)
        CHECK(32, s4, 7)
        CHECK(33, s9, INTERRUPT | 7)
        CHECK_ADDR(34, s10, 1b)
        li s4, 0
        TRAP_CASE(35, CAUSE_MACHINE_ECALL, ecall)
        CHECK(36, s4, 0)                              /* entry 0 = BASE: no vector stub ran */
        TRAP_CASE(37, CAUSE_ILLEGAL_INSTRUCTION, .insn 0x0000)
        CHECK(38, s4, 0)
        /* a future deadline in vectored mode */
        li s6, 0
        MTIME_PLUS(2000)
        mv s2, a0
        SET_MTIMECMP(a0)
        WAIT_IRQS(1)
        CHECK(39, s4, 7)
        TEST_CASE(29, a0, 0, sltu a0, s1, s2)
        csrci mstatus, MSTATUS_MIE
        csrw mie, zero
        la t0, m_handler
        csrw mtvec, t0

        /* ---- Sstc: STIP is read-only in mip while menvcfg.STCE = 1 ---- */
        li t0, STIP
        csrs mip, t0                                  /* STCE = 0: writable from M */
        TEST_CASE(40, a0, STIP, csrr a0, mip; andi a0, a0, STIP)
        li t0, MENVCFG_STCE
        csrs menvcfg, t0
        TEST_CASE(41, a0, 1, csrr a0, menvcfg; srli a0, a0, 63)
        li t0, -1
        csrw stimecmp, t0                             /* M-mode may always access stimecmp */
        TEST_CASE(42, a0, -1, csrr a0, stimecmp)
        /* with STCE = 1, STIP is time >= stimecmp and nothing else: the bit M wrote is gone */
        TEST_CASE(43, a0, 0, csrr a0, mip; andi a0, a0, STIP)
        li t0, STIP
        TEST_CASE(44, a0, 0, csrs mip, t0; csrr a0, mip; andi a0, a0, STIP)
        csrw stimecmp, zero
        TEST_CASE(45, a0, STIP, csrr a0, mip; andi a0, a0, STIP)
        li t0, STIP
        TEST_CASE(46, a0, STIP, csrc mip, t0; csrr a0, mip; andi a0, a0, STIP)   /* nor clearable */
        li t0, -1
        csrw stimecmp, t0

        /* ---- Sstc in S-mode: delegated, vectored stvec ---- */
        li t0, COUNTEREN_TM
        csrw mcounteren, t0
        li t0, STIP
        csrw mideleg, t0
        li t0, STIE
        csrw mie, t0
        la t0, s_vector_table
        ori t0, t0, 1
        csrw stvec, t0
        li s6, 0
        li s5, 0
        ENTER_MODE(1, s_sstc)
s_sstc:
        TEST_CASE(50, a0, -1, csrr a0, stimecmp)
        TEST_CASE(51, a0, 0, csrr a0, sip)
        csrw stimecmp, zero                           /* in the past: STIP now */
        TEST_CASE(52, a0, STIP, csrr a0, sip)
        CHECK(53, s6, 0)                              /* sstatus.SIE = 0 */
        li s4, 0
        csrsi sstatus, MSTATUS_SIE
1:      CHECK(54, s6, 1)
        CHECK(55, s9, INTERRUPT | 5)
        CHECK(56, s4, 5)                              /* stvec BASE + 4 * 5 */
        CHECK_ADDR(57, s10, 1b)
        TEST_CASE(58, a0, 0, csrr a0, sip)            /* the handler moved stimecmp to -1 */
        /* in the future: taken later, not before time reaches it */
        li s6, 0
        csrr s2, time
        addi s2, s2, 2000
        csrw stimecmp, s2
        WAIT_IRQS(1)
        TEST_CASE(60, a0, 0, sltu a0, s1, s2)         /* time in the handler >= stimecmp */
        CHECK(61, s6, 1)
        CHECK(62, s9, INTERRUPT | 5)
        CHECK(63, s5, (5 << 8) | 5)                   /* only STI, twice, never in M */
        csrci sstatus, MSTATUS_SIE
        RETURN_TO_M(64)
        /* M-mode saw the same STIP through mip, and never took it (delegated) */
        TEST_CASE(65, a0, -1, csrr a0, stimecmp)

        /* ---- S-mode access to stimecmp needs both mcounteren.TM and menvcfg.STCE ---- */
        csrw mcounteren, zero
        ENTER_MODE(1, 1f)
1:      TRAP_CASE(70, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, stimecmp)
        TRAP_CASE(71, CAUSE_ILLEGAL_INSTRUCTION, csrw stimecmp, zero)
        TRAP_CASE(72, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, time)
        RETURN_TO_M(73)
        li t0, COUNTEREN_TM
        csrw mcounteren, t0
        li t0, MENVCFG_STCE
        csrc menvcfg, t0
        ENTER_MODE(1, 1f)
1:      TRAP_CASE(74, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, stimecmp)
        TRAP_CASE(75, CAUSE_ILLEGAL_INSTRUCTION, csrw stimecmp, zero)
        TEST_CASE(76, a0, 1, csrr a0, time; snez a0, a0)   /* time itself is allowed (TM = 1) */
        RETURN_TO_M(77)
        /* STCE = 0: STIP is software-writable again, and stimecmp no longer drives it */
        li t0, STIP
        TEST_CASE(78, a0, STIP, csrs mip, t0; csrr a0, mip; andi a0, a0, STIP)
        li t0, STIP
        TEST_CASE(79, a0, 0, csrc mip, t0; csrr a0, mip; andi a0, a0, STIP)
        /* stimecmp in the past must not raise STIP now (Sstc: with STCE = 0 STIP behaves as without
         * Sstc). QEMU 7.2 raises it anyway: recorded for the runner (test.h). */
        csrw stimecmp, zero
        csrr a0, mip
        andi a0, a0, STIP
        RECORD_OBSERVED(0, a0)
        li t0, -1
        csrw stimecmp, t0
        li t0, STIP
        csrc mip, t0

        /* ---- without Sstc: M forwards its timer interrupt to S (OpenSBI's way) ---- */
        la t0, s_handler
        csrw stvec, t0
        li t0, MTIE | STIE
        csrw mie, t0
        li s3, 1                                      /* M handler: set mip.STIP on MTI */
        /* MIE = 0 while M still runs (the last mret set it): an MTI taken inside ENTER_MODE would
         * overwrite mepc and MPP */
        csrci mstatus, MSTATUS_MIE
        li s6, 0
        li s5, 0
        MTIME_PLUS(2000)
        mv s2, a0
        SET_MTIMECMP(a0)
        ENTER_MODE(1, s_forward)
s_forward:
        csrsi sstatus, MSTATUS_SIE
        /* the MTI is taken in M, and its mret lets the STI it set be taken in S at once */
        WAIT_IRQS(2)
        CHECK(81, s6, 2)
        CHECK(82, s9, INTERRUPT | 5)
        CHECK(83, s5, (7 << 8) | 5)
        TEST_CASE(87, a0, 0, sltu a0, s1, s2)
        TEST_CASE(84, a0, STIP, csrr a0, sip)         /* still pending: only M can clear it */
        csrci sstatus, MSTATUS_SIE
        RETURN_TO_M(85)
        li t0, STIP
        csrc mip, t0
        TEST_CASE(86, a0, 0, csrr a0, mip; andi a0, a0, STIP | MTIP)
        li s3, 0
        csrw mie, zero
        csrw mideleg, zero

        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected: .dword 0                        /* mip.STIP after stimecmp = 0 with STCE = 0 */
spec_observed: .dword 0

        .section .text
        /* M-mode handler: exceptions go to test.h's recorder, interrupts are counted and silenced */
        .balign 4
m_handler:
        M_IRQ_ENTRY
        IRQ_RECORD_ORDER
        csrw mscratch, t5
        li t5, 7
        bne t6, t5, test_unexpected_trap
        li t5, CLINT_MTIME
        ld s1, 0(t5)
        li t5, CLINT_MTIMECMP                         /* MTI: push mtimecmp away */
        li t6, -1
        sd t6, 0(t5)
        beqz s3, 1f
        li t6, STIP                                   /* forward to S */
        csrs mip, t6
1:      csrr t5, mscratch
        mret

        /* S-mode handler: STI with Sstc pushes stimecmp away; forwarded STI can only be masked */
        .balign 4
s_handler:
        S_IRQ_ENTRY
        IRQ_RECORD_ORDER
        addi t6, t6, -5
        bnez t6, test_unexpected_trap
        csrr s1, time
        bnez s3, 1f
        li t6, -1
        csrw stimecmp, t6
        sret
1:      li t6, STIE
        csrc sie, t6
        sret

        /* vectored tables: entry i at BASE + 4 * i (32-bit jumps) */
        .balign 256
m_vector_table:
        .option push
        .option norvc
        j test_trap_handler                           /* 0: exceptions */
        j test_unexpected_trap                        /* 1 */
        j test_unexpected_trap                        /* 2 */
        j test_unexpected_trap                        /* 3 */
        j test_unexpected_trap                        /* 4 */
        j test_unexpected_trap                        /* 5 */
        j test_unexpected_trap                        /* 6 */
        j m_vector7                                   /* 7: machine timer */
        j test_unexpected_trap                        /* 8 */
        j test_unexpected_trap                        /* 9 */
        j test_unexpected_trap                        /* 10 */
        j test_unexpected_trap                        /* 11 */
        .option pop
m_vector7:
        li s4, 7
        j m_handler

        .balign 256
s_vector_table:
        .option push
        .option norvc
        j test_unexpected_trap                        /* 0: no exception is delegated */
        j test_unexpected_trap                        /* 1 */
        j test_unexpected_trap                        /* 2 */
        j test_unexpected_trap                        /* 3 */
        j test_unexpected_trap                        /* 4 */
        j s_vector5                                   /* 5: supervisor timer */
        j test_unexpected_trap                        /* 6 */
        j test_unexpected_trap                        /* 7 */
        j test_unexpected_trap                        /* 8 */
        j test_unexpected_trap                        /* 9 */
        .option pop
s_vector5:
        li s4, 5
        j s_handler
