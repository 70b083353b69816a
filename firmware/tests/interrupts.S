// march: rv64imac_zicsr
/*
 * Interrupts that need no device: the supervisor-level pending bits SSIP, STIP and SEIP are
 * writable in mip from M-mode (privileged spec 3.1.9; STIP only while Sstc is off).
 * Checked: an interrupt is taken only when pending, enabled in mie and globally enabled for the
 * current mode, right after the instruction that enables it; mcause has bit 63 set; mepc is the
 * next instruction; simultaneous interrupts are taken in the order SEI, SSI, STI (3.1.9; QEMU 7.2
 * differs, so the order is recorded for RvEmu's runner, see test.h);
 * WFI returns at once when an interrupt is pending and enabled, even with MIE = 0 (3.3.3);
 * vectored mtvec sends interrupts to BASE + 4 * cause but exceptions to BASE (3.1.7);
 * delegated interrupts (mideleg) go to S and are never taken in M; a non-delegated one is taken
 * in S even with mstatus.MIE = 0 (3.1.6.1); mip.MSIP/MEIP are read-only. mie.MTIE stays 0 throughout,
 * since on QEMU the CLINT's MTIP is pending from reset.
 * The handlers below replace test.h's recorder: they count interrupts in s6, record mcause/scause
 * in s9 and mepc/sepc in s10, clear the software-pending bits and return to the interrupted code.
 */
#include "test.h"

#define SSIP (1 << 1)
#define MSIP (1 << 3)
#define STIP (1 << 5)
#define MTIP (1 << 7)
#define SEIP (1 << 9)
#define MEIP (1 << 11)
#define INTERRUPT (1 << 63)

        TEST_BEGIN
        PMP_ALLOW_ALL
        la t0, m_int_handler
        csrw mtvec, t0
        li s6, 0

        /* ---- pending and enabled in mie, but MIE = 0: nothing happens ---- */
        li t0, SSIP | STIP | SEIP
        csrw mie, t0
        csrsi mip, SSIP
        nop
        CHECK(1, s6, 0)
        TEST_CASE(2, a0, SSIP, csrr a0, mip; andi a0, a0, SSIP)
        /* WFI does not wait: an interrupt is pending and enabled */
        TEST_CASE(3, s6, 0, wfi)
        /* MIE = 1: taken right after the enabling instruction */
        csrsi mstatus, MSTATUS_MIE
1:      CHECK(4, s6, 1)
        CHECK(5, s9, INTERRUPT | 1)
        CHECK_ADDR(6, s10, 1b)
        TEST_CASE(7, a0, 0, csrr a0, mip; andi a0, a0, SSIP)
        csrci mstatus, MSTATUS_MIE

        /* ---- priority: SEI before SSI before STI ---- */
        li s6, 0
        li s5, 0
        li t0, SSIP | STIP | SEIP
        csrs mip, t0
        csrsi mstatus, MSTATUS_MIE
        CHECK(10, s6, 3)
        /* The handler recorded the order, one cause per byte. QEMU 7.2 takes them as SSI, STI, SEI:
         * accept any order of the three here and record it for RvEmu's runner (test.h). */
        RECORD_OBSERVED(0, s5)
        IRQ_CAUSE_SET(a0, 3)
        CHECK(11, a0, SSIP | STIP | SEIP)
        csrci mstatus, MSTATUS_MIE
        li s5, 0

        /* ---- read-only bits of mip: MSIP and MEIP follow the CLINT and PLIC lines, which are low.
         * (MTIP is left out: QEMU's CLINT raises it at reset, since mtimecmp resets to 0.) ---- */
        li t0, MSIP | MTIP | MEIP
        csrs mip, t0
        TEST_CASE(12, a0, 0, csrr a0, mip; li t0, MSIP | MEIP; and a0, a0, t0)

        /* ---- vectored mode: interrupt cause 5 goes to BASE + 20, exceptions to BASE ---- */
        la t0, vector_table
        ori t0, t0, 1
        csrw mtvec, t0
        li s6, 0
        li s9, 0
        li t0, STIP
        csrs mip, t0
        csrsi mstatus, MSTATUS_MIE
        CHECK(20, s6, 1)
        CHECK(21, s9, INTERRUPT | 5)
        CHECK(22, s4, 5)                              /* came through vector entry 5 */
        csrci mstatus, MSTATUS_MIE
        li s4, 0
        TRAP_CASE(23, CAUSE_MACHINE_ECALL, ecall)      /* exceptions use BASE */
        CHECK(24, s4, 0)
        la t0, m_int_handler
        csrw mtvec, t0

        /* ---- delegation to S ---- */
        la t0, s_int_handler
        csrw stvec, t0
        li t0, SSIP
        csrw mideleg, t0
        /* in M, a delegated interrupt is never taken, whatever MIE says */
        li s6, 0
        csrsi mstatus, MSTATUS_MIE
        csrsi mip, SSIP
        nop
        CHECK(30, s6, 0)
        csrci mstatus, MSTATUS_MIE
        /* sie shows only delegated bits */
        TEST_CASE(31, a0, SSIP, csrr a0, sie)
        TEST_CASE(32, a0, SSIP, csrr a0, sip)
        /* into S with SIE = 0: not taken yet */
        ENTER_MODE(1, s_mode)
s_mode:
        nop
        CHECK(33, s6, 0)
        /* SIE = 1: taken in S */
        csrsi sstatus, MSTATUS_SIE
1:      CHECK(34, s6, 1)
        CHECK(35, s9, INTERRUPT | 1)
        CHECK_ADDR(36, s10, 1b)
        csrci sstatus, MSTATUS_SIE
        /* a non-delegated interrupt (STI, to M) is taken in S although mstatus.MIE = 0: raise it from M */
        RETURN_TO_M(40)
        la t0, m_int_handler
        csrw mtvec, t0
        csrci mstatus, MSTATUS_MIE
        li t0, STIP
        csrs mip, t0
        li s6, 0
        ENTER_MODE(1, 1f)
1:      nop
        CHECK(41, s6, 1)
        CHECK(42, s9, INTERRUPT | 5)
        RETURN_TO_M(43)
        csrw mideleg, zero
        csrw mie, zero

        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected: .dword (9 << 16) | (1 << 8) | 5   /* SEI, then SSI, then STI */
spec_observed: .dword 0

        .section .text
        /* M-mode interrupt handler; exceptions still go to the recorder in test.h */
        .balign 4
m_int_handler:
        M_IRQ_ENTRY
        IRQ_RECORD_ORDER
        li t6, 1
        sll t6, t6, s9                                /* clear this cause's pending bit only */
        csrc mip, t6
        mret

        .balign 4
s_int_handler:
        S_IRQ_ENTRY
        csrci sip, SSIP
        sret

        /* vectored table: entry i is at BASE + 4 * i (all 32-bit jumps) */
        .balign 256
vector_table:
        .option push
        .option norvc
        j test_trap_handler                           /* 0: exceptions */
        j test_unexpected_trap                        /* 1 */
        j test_unexpected_trap                        /* 2 */
        j test_unexpected_trap                        /* 3 */
        j test_unexpected_trap                        /* 4 */
        j vector5                                     /* 5: supervisor timer */
        .option pop
vector5:
        li s4, 5
        j m_int_handler
