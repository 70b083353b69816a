// march: rv64imac_zicsr
/*
 * Physical memory protection (privileged spec 3.7). Entries over a 4 KiB area `pmp_area`:
 *   0  NA4   +0x000..+0x004   R
 *   1  NAPOT +0x100..+0x200   RW
 *   2  OFF   (its address is the base of the TOR entry above it)
 *   3  TOR   +0x200..+0x300   R
 *   4  NAPOT +0x200..+0x400   RW   (overlaps 3: the lowest-numbered matching entry decides)
 *   15 NAPOT everything       RWX  (code, stack, the finisher)
 * Checked from S-mode: permissions per entry, entry priority, an access that straddles an entry's
 * boundary (partial match fails, 3.7.1.4), fetch without X. From M-mode: unlocked entries do not
 * apply, except that an access only partly inside an entry fails in every mode; a locked entry (L) applies to M too and ignores writes to its pmpcfg and pmpaddr (3.7.1.3).
 * Access faults: 1 fetch, 5 load, 7 store (and AMO), with mtval = the address.
 */
#include "test.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR (1 << 3)
#define PMP_NA4 (2 << 3)
#define PMP_NAPOT (3 << 3)
#define PMP_L 0x80

        TEST_BEGIN
        la s0, pmp_area

        /* pmpcfg1 does not exist on RV64 (3.7.1) */
        TRAP_CASE(1, CAUSE_ILLEGAL_INSTRUCTION, csrr a0, pmpcfg1)

        srli t0, s0, 2
        csrw pmpaddr0, t0                              /* NA4 at +0 */
        addi t0, s0, 0x100 + 0x7f
        srli t0, t0, 2
        csrw pmpaddr1, t0                              /* NAPOT 256 B at +0x100 */
        addi t0, s0, 0x200
        srli t0, t0, 2
        csrw pmpaddr2, t0                              /* TOR base */
        addi t0, s0, 0x300
        srli t0, t0, 2
        csrw pmpaddr3, t0                              /* TOR top */
        addi t0, s0, 0x200 + 0xff
        srli t0, t0, 2
        csrw pmpaddr4, t0                              /* NAPOT 512 B at +0x200 */
        li t0, -1
        csrw pmpaddr15, t0
        li t0, (PMP_NAPOT | PMP_R | PMP_W) << 32 | (PMP_TOR | PMP_R) << 24 | (PMP_NAPOT | PMP_R | PMP_W) << 8 | (PMP_NA4 | PMP_R)
        csrw pmpcfg0, t0
        li t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
        csrw pmpcfg2, t0
        li t0, (PMP_NAPOT | PMP_R | PMP_W) << 32 | (PMP_TOR | PMP_R) << 24 | (PMP_NAPOT | PMP_R | PMP_W) << 8 | (PMP_NA4 | PMP_R)
        csrr a0, pmpcfg0
        sub a0, a0, t0
        CHECK(2, a0, 0)
        srli t0, s0, 2
        csrr a0, pmpaddr0
        sub a0, a0, t0
        CHECK(3, a0, 0)

        li t0, 0x1122334455667788
        sw t0, 0(s0)            /* an 8-byte store would only partly match entry 0: fails even in M */
        sd t0, 0x100(s0)
        sd t0, 0x200(s0)
        sd t0, 0x300(s0)

        ENTER_MODE(1, s_mode)
s_mode:
        /* entry 0: NA4, read only */
        TEST_CASE(10, a0, 0x55667788, lwu a0, 0(s0))
        TRAP_CASE(11, CAUSE_STORE_ACCESS, sw a0, 0(s0))
        sub a0, s11, s0
        CHECK(12, a0, 0)
        TRAP_CASE(13, CAUSE_STORE_ACCESS, amoadd.w a0, a0, (s0))
        /* 8 bytes at +0 straddle entry 0's 4 bytes: partial match fails, for loads too */
        TRAP_CASE(14, CAUSE_LOAD_ACCESS, ld a0, 0(s0))
        /* +4 is outside entry 0, so entry 15 (RWX) allows it */
        TEST_CASE(15, a0, 0x11223344, li a1, 0x11223344; sw a1, 4(s0); lwu a0, 4(s0))
        /* entry 1: NAPOT, RW, no X */
        TEST_CASE(20, a0, 0x1122334455667788, ld a0, 0x100(s0))
        TEST_CASE(21, a0, 7, li a1, 7; sd a1, 0x1f8(s0); ld a0, 0x1f8(s0))
        addi a2, s0, 0x100
        li TESTNUM, 22
        la s8, 1f
        li s9, -1
        jalr ra, 0(a2)
1:      li s8, 0
        CHECK(22, s9, CAUSE_FETCH_ACCESS)
        sub a0, s11, a2
        CHECK(23, a0, 0)
        /* entry 3 (TOR, R) wins over entry 4 (RW) in +0x200..+0x300 */
        TEST_CASE(30, a0, 0x1122334455667788, ld a0, 0x200(s0))
        TRAP_CASE(31, CAUSE_STORE_ACCESS, sd a0, 0x2f8(s0))
        addi a0, s0, 0x2f8
        sub a0, s11, a0
        CHECK(32, a0, 0)
        /* entry 4 alone above +0x300 */
        TEST_CASE(33, a0, 9, li a1, 9; sd a1, 0x300(s0); ld a0, 0x300(s0))
        /* the boundary of a TOR entry is exclusive at the top: +0x300 is entry 4's */
        TEST_CASE(34, a0, 9, ld a0, 0x300(s0))
        RETURN_TO_M(40)

        /* ---- M-mode: unlocked entries do not apply ---- */
        TEST_CASE(41, a0, 0x12345678, li a1, 0x12345678; sw a1, 0(s0); lwu a0, 0(s0))
        /* but an access that only partly matches an entry fails in M too, L or not (3.7.1.4) */
        TRAP_CASE(47, CAUSE_STORE_ACCESS, sd a1, 0(s0))
        TRAP_CASE(48, CAUSE_LOAD_ACCESS, ld a1, 0(s0))
        /* lock entry 0: now M obeys it too */
        li t0, PMP_L
        csrs pmpcfg0, t0
        TRAP_CASE(42, CAUSE_STORE_ACCESS, sw a0, 0(s0))
        TEST_CASE(43, a0, 0x12345678, lwu a0, 0(s0))
        /* locked: writes to its configuration and address are ignored */
        li t0, 0xff
        csrc pmpcfg0, t0
        csrr a0, pmpcfg0
        andi a0, a0, 0xff
        CHECK(44, a0, PMP_L | PMP_NA4 | PMP_R)
        csrw pmpaddr0, zero
        srli t0, s0, 2
        csrr a0, pmpaddr0
        sub a0, a0, t0
        CHECK(45, a0, 0)
        TRAP_CASE(46, CAUSE_STORE_ACCESS, sw a0, 0(s0))

        TEST_END

        .section .bss
        .balign 4096
pmp_area: .skip 4096
