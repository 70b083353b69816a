// march: rv64imac_zicsr
/*
 * Synchronous exceptions and MRET (privileged spec 3.1.6.1, 3.1.14-3.1.16, 3.3.2).
 * Each trap is checked for mcause, mepc (the trapping instruction) and mtval:
 *   ecall: 11 from M, 9 from S, 8 from U, mtval = 0;
 *   ebreak, c.ebreak: 3, mtval = the pc of the instruction (RvEmu, as Spike; the spec also
 *     allows 0, which QEMU 7.2 writes: recorded for the runner, see test.h);
 *   illegal instruction: 2, mtval = the instruction bits (32-bit, 16-bit, and all zeros);
 *   load / store / fetch access fault on an address with nothing mapped (0x0): 5 / 7 / 1,
 *     mtval = the address;
 *   misaligned AMO: store/AMO address-misaligned (6; QEMU 7.2 reports 4, recorded);
 *   privileged instructions and M-mode CSRs from U-mode: illegal instruction.
 * Trap entry saves MIE in MPIE, clears MIE and sets MPP to the previous mode; MRET restores MIE
 * from MPIE, sets MPIE, sets MPP to U (the least-privileged mode) and returns to mepc.
 *
 * Instruction-address-misaligned (cause 0) cannot happen on this hart: with the C extension
 * IALIGN = 16, JALR clears bit 0 of its target and every other jump or branch target is a
 * multiple of 2, and mepc bit 0 reads as zero. So instead of cause 0 this program checks that
 * jumps to addresses = 2 mod 4 do not trap (rv64i covers JALR's bit 0, zicsr mepc's).
 */
#include "test.h"

/* Illegal instruction with mtval = `bits`. */
#define TEST_ILLEGAL(num, bits)                                  \
        TRAP_CASE(num, CAUSE_ILLEGAL_INSTRUCTION, .insn bits);   \
        CHECK(num, s11, bits)

        TEST_BEGIN

        /* ---- ecall and ebreak from M ---- */
        TRAP_CASE(1, CAUSE_MACHINE_ECALL, ecall)
        CHECK(2, s11, 0)
        TRAP_CASE(3, CAUSE_BREAKPOINT, ebreak)
        mv a0, s11
        RECORD_OBSERVED(0, a0)
        la a1, 8888b
        la t0, spec_expected
        sd a1, 0(t0)                                /* the spec value RvEmu must record: this pc */
        sub a0, a0, a1
        snez a0, a0
        snez a2, s11
        and a0, a0, a2                              /* mtval is the pc, or 0 */
        CHECK(4, a0, 0)
        TRAP_CASE(5, CAUSE_BREAKPOINT, c.ebreak)
        mv a0, s11
        RECORD_OBSERVED(1, a0)
        la a1, 8888b
        la t0, spec_expected
        sd a1, 8(t0)

        /* ---- trap entry and mret: mstatus.MIE/MPIE/MPP (3.1.6.1) ---- */
        /* MIE = 1 is safe: mie is 0, so no interrupt can be taken */
        csrsi mstatus, MSTATUS_MIE
        TRAP_CASE(10, CAUSE_MACHINE_ECALL, ecall)
        /* at the trap: MPIE = old MIE = 1, MIE = 0, MPP = M */
        TEST_CASE(11, a0, MSTATUS_MPIE | MSTATUS_MPP, li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, s7, t0)
        /* after mret: MIE = MPIE = 1, MPIE = 1, MPP = U */
        csrr a1, mstatus
        TEST_CASE(12, a0, MSTATUS_MIE | MSTATUS_MPIE, li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, a1, t0)
        csrci mstatus, MSTATUS_MIE
        TRAP_CASE(13, CAUSE_MACHINE_ECALL, ecall)
        TEST_CASE(14, a0, MSTATUS_MPP, li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, s7, t0)
        csrr a1, mstatus
        TEST_CASE(15, a0, MSTATUS_MPIE, li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP; and a0, a1, t0)
        /* mret jumps to mepc, also when mepc = 2 mod 4 */
        li TESTNUM, 16
        la t0, 1f
        csrw mepc, t0
        li t0, MSTATUS_MPP
        csrs mstatus, t0                            /* MPP = M: stay in M */
        li a0, 0
        mret
        j test_fail
        .balign 4
        c.nop
1:      li a0, 1
        CHECK(16, a0, 1)
        la t0, 1b
        andi t0, t0, 3
        CHECK(17, t0, 2)

        /* ---- illegal instructions: mtval = the instruction ---- */
        TEST_ILLEGAL(20, 0x0000)                    /* 16-bit all zeros */
        TEST_ILLEGAL(21, 0x9c41)                    /* reserved compressed */
        TEST_ILLEGAL(22, 0x0000000b)                /* custom-0 major opcode */
        TEST_ILLEGAL(23, 0xc0001073)                /* csrrw zero, cycle, zero: write to read-only CSR (unimp) */
        TEST_ILLEGAL(24, 0x00200073)                /* uret: no N extension */
        TEST_ILLEGAL(25, 0x4000103b)                /* OP-32, funct7 0100000 with funct3 001: unassigned */
        TEST_ILLEGAL(26, 0x40001013)                /* slli with funct6 = 010000 */
        TEST_ILLEGAL(27, 0x00007003)                /* LOAD funct3 111: no such load on RV64 */
        TEST_ILLEGAL(28, 0x30208073)                /* mret with rs1 != 0 */
        TEST_ILLEGAL(29, 0x000000f3)                /* ecall with rd != 0 */

        /* ---- access faults: nothing is mapped at 0x0 ---- */
        TRAP_CASE(30, CAUSE_LOAD_ACCESS, ld a0, 0(zero))
        CHECK(31, s11, 0)
        li a1, 0x10
        TRAP_CASE(32, CAUSE_LOAD_ACCESS, lbu a0, 0(a1))
        CHECK(33, s11, 0x10)
        TRAP_CASE(34, CAUSE_STORE_ACCESS, sw a1, 0(zero))
        CHECK(35, s11, 0)
        TRAP_CASE(36, CAUSE_STORE_ACCESS, sd a1, 8(a1))
        CHECK(37, s11, 0x18)
        /* the destination of a faulting load is unchanged */
        TEST_CASE(38, a0, 1234, li a0, 1234; la s8, 1f; ld a0, 0(zero); 1: li s8, 0)
        /* fetch from 0x0: cause 1, mepc = mtval = 0 */
        li TESTNUM, 40
        la s8, 2f
        li s9, -1
        jalr zero, 0(zero)
2:      li s8, 0
        CHECK(40, s9, CAUSE_FETCH_ACCESS)
        CHECK(41, s10, 0)
        CHECK(42, s11, 0)

        /* ---- misaligned AMO: store/AMO address-misaligned, mtval = address ---- */
        la a1, scratch
        addi a1, a1, 2
        li TESTNUM, 50
        la s8, 2f
        li s9, -1
1:      amoswap.w a0, a0, (a1)
2:      li s8, 0
        RECORD_OBSERVED(2, s9)
        li t0, CAUSE_MISALIGNED_STORE
        beq s9, t0, 3f
        CHECK(50, s9, CAUSE_MISALIGNED_LOAD)        /* QEMU 7.2 */
3:      CHECK_ADDR(51, s10, 1b)
        sub s11, s11, a1
        CHECK(52, s11, 0)

        /* ---- lower privilege modes ---- */
        /* PMP entry 0: NAPOT over the whole address space with RWX, so S and U may run (3.7.1) */
        li t0, -1
        csrw pmpaddr0, t0
        li t0, 0x1f
        csrw pmpcfg0, t0
        /* U-mode: MPP = 0, mret */
        la t0, 1f
        csrw mepc, t0
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        mret
1:      TRAP_CASE(60, CAUSE_USER_ECALL, ecall)
        CHECK(61, s11, 0)
        TEST_CASE(62, a0, 0, li t0, MSTATUS_MPP; and a0, s7, t0)          /* MPP = U */
        TRAP_CASE(63, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mscratch)
        lwu t0, 0(s10)
        bne s11, t0, test_fail
        TRAP_CASE(64, CAUSE_ILLEGAL_INSTRUCTION, mret)
        TRAP_CASE(65, CAUSE_ILLEGAL_INSTRUCTION, sret)
        TRAP_CASE(66, CAUSE_ILLEGAL_INSTRUCTION, wfi)
        TRAP_CASE(67, CAUSE_ILLEGAL_INSTRUCTION, sfence.vma)
        TRAP_CASE(68, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, cycle)          /* mcounteren.CY = 0 */
        TRAP_CASE(69, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, sscratch)
        TRAP_CASE(70, CAUSE_BREAKPOINT, ebreak)
        TRAP_CASE(71, CAUSE_LOAD_ACCESS, ld a0, 0(zero))
        /* back to M with an ecall whose handler resumes in M (s8 bit 0) */
        li TESTNUM, 72
        la s8, 2f + 1
        ecall
        j test_fail
2:      CHECK(72, s9, CAUSE_USER_ECALL)
        TEST_CASE(73, a0, 0x1234, li a0, 0x1234; csrw mscratch, a0; csrr a0, mscratch)  /* M again */

        /* S-mode: MPP = 1 */
        la t0, 1f
        csrw mepc, t0
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, 1 << 11
        csrs mstatus, t0
        mret
1:      TRAP_CASE(80, CAUSE_SUPERVISOR_ECALL, ecall)
        CHECK(81, s11, 0)
        TEST_CASE(82, a0, 1 << 11, li t0, MSTATUS_MPP; and a0, s7, t0)    /* MPP = S */
        TEST_CASE(83, a0, 0x55, li a0, 0x55; csrw sscratch, a0; csrr a0, sscratch)
        TRAP_CASE(84, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, mstatus)
        TRAP_CASE(85, CAUSE_ILLEGAL_INSTRUCTION, mret)
        TRAP_CASE(86, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, cycle)          /* mcounteren.CY = 0 */
        li TESTNUM, 87
        la s8, 2f + 1
        ecall
        j test_fail
2:      CHECK(87, s9, CAUSE_SUPERVISOR_ECALL)

        /* counters below M: mcounteren lets S read cycle; U also needs scounteren (3.1.11, 4.1.5) */
        csrwi mcounteren, 7
        csrwi scounteren, 0
        la t0, 1f
        csrw mepc, t0
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        mret
1:      TRAP_CASE(90, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, instret)        /* U: scounteren.IR = 0 */
        li TESTNUM, 91
        la s8, 2f + 1
        ecall
        j test_fail
2:      csrwi scounteren, 7
        la t0, 1f
        csrw mepc, t0
        mret                                        /* MPP is U after the last mret */
1:      TEST_CASE(92, a0, 1, csrr a0, instret; snez a0, a0)    /* readable now */
        li TESTNUM, 93
        la s8, 2f + 1
        ecall
        j test_fail
2:      CHECK(93, s9, CAUSE_USER_ECALL)

        TEST_END

        .section .data
        .balign 8
scratch: .dword 0
        .globl spec_expected, spec_observed
spec_expected:
        .dword 0, 0                 /* mtval of ebreak and c.ebreak: their pc, stored by the program */
        .dword CAUSE_MISALIGNED_STORE
spec_observed:
        .dword 0, 0, 0
