/*
 * Shared macros for RvEmu's assembly test programs (firmware/tests/*.S).
 *
 * A program is a list of numbered cases. Each case computes something and compares one register
 * with the value the ISA specification demands. The first mismatch ends the run with the case
 * number as exit code; reaching the end passes.
 *
 * Exit paths:
 *   - default: the SiFive test finisher at 0x10_0000 (QEMU hw/misc/sifive_test.c):
 *     0x5555 = pass, (code << 16) | 0x3333 = fail with code.
 *   - with -DEXIT_VIA_HTIF: the Berkeley HTIF mailbox `tohost` (riscv-tests convention):
 *     1 = pass, (code << 1) | 1 = fail with code.
 *
 * Register conventions inside a program:
 *   gp (x3)  number of the case being run (the exit code on failure)
 *   t6 (x31) expected value of the comparison (clobbered by every check)
 *   s8       resume address for an expected trap (0 = no trap expected); with bit 0 set the
 *            handler resumes at s8 - 1 in M-mode instead of the mode that trapped
 *   s7, s9, s10, s11  mstatus, mcause, mepc, mtval recorded by the trap handler
 *   sp       a 4 KiB stack in .bss
 * An unexpected trap fails with code 0x8000 | case number.
 *
 * Where QEMU 7.2 (the reference every program is validated on) deviates from the spec, a program
 * accepts both behaviours, so it passes on QEMU, and records what it saw with RECORD_OBSERVED in
 * `spec_observed`. It also defines `spec_expected`, directly before, with the same number of
 * dwords: the spec's values. RvEmu's runner (RvEmu.Tests ConformanceTests) compares the two.
 */
#ifndef RVEMU_TEST_H
#define RVEMU_TEST_H

#define TESTNUM gp
#define FINISHER_BASE 0x100000
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333
#define UNEXPECTED_TRAP_FLAG 0x8000

/* mcause values (privileged spec 3.1.15, table 3.6). */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_MACHINE_ECALL 11
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

/* mstatus fields (privileged spec 3.1.6). */
#define MSTATUS_SIE  (1 << 1)
#define MSTATUS_MIE  (1 << 3)
#define MSTATUS_SPIE (1 << 5)
#define MSTATUS_MPIE (1 << 7)
#define MSTATUS_SPP  (1 << 8)
#define MSTATUS_MPP  (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPRV (1 << 17)
#define MSTATUS_SUM  (1 << 18)
#define MSTATUS_MXR  (1 << 19)

/* Give S and U access to everything through PMP entry 0 (NAPOT over the whole space, RWX, 3.7.1):
 * without a matching entry, PMP denies every access below M. */
#define PMP_ALLOW_ALL                               \
        li t0, -1;                                  \
        csrw pmpaddr0, t0;                          \
        li t0, 0x1f;                                \
        csrw pmpcfg0, t0

/* Continue at `label` in privilege mode `mpp` (a value for mstatus.MPP) through mret. */
#define ENTER_MODE(mpp, label)                      \
        la t0, label;                               \
        csrw mepc, t0;                              \
        li t0, MSTATUS_MPP;                         \
        csrc mstatus, t0;                           \
        li t0, (mpp) << 11;                         \
        csrs mstatus, t0;                           \
        mret

/* From S or U: ecall into the handler, which resumes at the next line in M-mode. */
#define RETURN_TO_M(num)                            \
        li TESTNUM, num;                            \
        la s8, 8883f + 1;                           \
        ecall;                                      \
        j test_fail;                                \
8883:

/* ---- program frame ---- */

/* First thing in every program: entry point, trap vector, stack, case number 0. */
#define TEST_BEGIN                                  \
        .section .text.init, "ax", @progbits;       \
        .globl _start;                              \
_start:                                             \
        la t0, test_trap_handler;                   \
        csrw mtvec, t0;                             \
        la sp, test_stack_top;                      \
        li s8, 0;                                   \
        li TESTNUM, 0

/* Last thing in the code: pass, and the shared fail and trap paths. */
#define TEST_END                                    \
        TEST_PASS;                                  \
test_fail:                                          \
        TEST_FAIL_WITH_GP;                          \
        .balign 4;                                  \
test_trap_handler:                                  \
        beqz s8, test_unexpected_trap;              \
        csrr s7, mstatus;                           \
        csrr s9, mcause;                            \
        csrr s10, mepc;                             \
        csrr s11, mtval;                            \
        andi t6, s8, 1;                             \
        beqz t6, 8882f;                             \
        li t6, 0x1800;                              \
        csrs mstatus, t6;                           \
        addi s8, s8, -1;                            \
8882:   csrw mepc, s8;                              \
        li s8, 0;                                   \
        mret;                                       \
test_unexpected_trap:                               \
        li t0, UNEXPECTED_TRAP_FLAG;                \
        or TESTNUM, TESTNUM, t0;                    \
        j test_fail;                                \
        TEST_DATA_SECTIONS

#ifdef EXIT_VIA_HTIF
#define TEST_PASS                                   \
        li t0, 1;                                   \
        la t1, tohost;                              \
        sd t0, 0(t1);                               \
8880:   j 8880b
#define TEST_FAIL_WITH_GP                           \
        slli t0, TESTNUM, 1;                        \
        ori t0, t0, 1;                              \
        la t1, tohost;                              \
        sd t0, 0(t1);                               \
8881:   j 8881b
#define TEST_HTIF_SECTION                           \
        .section .tohost, "aw", @progbits;          \
        .balign 64;                                 \
        .globl tohost;                              \
        .type tohost, @object;                      \
        .size tohost, 8;                            \
tohost: .dword 0;                                   \
        .balign 64;                                 \
        .globl fromhost;                            \
        .type fromhost, @object;                    \
        .size fromhost, 8;                          \
fromhost: .dword 0;
#else
#define TEST_PASS                                   \
        li t0, FINISHER_BASE;                       \
        li t1, FINISHER_PASS;                       \
        sw t1, 0(t0);                               \
8880:   j 8880b
#define TEST_FAIL_WITH_GP                           \
        li t0, FINISHER_BASE;                       \
        slli t1, TESTNUM, 16;                       \
        li t2, FINISHER_FAIL;                       \
        or t1, t1, t2;                              \
        sw t1, 0(t0);                               \
8881:   j 8881b
#define TEST_HTIF_SECTION
#endif

#define TEST_DATA_SECTIONS                          \
        TEST_HTIF_SECTION                           \
        .section .bss;                              \
        .balign 16;                                 \
test_stack: .skip 4096;                             \
test_stack_top:

/* ---- checks ---- */

/* Compare register `reg` with the constant `want`; fail with case `num` if they differ. */
#define CHECK(num, reg, want)                       \
        li TESTNUM, num;                            \
        li t6, want;                                \
        bne reg, t6, test_fail

/* Compare register `reg` with the address of `label`. */
#define CHECK_ADDR(num, reg, label)                 \
        li TESTNUM, num;                            \
        la t6, label;                               \
        bne reg, t6, test_fail

/* Run `code` (a ';'-separated instruction list), then CHECK(num, reg, want). */
#define TEST_CASE(num, reg, want, code...)          \
        li TESTNUM, num;                            \
        code;                                       \
        CHECK(num, reg, want)

/* Register-register op: a2 = op(a0 = a, a1 = b). */
#define TEST_RR(num, op, want, a, b)                \
        TEST_CASE(num, a2, want, li a0, a; li a1, b; op a2, a0, a1)

/* Register-immediate op: a2 = op(a0 = a, imm). */
#define TEST_RI(num, op, want, a, imm)              \
        TEST_CASE(num, a2, want, li a0, a; op a2, a0, imm)

/* Same source and destination register: a0 = op(a0 = a, a0). */
#define TEST_RR_SAME(num, op, want, a)              \
        TEST_CASE(num, a0, want, li a0, a; op a0, a0, a0)

/* Store register `reg` as spec_observed[index]. */
#define RECORD_OBSERVED(index, reg)                 \
        la t6, spec_observed;                       \
        sd reg, (8 * (index))(t6)

/* ---- expected traps ----
 * TRAP_CASE runs `code` with the trap recorder armed and checks that the first instruction of
 * `code` (label 8888b afterwards) trapped with mcause `cause` and mepc at that instruction; the
 * handler resumes after `code`. mtval is left in s11 for the caller to CHECK.
 */
#define TRAP_CASE(num, cause, code...)              \
        li TESTNUM, num;                            \
        la s8, 8889f;                               \
        li s9, -1;                                  \
8888:   code;                                       \
8889:   li s8, 0;                                   \
        CHECK(num, s9, cause);                      \
        CHECK_ADDR(num, s10, 8888b)

/* ---- interrupt handlers ----
 * The interrupt programs (interrupts, software_irq, timer, plic, wfi_wake) install their own M- and
 * S-mode handlers, which all start the same way and record each interrupt in the same registers:
 *   s6   interrupts taken so far (the program zeroes it)
 *   s9   mcause / scause of the latest one (interrupt bit 63 set, priv spec 3.1.15 / 4.1.8)
 *   s10  mepc / sepc of the latest one: the instruction it interrupted
 *   s5   with IRQ_RECORD_ORDER: the order they came in, one cause number a byte, latest lowest
 * t6 holds the cause CSR afterwards; the handlers may clobber t6 (and t5 once saved in mscratch).
 */

/* M-mode handler entry: an exception (mcause bit 63 clear) goes on to the recorder above
 * (test_trap_handler); an interrupt is counted in s6, with mcause in s9 and mepc in s10. */
#define M_IRQ_ENTRY                                 \
        csrr t6, mcause;                            \
        bgez t6, test_trap_handler;                 \
        addi s6, s6, 1;                             \
        mv s9, t6;                                  \
        csrr s10, mepc

/* S-mode handler entry: no exception is expected in S (test_unexpected_trap); an interrupt is
 * counted in s6, with scause in s9 and sepc in s10. */
#define S_IRQ_ENTRY                                 \
        csrr t6, scause;                            \
        bgez t6, test_unexpected_trap;              \
        addi s6, s6, 1;                             \
        mv s9, t6;                                  \
        csrr s10, sepc

/* After M_IRQ_ENTRY / S_IRQ_ENTRY: shift the cause number (low byte of t6) into s5, so s5 lists
 * the causes taken, one a byte, the latest in the low byte. Leaves the cause number in t6. */
#define IRQ_RECORD_ORDER                            \
        andi t6, t6, 0xff;                          \
        slli s5, s5, 8;                             \
        or s5, s5, t6

/* Set `out` to the OR of (1 << cause) over the `count` causes that IRQ_RECORD_ORDER put in s5,
 * which it consumes: the set of interrupts taken, whatever their order (the mip bit of
 * interrupt i is bit i, priv spec 3.1.9). Clobbers t0, a1, a2. */
#define IRQ_CAUSE_SET(out, count)                   \
        li out, 0;                                  \
        li a2, count;                               \
8886:   andi a1, s5, 0xff;                          \
        li t0, 1;                                   \
        sll t0, t0, a1;                             \
        or out, out, t0;                            \
        srli s5, s5, 8;                             \
        addi a2, a2, -1;                            \
        bnez a2, 8886b

#endif
