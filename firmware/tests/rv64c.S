// march: rv64imafdc_zicsr
/*
 * RV64C (unprivileged spec ch. 16): every compressed form with boundary immediates, the HINT
 * encodings (16.7: they must execute without changing architectural state, since they write x0
 * or shift by zero), and the reserved encodings (16.8 tables 16.5-16.7), which must raise an
 * illegal-instruction exception with mtval = the 16-bit encoding (privileged 3.1.16).
 * The FP loads/stores (c.fld, c.fsd, c.fldsp, c.fsdsp) are illegal here because mstatus.FS is
 * Off at reset (privileged 3.1.6.6); F and D are in the -march only so that objdump names them
 * in the golden disassembly.
 * Also covered: 32-bit instructions at 2 mod 4 addresses and across a 4 KiB page boundary,
 * which IALIGN=16 allows.
 */
#include "test.h"

/* Run a reserved 16-bit encoding: illegal instruction, mtval = the encoding. */
#define TEST_RESERVED(num, bits)                        \
        TRAP_CASE(num, CAUSE_ILLEGAL_INSTRUCTION, .insn bits); \
        CHECK(num, s11, bits)

        TEST_BEGIN

        /* ---- quadrant 0 ---- */
        mv s2, sp
        li sp, 0x1000
        TEST_CASE(1, a0, 0x13fc, c.addi4spn a0, sp, 1020)
        TEST_CASE(2, a5, 0x1004, c.addi4spn a5, sp, 4)
        mv sp, s2
        la s0, cdata
        TEST_CASE(3, a0, 0xffffffff80000001, c.lw a0, 0(s0))
        TEST_CASE(4, a1, 0x000000007fffffff, c.lw a1, 4(s0))
        TEST_CASE(5, a2, 0x7fffffff80000001, c.ld a2, 0(s0))
        li a4, 0x12345678deadbeef
        TEST_CASE(6, a3, 0xffffffffdeadbeef, c.sw a4, 124(s0); c.lw a3, 124(s0))
        TEST_CASE(7, a3, 0x12345678deadbeef, c.sd a4, 248(s0); c.ld a3, 248(s0))
        TEST_CASE(8, a3, 0x12345678deadbeef, c.mv s1, s0; c.ld a3, 248(s1))

        /* ---- quadrant 1 ---- */
        TEST_CASE(10, a0, 31, li a0, 0; c.addi a0, 31)
        TEST_CASE(11, a0, -1, li a0, 31; c.addi a0, -32)
        TEST_CASE(12, t0, 0x10, li t0, 0x30; c.addi t0, -32)
        TEST_CASE(13, a0, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1)
        TEST_CASE(14, a0, 0xffffffffffffffff, li a0, 0x12345678ffffffff; c.addiw a0, 0)
        TEST_CASE(15, s3, 0x000000007fffffff, li s3, 0xffffffff80000000; c.addiw s3, -1)
        TEST_CASE(16, ra, -32, c.li ra, -32)
        TEST_CASE(17, s11, 31, c.li s11, 31)
        TEST_CASE(18, a0, 0xfffffffffffe0000, c.lui a0, 0xfffe0)
        TEST_CASE(19, a0, 0x000000000001f000, c.lui a0, 0x1f)
        TEST_CASE(20, t2, 0x0000000000001000, c.lui t2, 1)
        TEST_CASE(21, a0, 0xfffffffffffff000, c.lui a0, 0xfffff)
        mv s2, sp
        li sp, 0x10000
        TEST_CASE(22, sp, 0xfe00, c.addi16sp sp, -512)
        TEST_CASE(23, sp, 0xfff0, c.addi16sp sp, 496)
        TEST_CASE(24, sp, 0x10000, c.addi16sp sp, 16)
        mv sp, s2
        TEST_CASE(25, a0, 1, li a0, 0x8000000000000000; c.srli a0, 63)
        TEST_CASE(26, a0, 0x80000000, li a0, 0x8000000000000000; c.srli a0, 32)
        TEST_CASE(27, a1, -1, li a1, 0x8000000000000000; c.srai a1, 63)
        TEST_CASE(28, a1, 0xfffffffffffff000, li a1, 0x8000000000000000; c.srai a1, 51)
        TEST_CASE(29, a1, 0x3fffffffffffffff, li a1, 0x7fffffffffffffff; c.srai a1, 1)
        TEST_CASE(30, a2, 0x1f, li a2, -1; c.andi a2, 31)
        TEST_CASE(31, a2, 0xffffffffffffffe0, li a2, -1; c.andi a2, -32)
        TEST_CASE(32, a0, -1, li a0, 0; li a1, 1; c.sub a0, a1)
        TEST_CASE(33, a0, 0xf0f0, li a0, 0xff00; li a1, 0x0ff0; c.xor a0, a1)
        TEST_CASE(34, a0, 0xfff0, li a0, 0xff00; li a1, 0x0ff0; c.or a0, a1)
        TEST_CASE(35, a0, 0x0f00, li a0, 0xff00; li a1, 0x0ff0; c.and a0, a1)
        TEST_CASE(36, a0, 0x7fffffff, li a0, 0xffffffff80000000; li a1, 1; c.subw a0, a1)
        TEST_CASE(37, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 0x100000001; c.addw a0, a1)
        TEST_CASE(38, a5, 0, li a5, 0x1234567800000000; li a4, 0x5555555500000000; c.addw a5, a4)
        TEST_CASE(39, a0, 1, li a0, 0; c.j 1f; li a0, 2; 1: addi a0, a0, 1)
        TEST_CASE(40, a0, 7, li a0, 0; c.j 2f; 1: c.li a0, 7; c.j 3f; 2: c.j 1b; 3: nop)
        TEST_CASE(41, a0, 1, li a0, 1; li s0, 0; c.beqz s0, 1f; li a0, 0; 1: nop)
        TEST_CASE(42, a0, 0, li a0, 0; li s0, 1; c.beqz s0, 1f; li a0, 1; 1: addi a0, a0, -1)
        TEST_CASE(43, a0, 1, li a0, 1; li a5, 0x8000000000000000; c.bnez a5, 1f; li a0, 0; 1: nop)
        TEST_CASE(44, a0, 0, li a0, 0; li a5, 0; c.bnez a5, 1f; li a0, 1; 1: addi a0, a0, -1)
        TEST_CASE(45, a0, 3, li a0, 0; 1: addi a0, a0, 1; li s1, 3; sub s1, s1, a0; c.bnez s1, 1b)

        /* ---- quadrant 2 ---- */
        TEST_CASE(50, a0, 0x8000000000000000, li a0, 1; c.slli a0, 63)
        TEST_CASE(51, ra, 0xffffffff00000000, li ra, 0xffffffff; c.slli ra, 32)
        mv s2, sp
        la sp, cdata
        TEST_CASE(52, a0, 0xffffffff80000001, c.lwsp a0, 0(sp))
        TEST_CASE(53, t3, 0x7fffffff80000001, c.ldsp t3, 0(sp))
        li s3, 0xfedcba9876543210
        TEST_CASE(54, t0, 0x0000000076543210, c.swsp s3, 252(sp); lwu t0, 252(sp))
        TEST_CASE(55, t1, 0xfedcba9876543210, c.sdsp s3, 504(sp); c.ldsp t1, 504(sp))
        TEST_CASE(56, t1, 0x0000000076543210, c.lwsp t1, 252(sp); slli t1, t1, 32; srli t1, t1, 32)
        mv sp, s2
        TEST_CASE(57, a0, 0, la t0, 1f; c.jr t0; j test_fail; 1: li a0, 0)
        TEST_CASE(58, a0, 0, la t0, 1f; c.jalr t0; 2: j test_fail; 1: la a1, 2b; sub a0, ra, a1)
        TEST_CASE(59, a0, 5, li a1, 5; c.mv a0, a1)
        TEST_CASE(60, t2, -7, li s11, -7; c.mv t2, s11)
        TEST_CASE(61, a0, 0, li a0, -1; li a1, 1; c.add a0, a1)
        TEST_CASE(62, s4, 0x8000000000000000, li s4, 0x7fffffffffffffff; li t4, 1; c.add s4, t4)
        /* c.jalr with rs1 = ra: the target is the old ra */
        TEST_CASE(63, a0, 0, la ra, 1f; c.jalr ra; 2: j test_fail; 1: la a1, 2b; sub a0, ra, a1)
        TRAP_CASE(64, CAUSE_BREAKPOINT, c.ebreak)

        /* ---- HINTs (16.7) change nothing ---- */
        li a0, 0x5a5a5a5a5a5a5a5a
        li s0, 0x0123456789abcdef
        .option push
        .option norelax
        TEST_CASE(70, a0, 0x5a5a5a5a5a5a5a5a, .insn 0x0005)       /* c.nop with imm 1 */
        TEST_CASE(71, a0, 0x5a5a5a5a5a5a5a5a, .insn 0x107d)       /* c.nop with imm -1 */
        TEST_CASE(72, a0, 0x5a5a5a5a5a5a5a5a, .insn 0x0501)       /* c.addi a0, 0 */
        TEST_CASE(73, zero, 0, .insn 0x4015)                      /* c.li zero, 5 */
        TEST_CASE(74, zero, 0, .insn 0x6005)                      /* c.lui zero, 1 */
        TEST_CASE(75, zero, 0, .insn 0x0006)                      /* c.slli zero, 1 */
        TEST_CASE(76, a0, 0x5a5a5a5a5a5a5a5a, .insn 0x0502)       /* c.slli64 a0 */
        TEST_CASE(77, s0, 0x0123456789abcdef, .insn 0x8001)       /* c.srli64 s0 */
        TEST_CASE(78, s0, 0x0123456789abcdef, .insn 0x8401)       /* c.srai64 s0 */
        TEST_CASE(79, zero, 0, .insn 0x802a)                      /* c.mv zero, a0 */
        TEST_CASE(80, zero, 0, .insn 0x902a)                      /* c.add zero, a0 */
        TEST_CASE(81, a0, 0x5a5a5a5a5a5a5a5a, .insn 0x0001)       /* c.nop */
        CHECK(82, s0, 0x0123456789abcdef)
        .option pop

        /* ---- reserved encodings trap ---- */
        TEST_RESERVED(90, 0x0000)      /* all zeros: defined illegal */
        TEST_RESERVED(91, 0x0004)      /* c.addi4spn with nzuimm = 0 */
        TEST_RESERVED(92, 0x0010)      /* c.addi4spn a2, sp, 0 */
        TEST_RESERVED(93, 0x8000)      /* quadrant 0, funct3 100: reserved */
        TEST_RESERVED(94, 0x9ffc)      /* ditto, other bits set */
        TEST_RESERVED(95, 0x2005)      /* c.addiw with rd = x0 */
        TEST_RESERVED(96, 0x6101)      /* c.addi16sp with nzimm = 0 */
        TEST_RESERVED(97, 0x6501)      /* c.lui a0 with nzimm = 0 */
        TEST_RESERVED(98, 0x6001)      /* c.lui zero with nzimm = 0 */
        TEST_RESERVED(99, 0x9c41)      /* quadrant 1, 100 1 11 10: reserved */
        TEST_RESERVED(100, 0x9c61)     /* quadrant 1, 100 1 11 11: reserved */
        TEST_RESERVED(101, 0x4002)     /* c.lwsp with rd = x0 */
        TEST_RESERVED(102, 0x6002)     /* c.ldsp with rd = x0 */
        TEST_RESERVED(103, 0x8002)     /* c.jr with rs1 = x0 */
        TEST_RESERVED(104, 0x2000)     /* c.fld fs0, 0(s0) with mstatus.FS = Off */
        TEST_RESERVED(105, 0xa000)     /* c.fsd fs0, 0(s0) */
        TEST_RESERVED(106, 0x2002)     /* c.fldsp ft0, 0(sp) */
        TEST_RESERVED(107, 0xa002)     /* c.fsdsp ft0, 0(sp) */
        CHECK(108, a0, 0x5a5a5a5a5a5a5a5a)   /* nothing above touched a0 */

        /* ---- alignment of 32-bit instructions (IALIGN = 16) ---- */
        li TESTNUM, 110
        li a0, 0
        j 2f
        .balign 4
        c.nop
1:      .option push
        .option norvc
        addi a0, zero, 9               /* a 32-bit instruction at an address = 2 mod 4 */
        .option pop
        j 3f
2:      la t0, 1b
        andi t1, t0, 3
        CHECK(110, t1, 2)
        jr t0
3:      CHECK(111, a0, 9)
        /* a 32-bit instruction whose halves lie in different 4 KiB pages */
        la t0, page_crossing_insn
        li t1, 0xfff
        and t1, t0, t1
        CHECK(112, t1, 0xffe)
        TEST_CASE(113, a0, 42, li a0, 41; jal ra, page_crossing_insn)

        TEST_END

        .section .text.crosspage, "ax", @progbits
        .balign 4096
crosspage_start:
        .option push
        .option norvc
        .org crosspage_start + 4094
page_crossing_insn:
        addi a0, a0, 1
        jalr zero, 0(ra)
        .option pop

        .section .data
        .balign 16
cdata:
        .dword 0x7fffffff80000001
        .skip 512
