// march: rv64imac_zicsr
/*
 * Sv39 address translation (privileged spec 4.3-4.4), run in S-mode with traps taken in M.
 * Page tables built at run time:
 *   root[0]  gigapage VA 0x0000_0000 -> PA 0x0, RW  (the test finisher at 0x10_0000)
 *   root[2]  gigapage VA 0x8000_0000 -> PA 0x8000_0000, RWX (this program, identity mapped)
 *   root[1] -> l1; l1[0] -> l0, 4 KiB pages at VA 0x4000_0000 + 0x1000 * i:
 *     0 data RW   1 data R   2 invalid   3 data X only   4 data RW with U   5 data RW with A = D = 0
 *     6 data W without R (reserved)   7 code X
 *   l1[1]    a 2 MiB leaf at VA 0x4020_0000 whose PPN is not 2 MiB aligned (misaligned superpage)
 * Checked: loads, stores and fetches through each, the page-fault cause (12 fetch, 13 load,
 * 15 store) with mtval = the virtual address, SUM and MXR (3.1.6.3), non-canonical addresses
 * (4.4.1), hardware A/D updates (QEMU and RvEmu set them; the spec also allows a page fault
 * instead), and MPRV translating M-mode loads (3.1.6.3).
 */
#include "test.h"

#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)

/* Store at offset `off` of table `table_reg` a PTE for physical address `pa_reg` with `flags`. */
#define SET_PTE(table_reg, off, pa_reg, flags)      \
        srli t0, pa_reg, 12;                        \
        slli t0, t0, 10;                            \
        ori t0, t0, flags;                          \
        sd t0, off(table_reg)

#define VA_PAGE(i) (0x40000000 + 0x1000 * (i))

        TEST_BEGIN
        PMP_ALLOW_ALL

        /* data page contents, written through the physical address */
        la s0, data_page
        li t1, 0x1122334455667788
        sd t1, 0(s0)

        la s0, pt_root
        li t1, 0
        SET_PTE(s0, 0, t1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
        li t1, 0x80000000
        SET_PTE(s0, 16, t1, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
        la t1, pt_l1
        SET_PTE(s0, 8, t1, PTE_V)
        la s0, pt_l1
        la t1, pt_l0
        SET_PTE(s0, 0, t1, PTE_V)
        la t1, data_page
        SET_PTE(s0, 8, t1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)   /* 2 MiB leaf, PPN[0] != 0 */
        la s0, pt_l0
        la t1, data_page
        SET_PTE(s0, 0, t1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
        SET_PTE(s0, 8, t1, PTE_V | PTE_R | PTE_A)
        SET_PTE(s0, 24, t1, PTE_V | PTE_X | PTE_A)
        SET_PTE(s0, 32, t1, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
        SET_PTE(s0, 40, t1, PTE_V | PTE_R | PTE_W)
        SET_PTE(s0, 48, t1, PTE_V | PTE_W | PTE_A | PTE_D)
        la t1, code_page
        SET_PTE(s0, 56, t1, PTE_V | PTE_X | PTE_A)

        /* satp: MODE = 8 (Sv39), PPN of the root */
        la t0, pt_root
        srli t0, t0, 12
        li t1, 8 << 60
        or t0, t0, t1
        csrw satp, t0
        csrr a0, satp
        sub a0, a0, t0
        CHECK(1, a0, 0)
        sfence.vma
        ENTER_MODE(1, s_mode)

s_mode:
        /* ---- plain translation ---- */
        li s1, VA_PAGE(0)
        TEST_CASE(2, a0, 0x1122334455667788, ld a0, 0(s1))
        TEST_CASE(3, a0, 0xabc, li a1, 0xabc; sd a1, 8(s1); la a2, data_page; ld a0, 8(a2))
        TEST_CASE(4, a0, 0xffffffffffffff88, lb a0, 0(s1))
        /* a misaligned load across two virtual pages that map to the same data page */
        li a2, VA_PAGE(1) - 4
        TEST_CASE(5, a0, 0x5566778800000000, ld a0, 0(a2))   /* last word of page 0 is 0 */

        /* ---- read-only page ---- */
        li s2, VA_PAGE(1)
        TEST_CASE(10, a0, 0x1122334455667788, ld a0, 0(s2))
        TRAP_CASE(11, CAUSE_STORE_PAGE_FAULT, sd a1, 16(s2))
        addi a0, s2, 16
        sub a0, s11, a0
        CHECK(12, a0, 0)
        TRAP_CASE(13, CAUSE_STORE_PAGE_FAULT, amoadd.d a0, a1, (s2))   /* AMOs need write permission */

        /* ---- invalid PTE: all three access kinds fault ---- */
        li s3, VA_PAGE(2)
        TRAP_CASE(20, CAUSE_LOAD_PAGE_FAULT, lw a0, 4(s3))
        addi a0, s3, 4
        sub a0, s11, a0
        CHECK(21, a0, 0)
        TRAP_CASE(22, CAUSE_STORE_PAGE_FAULT, sb a0, 0(s3))
        TRAP_CASE(23, CAUSE_LOAD_PAGE_FAULT, lr.d a0, (s3))
        li TESTNUM, 24
        la s8, 1f
        li s9, -1
        jalr ra, 0(s3)
1:      li s8, 0
        CHECK(24, s9, CAUSE_FETCH_PAGE_FAULT)
        sub a0, s10, s3
        CHECK(25, a0, 0)
        sub a0, s11, s3
        CHECK(26, a0, 0)

        /* ---- execute-only page: loads need MXR (3.1.6.3) ---- */
        li s4, VA_PAGE(3)
        TRAP_CASE(30, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s4))
        li t0, MSTATUS_MXR
        csrs sstatus, t0
        TEST_CASE(31, a0, 0x1122334455667788, ld a0, 0(s4))
        TRAP_CASE(32, CAUSE_STORE_PAGE_FAULT, sd a0, 0(s4))            /* MXR does not grant writes */
        li t0, MSTATUS_MXR
        csrc sstatus, t0
        TRAP_CASE(33, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s4))

        /* ---- user page from S: data needs SUM, fetch never allowed (4.3.1) ---- */
        li s5, VA_PAGE(4)
        TRAP_CASE(40, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(s5))
        TRAP_CASE(41, CAUSE_STORE_PAGE_FAULT, sd a0, 0(s5))
        li t0, MSTATUS_SUM
        csrs sstatus, t0
        TEST_CASE(42, a0, 0x1122334455667788, ld a0, 0(s5))
        li TESTNUM, 43
        la s8, 1f
        li s9, -1
        jalr ra, 0(s5)
1:      li s8, 0
        CHECK(43, s9, CAUSE_FETCH_PAGE_FAULT)
        li t0, MSTATUS_SUM
        csrc sstatus, t0

        /* ---- A and D set by the hardware walk ---- */
        li s6, VA_PAGE(5)
        la a3, pt_l0
        TEST_CASE(50, a0, PTE_A, ld a0, 0(s6); ld a1, 40(a3); andi a0, a1, PTE_A | PTE_D)
        TEST_CASE(51, a0, PTE_A | PTE_D, li a2, 0x5a; sd a2, 0(s6); ld a1, 40(a3); andi a0, a1, PTE_A | PTE_D)
        TEST_CASE(52, a0, 0x5a, la a2, data_page; ld a0, 0(a2))  /* the store went through */

        /* ---- W without R is reserved: any access faults ---- */
        li a4, VA_PAGE(6)
        TRAP_CASE(60, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a4))
        TRAP_CASE(61, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a4))

        /* ---- executable mapping of a code page: fetch through the VA ---- */
        li a5, VA_PAGE(7)
        TEST_CASE(70, a0, 77, li a0, 0; jalr ra, 0(a5))
        TRAP_CASE(71, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))                /* X only */

        /* ---- misaligned superpage: page fault (4.3.2 step 6) ---- */
        li a6, 0x40200000
        TRAP_CASE(80, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a6))

        /* ---- non-canonical address: bits 63:39 must equal bit 38 (4.4.1) ---- */
        li a7, 0x0000008000000000
        TRAP_CASE(90, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a7))
        sub a0, s11, a7
        CHECK(91, a0, 0)
        li a7, 0xffffffc080000000                 /* sign-extended, but VPN[2] = 0x102 is unmapped */
        TRAP_CASE(92, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a7))
        li a7, 0x8000000080000000                 /* would hit the identity map if not checked */
        TRAP_CASE(93, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a7))

        /* ---- a new mapping after sfence.vma ---- */
        la a3, pt_l0
        la t1, data_page
        SET_PTE(a3, 16, t1, PTE_V | PTE_R | PTE_A)
        sfence.vma
        TEST_CASE(100, a0, 0x5a, li a0, VA_PAGE(2); ld a0, 0(a0))

        RETURN_TO_M(110)
        /* ---- M-mode: no translation, except for loads and stores with MPRV and MPP = S ---- */
        TEST_CASE(111, a0, 0x5a, la a1, data_page; ld a0, 0(a1))
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPP_S | MSTATUS_MPRV
        csrs mstatus, t0
        li s1, VA_PAGE(0)
        TEST_CASE(112, a0, 0x5a, ld a0, 0(s1))
        TEST_CASE(113, a0, 0x1234, li a0, 0x1234; sd a0, 24(s1); ld a0, 24(s1))
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        TEST_CASE(114, a0, 0x1234, la a1, data_page; ld a0, 24(a1))
        csrw satp, zero

        TEST_END

        /* a page of code reached only through VA_PAGE(7) */
        .section .text.codepage, "ax", @progbits
        .balign 4096
code_page:
        li a0, 77
        ret

        .section .bss
        .balign 4096
pt_root:   .skip 4096
pt_l1:     .skip 4096
pt_l0:     .skip 4096
data_page: .skip 4096
