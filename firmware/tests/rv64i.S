// march: rv64i_zicsr_zifencei
/*
 * RV64I (unprivileged spec ch. 2 and 4): every base instruction, with the edge cases that
 * interpreters get wrong: sign extension of immediates, loads and W-form results, shift
 * amounts of 63/64 (RV64 uses the low 6 bits, W-forms the low 5), signed vs unsigned compares,
 * writes to x0, and misaligned loads/stores (which complete on the virt board, as in QEMU).
 * Assembled without C so every instruction here is a 32-bit encoding.
 */
#include "test.h"

        TEST_BEGIN

        /* ---- LUI / AUIPC: the 32-bit result is sign-extended to 64 bits (4.2.1) ---- */
        TEST_CASE(1, a0, 0x0000000012345000, lui a0, 0x12345)
        TEST_CASE(2, a0, 0xffffffff80000000, lui a0, 0x80000)
        TEST_CASE(3, a0, 0xfffffffffffff000, lui a0, 0xfffff)
        TEST_CASE(4, a0, 0, lui a0, 0)
        TEST_CASE(5, a0, 0, 1: auipc a0, 0; la a1, 1b; sub a0, a0, a1)
        TEST_CASE(6, a0, 0x1000, 1: auipc a0, 1; la a1, 1b; sub a0, a0, a1)
        /* auipc with a negative offset: pc - 0x8000_0000 wraps below the 0x8000_0000 base */
        TEST_CASE(7, a0, 0xffffffff80000000, 1: auipc a0, 0x80000; la a1, 1b; sub a0, a0, a1)

        /* ---- ADDI and friends: 12-bit immediates are sign-extended ---- */
        TEST_RI(10, addi, 0x0000000000000000, 0, 0)
        TEST_RI(11, addi, 0x00000000000007ff, 0, 2047)
        TEST_RI(12, addi, 0xfffffffffffff800, 0, -2048)
        TEST_RI(13, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
        TEST_RI(14, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
        TEST_RI(15, slti, 1, -1, 0)
        TEST_RI(16, slti, 0, 0, -1)
        TEST_RI(17, slti, 1, 0x8000000000000000, -2048)
        TEST_RI(18, slti, 0, 5, 5)
        TEST_RI(19, sltiu, 1, 0, -1)          /* -1 sign-extends to 2^64-1 before the unsigned compare */
        TEST_RI(20, sltiu, 0, -1, 2047)
        TEST_RI(21, sltiu, 1, 0x7fffffffffffffff, -2048)
        TEST_RI(22, sltiu, 0, 0, 0)
        TEST_RI(23, xori, 0xffffffffffff0f0f, 0x000000000000f0f0, -1)   /* xori -1 = not */
        TEST_RI(24, xori, 0x00000000000008ff, 0x0000000000000f0f, 0x7f0)
        TEST_RI(25, ori, 0xfffffffffffff800, 0, -2048)
        TEST_RI(26, ori, 0x123456789abcdeff, 0x123456789abcde00, 0xff)
        TEST_RI(27, andi, 0x00000000000000ff, 0xffffffffffffffff, 0xff)
        TEST_RI(28, andi, 0x123456789abcd800, 0x123456789abcdeff, -2048)

        /* ---- register-register ALU ---- */
        TEST_RR(30, add, 0x0000000000000000, 0xffffffffffffffff, 1)
        TEST_RR(31, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
        TEST_RR(32, sub, 0xffffffffffffffff, 0, 1)
        TEST_RR(33, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
        TEST_RR(34, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
        TEST_RR(35, slt, 0, 0x7fffffffffffffff, 0x8000000000000000)
        TEST_RR(36, slt, 0, 3, 3)
        TEST_RR(37, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
        TEST_RR(38, sltu, 1, 0, 0xffffffffffffffff)
        TEST_RR(39, xor, 0xf00ff00ff00ff00f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
        TEST_RR(40, or, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
        TEST_RR(41, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
        TEST_RR_SAME(42, add, 0xfffffffffffffffe, -1)
        TEST_RR_SAME(43, sub, 0, 0x123456789)
        TEST_RR_SAME(44, xor, 0, -1)

        /* ---- shifts: RV64 uses shamt[5:0] (4.2.1, 4.2.2) ---- */
        TEST_RI(50, slli, 0x8000000000000000, 1, 63)
        TEST_RI(51, slli, 0xffffffff00000000, 0xffffffffffffffff, 32)
        TEST_RI(52, srli, 0x0000000000000001, 0x8000000000000000, 63)
        TEST_RI(53, srli, 0x00000000ffffffff, 0xffffffffffffffff, 32)
        TEST_RI(54, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
        TEST_RI(55, srai, 0x0000000000000000, 0x7fffffffffffffff, 63)
        TEST_RI(56, srai, 0xfffffffff8000000, 0x8000000000000000, 36)
        TEST_RI(57, slli, 0x123456789abcdef0, 0x123456789abcdef0, 0)
        TEST_RR(58, sll, 0x8000000000000000, 1, 63)
        TEST_RR(59, sll, 0x0000000000000001, 1, 64)            /* 64 & 63 = 0 */
        TEST_RR(60, sll, 0x0000000000000002, 1, 65)
        TEST_RR(61, sll, 0x8000000000000000, 1, -1)            /* -1 & 63 = 63 */
        TEST_RR(62, srl, 0x0000000000000001, 0x8000000000000000, 63)
        TEST_RR(63, srl, 0x8000000000000000, 0x8000000000000000, 64)
        TEST_RR(64, srl, 0x00000000ffffffff, 0xffffffffffffffff, 0xffffffffffffffe0)
        TEST_RR(65, sra, 0xffffffffffffffff, 0x8000000000000000, 63)
        TEST_RR(66, sra, 0x8000000000000000, 0x8000000000000000, 64)
        TEST_RR(67, sra, 0xc000000000000000, 0x8000000000000000, 0x41)

        /* ---- W forms: operate on the low 32 bits, sign-extend the 32-bit result (4.2.1) ---- */
        TEST_RI(70, addiw, 0xffffffff80000000, 0x7fffffff, 1)
        TEST_RI(71, addiw, 0x000000007fffffff, 0xffffffff80000000, -1)
        TEST_RI(72, addiw, 0x0000000000000000, 0x1234567800000000, 0)   /* upper bits ignored */
        TEST_RI(73, addiw, 0xffffffffffffffff, 0x00000000ffffffff, 0)    /* sext.w */
        TEST_RI(74, addiw, 0xfffffffffffff800, 0, -2048)
        TEST_RR(75, addw, 0xffffffff80000000, 0x7fffffff, 1)
        TEST_RR(76, addw, 0x0000000000000000, 0xffffffff, 1)
        TEST_RR(77, addw, 0x0000000000000003, 0xaaaaaaaa00000001, 0x5555555500000002)
        TEST_RR(78, subw, 0x000000007fffffff, 0x80000000, 1)
        TEST_RR(79, subw, 0xffffffffffffffff, 0, 1)
        TEST_RI(80, slliw, 0xffffffff80000000, 1, 31)
        TEST_RI(81, slliw, 0x0000000000000000, 0xffffffff00000000, 1)
        TEST_RI(82, slliw, 0xffffffff87654321, 0x1234567887654321, 0)
        TEST_RI(83, srliw, 0x0000000000000001, 0x80000000, 31)
        TEST_RI(84, srliw, 0xffffffff80000000, 0x80000000, 0)            /* shift by 0 still sign-extends */
        TEST_RI(85, srliw, 0x000000007fffffff, 0xfffffffffffffffe, 1)    /* zero-fills from bit 31 */
        TEST_RI(86, sraiw, 0xffffffffffffffff, 0x80000000, 31)
        TEST_RI(87, sraiw, 0x0000000000000000, 0xffffffff7fffffff, 31)  /* bit 31 is the sign, not bit 63 */
        TEST_RI(88, sraiw, 0xfffffffff8000000, 0x0000000080000000, 4)
        TEST_RR(89, sllw, 0xffffffff80000000, 1, 31)
        TEST_RR(90, sllw, 0x0000000000000001, 1, 32)                   /* 32 & 31 = 0 */
        TEST_RR(91, sllw, 0x0000000000000002, 1, 33)
        TEST_RR(92, sllw, 0xffffffff80000000, 1, 63)
        TEST_RR(93, srlw, 0x0000000000000001, 0xffffffff80000000, 31)
        TEST_RR(94, srlw, 0xffffffff80000000, 0x80000000, 32)
        TEST_RR(95, srlw, 0x0000000000000001, 0x80000000, 63)
        TEST_RR(96, sraw, 0xffffffffffffffff, 0x80000000, 31)
        TEST_RR(97, sraw, 0xffffffff80000000, 0x80000000, 64)
        TEST_RR(98, sraw, 0x0000000000000000, 0xffffffff7fffffff, 31)
        TEST_RR(99, sraw, 0xffffffffffffffff, 0xffffffff, 0x3f)

        /* ---- loads: every narrow load sign- or zero-extends (4.3) ---- */
        la s0, load_data
        TEST_CASE(110, a0, 0xffffffffffffff80, lb a0, 0(s0))
        TEST_CASE(111, a0, 0x0000000000000080, lbu a0, 0(s0))
        TEST_CASE(112, a0, 0x000000000000007f, lb a0, 8(s0))
        TEST_CASE(113, a0, 0xffffffffffff8180, lh a0, 0(s0))
        TEST_CASE(114, a0, 0x0000000000008180, lhu a0, 0(s0))
        TEST_CASE(115, a0, 0x0000000000007f7f, lh a0, 8(s0))
        TEST_CASE(116, a0, 0xffffffff83828180, lw a0, 0(s0))
        TEST_CASE(117, a0, 0x0000000083828180, lwu a0, 0(s0))
        TEST_CASE(118, a0, 0x000000007f7f7f7f, lw a0, 8(s0))
        TEST_CASE(119, a0, 0x8786858483828180, ld a0, 0(s0))
        TEST_CASE(120, a0, 0xffffffffffffff87, lb a0, 7(s0))
        TEST_CASE(121, a0, 0xffffffffffff8786, lh a0, 6(s0))
        TEST_CASE(122, a0, 0xffffffff87868584, lw a0, 4(s0))
        TEST_CASE(123, a0, 0x0000000087868584, lwu a0, 4(s0))
        /* negative offsets */
        addi s1, s0, 16
        TEST_CASE(124, a0, 0x8786858483828180, ld a0, -16(s1))
        TEST_CASE(125, a0, 0xffffffffffffff87, lb a0, -9(s1))
        /* misaligned loads complete (the virt board's CPU handles them, as QEMU does) */
        TEST_CASE(126, a0, 0xffffffff84838281, lw a0, 1(s0))
        TEST_CASE(127, a0, 0x7f87868584838281, ld a0, 1(s0))
        TEST_CASE(128, a0, 0xffffffffffff8483, lh a0, 3(s0))
        TEST_CASE(129, a0, 0x0000000000008483, lhu a0, 3(s0))
        TEST_CASE(130, a0, 0x0000000085848382, lwu a0, 2(s0))

        /* ---- stores: only the addressed bytes change ---- */
        la s0, store_area
        li a0, -1
        sd a0, 0(s0)
        sd a0, 8(s0)
        TEST_CASE(140, a1, 0xffffffffffffff00, sb zero, 0(s0); ld a1, 0(s0))
        TEST_CASE(141, a1, 0xffffffff1234ff00, li a0, 0x71234; sh a0, 2(s0); ld a1, 0(s0))
        TEST_CASE(142, a1, 0x89abcdef1234ff00, li a0, 0x0123456789abcdef; sw a0, 4(s0); ld a1, 0(s0))
        TEST_CASE(143, a1, 0x0123456789abcdef, li a0, 0x0123456789abcdef; sd a0, 8(s0); ld a1, 8(s0))
        /* misaligned stores, including one across the 8-byte boundary */
        TEST_CASE(144, a1, 0x7788cdef1234ff00, li a0, 0x55667788; sw a0, 6(s0); ld a1, 0(s0))
        TEST_CASE(145, a1, 0x0123456789ab5566, ld a1, 8(s0))
        TEST_CASE(146, a1, 0x1122334455667788, li a0, 0x1122334455667788; sd a0, 3(s0); ld a1, 3(s0))
        TEST_CASE(147, a1, 0x0123456789112233, ld a1, 8(s0))
        TEST_CASE(148, a1, 0xffffffffffffaabb, li a0, 0xaabb; sh a0, 7(s0); lh a1, 7(s0))

        /* ---- branches: taken and not taken, signed vs unsigned ---- */
#define TEST_BRANCH(num, op, taken, a, b)           \
        TEST_CASE(num, a2, taken, li a0, a; li a1, b; li a2, 1; op a0, a1, 1f; li a2, 0; 1: nop)
        TEST_BRANCH(160, beq, 1, 5, 5)
        TEST_BRANCH(161, beq, 0, 5, 6)
        TEST_BRANCH(162, bne, 1, 0, 0x8000000000000000)
        TEST_BRANCH(163, bne, 0, -1, -1)
        TEST_BRANCH(164, blt, 1, -1, 0)
        TEST_BRANCH(165, blt, 0, 0, -1)
        TEST_BRANCH(166, blt, 0, 7, 7)
        TEST_BRANCH(167, bge, 1, 7, 7)
        TEST_BRANCH(168, bge, 1, 0, 0x8000000000000000)
        TEST_BRANCH(169, bge, 0, 0x8000000000000000, 0x7fffffffffffffff)
        TEST_BRANCH(170, bltu, 0, -1, 0)
        TEST_BRANCH(171, bltu, 1, 0, -1)
        TEST_BRANCH(172, bltu, 0, 7, 7)
        TEST_BRANCH(173, bgeu, 1, -1, 0)
        TEST_BRANCH(174, bgeu, 0, 0x7fffffffffffffff, 0x8000000000000000)
        TEST_BRANCH(175, bgeu, 1, 7, 7)
        /* backward branch */
        TEST_CASE(176, a0, 3, li a0, 0; 1: addi a0, a0, 1; li a1, 3; bne a0, a1, 1b)

        /* ---- JAL / JALR: link = pc + 4; JALR clears bit 0 of the target (2.5) ---- */
        TEST_CASE(180, a0, 0, jal ra, 1f; 2: j test_fail; 1: la a1, 2b; sub a0, ra, a1)
        TEST_CASE(181, a0, 0, la a1, 1f; jalr t0, 0(a1); 2: j test_fail; 1: la a1, 2b; sub a0, t0, a1)
        /* odd target: bit 0 is cleared, so this lands exactly on 1f */
        TEST_CASE(182, a0, 0, la a1, 1f + 1; jalr t0, 0(a1); j test_fail; 1: li a0, 0)
        /* odd sum of register and negative immediate */
        TEST_CASE(183, a0, 0, la a1, 1f + 5; jalr t0, -4(a1); j test_fail; 1: li a0, 0)
        /* rd = rs1: the target uses the old value */
        TEST_CASE(184, a0, 0, la ra, 1f; jalr ra, 0(ra); 2: j test_fail; 1: la a1, 2b; sub a0, ra, a1)
        /* jal backwards and jal x0 (no link) */
        TEST_CASE(185, a0, 2, li a0, 0; j 2f; 1: addi a0, a0, 1; j 3f; 2: addi a0, a0, 1; jal zero, 1b; 3: nop)

        /* ---- writes to x0 are discarded (2.1) ---- */
        TEST_CASE(190, zero, 0, addi zero, zero, 5)
        TEST_CASE(191, zero, 0, lui zero, 0x12345)
        TEST_CASE(192, zero, 0, auipc zero, 1)
        TEST_CASE(193, zero, 0, la a1, load_data; ld zero, 0(a1))
        TEST_CASE(194, zero, 0, li a0, -1; add zero, a0, a0)
        TEST_CASE(195, zero, 0, jal zero, 1f; 1: nop)
        TEST_CASE(196, a0, 0xfffffffffffffffb, addi zero, zero, 5; addi a0, zero, -5)
        TEST_CASE(197, a0, 0, li a0, 7; slli zero, a0, 3; add a0, zero, zero)

        /* ---- FENCE and FENCE.I execute as no-ops here; store then fence.i then run the new code ---- */
        TEST_CASE(200, a0, 1, li a0, 1; fence; fence rw, rw; fence.tso; fence.i)
        la a1, smc_slot
        li a2, 0x02a00513                     /* addi a0, zero, 42 */
        sw a2, 0(a1)
        fence.i
        TEST_CASE(201, a0, 42, li a0, 0; jal ra, smc_slot)

        TEST_END

        /* Self-modifying-code target: starts as "addi a0, zero, 1; ret", first word is rewritten. */
        .section .text
        .balign 4
smc_slot:
        addi a0, zero, 1
        jalr zero, 0(ra)

        .section .data
        .balign 16
load_data:
        .byte 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87
        .byte 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f
store_area:
        .dword 0, 0, 0
