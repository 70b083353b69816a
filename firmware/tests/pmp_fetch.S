// march: rv64imac_zicsr
/*
 * PMP checks every instruction fetch, not every page (privileged spec 3.7.1: each access is checked).
 * Entry 0 makes the upper half of the 4 KiB page `split_page` readable but not executable; entry 1
 * allows everything else. S-mode code that starts in the lower half and runs on into the upper half
 * must take an instruction access fault (cause 1) at the first instruction there, mtval = mepc =
 * split_page + 0x800. (RvEmu once checked such a page once, on entry, and ran on.)
 */
#include "test.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_NAPOT (3 << 3)

        TEST_BEGIN
        la s0, split_page
        addi t0, s0, 0x7ff
        addi t0, t0, 0x400
        srli t0, t0, 2
        csrw pmpaddr0, t0                       /* NAPOT 2 KiB at split_page + 0x800 */
        li t0, -1
        csrw pmpaddr1, t0                       /* NAPOT everything */
        li t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8 | (PMP_NAPOT | PMP_R)
        csrw pmpcfg0, t0

        li TESTNUM, 1
        li s9, -1
        la s8, back_in_m + 1                    /* the handler resumes here, in M-mode */
        ENTER_MODE(1, split_page + 0x7f0)
back_in_m:
        CHECK(1, s9, CAUSE_FETCH_ACCESS)
        addi t0, s0, 0x7ff
        addi t0, t0, 1
        sub a0, s11, t0
        CHECK(2, a0, 0)                         /* mtval: the first address of the upper half */
        sub a0, s10, t0
        CHECK(3, a0, 0)                         /* mepc: the same instruction */
        TEST_END

        .text
        .balign 4096
split_page:
        .rept 0x7f0 / 4
        j test_fail
        .endr
        .rept 8                                 /* +0x7f0 .. +0x80f: executable, then not */
        nop
        .endr
        .rept (0x1000 - 0x810) / 4
        j test_fail
        .endr
