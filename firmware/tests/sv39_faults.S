// march: rv64imac_zicsr
/*
 * Sv39 permission faults and A/D updates that sv39.S does not reach (privileged spec 3.1.6.3,
 * 4.1.11, 4.3.1, 4.3.2, 4.4). Traps are taken in M; xtval is checked against the virtual address.
 * Page tables built at run time:
 *   root[0]  gigapage VA 0 -> PA 0, RW (the test finisher)
 *   root[2]  gigapage VA 0x8000_0000 -> PA 0x8000_0000, RWX: this program for S-mode
 *   root[3]  gigapage VA 0xc000_0000 -> PA 0x8000_0000, RWX with U: the same program for U-mode
 *   root[4]  gigapage VA 0x1_0000_0000 whose PPN is not 1 GiB aligned (misaligned gigapage)
 *   root[1] -> l1; l1[1] a 2 MiB page at VA 0x4020_0000 -> PA 0x8060_0000, RW, A = D = 0;
 *   l1[0] -> l0, 4 KiB pages at VA 0x4000_0000 + 0x1000 * i:
 *     0 data RW           1 data RW U        2 data X-only U    3 code X U
 *     4 data R U, A = 0   5 data RW, D = 0   6 code X, A = 0    7 data RW (no X)
 *     8 a pointer at level 0 (V, no R/W/X)   9 data RW with PBMT = 1 (Svpbmt not implemented)
 *     10 data RW (data_page2)   11 invalid   12 data RW with reserved bit 54 set
 * Checked: S fetch from a page without X; a level-0 pointer; reserved PTE bits; a misaligned
 * gigapage; S stores to U pages with SUM; U-mode against S pages (load, store, fetch), U pages, and
 * X-only U pages with and without MXR; MPRV with MPP = S and U, with and without SUM; A set by a
 * fetch and by a U load, D by a store to a page with A = 1, A/D on a 2 MiB page; a faulting access
 * leaves A clear; a misaligned access that crosses into an invalid page faults with xtval = the
 * first address of the part that faults (3.1.16) and a store then changes no byte; satp writes with
 * a reserved MODE leave satp unchanged (4.1.11), and so do Sv48 and Sv57, which RvEmu does not
 * implement (its device tree says mmu-type riscv,sv39). QEMU 7.2 implements them, so what satp
 * holds afterwards is recorded and RvEmu's runner requires "unchanged" (test.h).
 */
#include "test.h"

#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)
#define PTE_RWAD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define U_ALIAS 0x40000000                  /* U-mode runs this program 1 GiB above where S does */
#define SUPERPAGE_PA 0x80600000

/* Store at offset `off` of table `table_reg` a PTE for physical address `pa_reg` with `flags`. */
#define SET_PTE(table_reg, off, pa_reg, flags)      \
        srli t0, pa_reg, 12;                        \
        slli t0, t0, 10;                            \
        li t2, flags;                               \
        or t0, t0, t2;                              \
        sd t0, off(table_reg)

#define VA_PAGE(i) (0x40000000 + 0x1000 * (i))

/* s11 must equal register `reg`. */
#define CHECK_TVAL(num, reg)                        \
        li TESTNUM, num;                            \
        bne s11, reg, test_fail

/* Continue at `label` in U-mode, through the U alias of this program. */
#define ENTER_U(label)                              \
        la t0, label;                               \
        li t1, U_ALIAS;                             \
        add t0, t0, t1;                             \
        csrw mepc, t0;                              \
        li t0, MSTATUS_MPP;                         \
        csrc mstatus, t0;                           \
        mret

/* From U: back to M at the next line, at its physical address. */
#define U_RETURN_TO_M(num)                          \
        li TESTNUM, num;                            \
        la s8, 8883f + 1;                           \
        li t0, U_ALIAS;                             \
        sub s8, s8, t0;                             \
        ecall;                                      \
        j test_fail;                                \
8883:

/* Jump to `reg` expecting an instruction page fault at it (mepc = mtval = reg). */
#define FETCH_FAULT(num, reg)                       \
        li TESTNUM, num;                            \
        la s8, 8890f;                               \
        li s9, -1;                                  \
        jalr ra, 0(reg);                            \
8890:   li s8, 0;                                   \
        CHECK(num, s9, CAUSE_FETCH_PAGE_FAULT);     \
        li TESTNUM, num;                            \
        bne s10, reg, test_fail;                    \
        bne s11, reg, test_fail

#define SET_MPP(value)                              \
        li t0, MSTATUS_MPP;                         \
        csrc mstatus, t0;                           \
        li t0, value;                               \
        csrs mstatus, t0

/* Write satp with MODE = `mode` and the root's PPN (s2); a0 = satp now - the Sv39 value (s1). */
#define SATP_TRY(mode)                              \
        li t1, mode;                                \
        slli t1, t1, 60;                            \
        or a1, t1, s2;                              \
        csrw satp, a1;                              \
        csrr a0, satp;                              \
        sub a0, a0, s1

/* A satp write with MODE = `mode` must leave satp unchanged. */
#define SATP_IGNORED(num, mode)                     \
        li TESTNUM, num;                            \
        SATP_TRY(mode);                             \
        CHECK(num, a0, 0)

/* a0 = the A and D bits of the PTE at offset `off` of table `label`. */
#define PTE_AD(label, off)                          \
        la t0, label;                               \
        ld a0, off(t0);                             \
        andi a0, a0, PTE_A | PTE_D

        TEST_BEGIN
        PMP_ALLOW_ALL

        /* contents, written through the physical addresses */
        li t1, 0x1122334455667788
        la t0, data_page
        sd t1, 0(t0)
        li t1, 0x0123456789abcdef
        la t0, data_page2 + 4088
        sd t1, 0(t0)
        li t1, 0x5a5a
        li t0, SUPERPAGE_PA
        sd t1, 0(t0)

        la s0, pt_root
        li t1, 0
        SET_PTE(s0, 0, t1, PTE_RWAD)
        la t1, pt_l1
        SET_PTE(s0, 8, t1, PTE_V)
        li t1, 0x80000000
        SET_PTE(s0, 16, t1, PTE_RWAD | PTE_X)
        SET_PTE(s0, 24, t1, PTE_RWAD | PTE_X | PTE_U)
        li t1, 0x80200000                         /* PPN[1] = 1: misaligned for a gigapage */
        SET_PTE(s0, 32, t1, PTE_RWAD)
        la s0, pt_l1
        la t1, pt_l0
        SET_PTE(s0, 0, t1, PTE_V)
        li t1, SUPERPAGE_PA
        SET_PTE(s0, 8, t1, PTE_V | PTE_R | PTE_W)
        la s0, pt_l0
        la t1, data_page
        SET_PTE(s0, 0, t1, PTE_RWAD)
        SET_PTE(s0, 8, t1, PTE_RWAD | PTE_U)
        SET_PTE(s0, 16, t1, PTE_V | PTE_X | PTE_U | PTE_A)
        la t1, code_u
        SET_PTE(s0, 24, t1, PTE_V | PTE_X | PTE_U | PTE_A)
        la t1, data_page
        SET_PTE(s0, 32, t1, PTE_V | PTE_R | PTE_U)
        SET_PTE(s0, 40, t1, PTE_V | PTE_R | PTE_W | PTE_A)
        la t1, code_s
        SET_PTE(s0, 48, t1, PTE_V | PTE_X)
        la t1, code_s                             /* code, but mapped without X */
        SET_PTE(s0, 56, t1, PTE_RWAD)
        la t1, data_page
        SET_PTE(s0, 64, t1, PTE_V)                /* level 0 has no next level */
        li t2, 1
        slli t2, t2, 61                           /* PBMT = 1 (NC) */
        srli t0, t1, 12
        slli t0, t0, 10
        ori t0, t0, PTE_RWAD
        or t0, t0, t2
        sd t0, 72(s0)
        la t1, data_page2
        SET_PTE(s0, 80, t1, PTE_RWAD)
        la t1, data_page                          /* reserved bit 54 */
        li t2, 1
        slli t2, t2, 54
        srli t0, t1, 12
        slli t0, t0, 10
        ori t0, t0, PTE_RWAD
        or t0, t0, t2
        sd t0, 96(s0)

        /* ---- satp: only Bare and Sv39 are accepted ---- */
        la t0, pt_root
        srli s2, t0, 12                           /* PPN of the root */
        li t1, 8 << 60
        or s1, s2, t1                             /* the Sv39 value */
        csrw satp, s1
        TEST_CASE(1, a0, 0, csrr a0, satp; sub a0, a0, s1)
        /* reserved MODEs: the write has no effect (4.1.11) */
        SATP_IGNORED(2, 1)
        SATP_IGNORED(3, 7)
        SATP_IGNORED(4, 11)
        SATP_IGNORED(5, 15)
        /* Sv48 and Sv57: not implemented here, so ignored too; QEMU 7.2 implements them */
        SATP_TRY(9)
        RECORD_OBSERVED(0, a0)
        csrw satp, s1
        SATP_TRY(10)
        RECORD_OBSERVED(1, a0)
        csrw satp, s1
        sfence.vma
        ENTER_MODE(1, s_mode)

s_mode:
        /* ---- fetch from a valid page without X ---- */
        li a5, VA_PAGE(7)
        FETCH_FAULT(10, a5)
        /* the same page is readable: it holds code_s */
        TEST_CASE(11, a0, 1, lw a0, 0(a5); snez a0, a0)

        /* ---- a pointer PTE at level 0: page fault (4.3.2 step 4) ---- */
        li a5, VA_PAGE(8)
        TRAP_CASE(12, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(13, a5)
        TRAP_CASE(14, CAUSE_STORE_PAGE_FAULT, sd a0, 8(a5))

        /* ---- reserved PTE bits: PBMT without Svpbmt, bit 54: page fault ---- */
        li a5, VA_PAGE(9)
        TRAP_CASE(15, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(15, a5)
        li a5, VA_PAGE(12)
        TRAP_CASE(16, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(16, a5)

        /* ---- misaligned gigapage (PPN[1] != 0): page fault for every access ---- */
        li a5, 0x100000000
        TRAP_CASE(17, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(18, a5)
        TRAP_CASE(19, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a5))
        FETCH_FAULT(20, a5)

        /* ---- S stores to a U page need SUM, like loads ---- */
        li a5, VA_PAGE(1)
        TRAP_CASE(21, CAUSE_STORE_PAGE_FAULT, sd a0, 16(a5))
        addi t1, a5, 16
        CHECK_TVAL(22, t1)
        li t0, MSTATUS_SUM
        csrs sstatus, t0
        TEST_CASE(23, a0, 0x77, li a1, 0x77; sd a1, 16(a5); li t0, VA_PAGE(0); ld a0, 16(t0))
        li t0, MSTATUS_SUM
        csrc sstatus, t0

        /* ---- A set by a fetch, D by a store to a page with A = 1 and D = 0 ---- */
        TEST_CASE(30, a0, 0, PTE_AD(pt_l0, 48))
        li a5, VA_PAGE(6)
        TEST_CASE(31, a0, 66, li a0, 0; jalr ra, 0(a5))
        TEST_CASE(32, a0, PTE_A, PTE_AD(pt_l0, 48))
        li a5, VA_PAGE(5)
        TEST_CASE(33, a0, PTE_A, ld a1, 0(a5); PTE_AD(pt_l0, 40))
        TEST_CASE(34, a0, PTE_A | PTE_D, sd a1, 24(a5); PTE_AD(pt_l0, 40))

        /* ---- A and D on a 2 MiB page ---- */
        li a5, 0x40200000
        TEST_CASE(35, a0, 0, PTE_AD(pt_l1, 8))
        TEST_CASE(36, a1, 0x5a5a, ld a1, 0(a5))
        TEST_CASE(37, a0, PTE_A, PTE_AD(pt_l1, 8))
        li t0, 0x1fff8                            /* further inside the same 2 MiB page */
        add t0, a5, t0
        TEST_CASE(38, a0, PTE_A | PTE_D, sd a1, 0(t0); PTE_AD(pt_l1, 8))

        /* ---- a misaligned access crossing into an invalid page: xtval = where the faulting part
         * begins (3.1.16) ---- */
        li a5, VA_PAGE(11)
        TRAP_CASE(40, CAUSE_LOAD_PAGE_FAULT, ld a0, -4(a5))
        CHECK_TVAL(40, a5)
        TRAP_CASE(41, CAUSE_STORE_PAGE_FAULT, sd zero, -4(a5))
        CHECK_TVAL(41, a5)
        /* the store changed nothing in the valid page */
        TEST_CASE(42, a0, 0x0123456789abcdef, la t0, data_page2 + 4088; ld a0, 0(t0))

        RETURN_TO_M(49)

        /* ---- U-mode ---- */
        li t0, MSTATUS_MXR
        csrc mstatus, t0
        ENTER_U(u_mode)
u_mode:
        /* a supervisor page: every access faults, whatever SUM says */
        li a5, VA_PAGE(0)
        TRAP_CASE(50, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(51, a5)
        TRAP_CASE(52, CAUSE_STORE_PAGE_FAULT, sd a0, 8(a5))
        addi t1, a5, 8
        CHECK_TVAL(53, t1)
        la a5, code_s                              /* through the S-only program mapping */
        li t0, U_ALIAS
        sub a5, a5, t0
        FETCH_FAULT(54, a5)
        /* a user page: load and store */
        li a5, VA_PAGE(1)
        TEST_CASE(55, a0, 0x1122334455667788, ld a0, 0(a5))
        TEST_CASE(56, a0, 0x99, li a1, 0x99; sd a1, 32(a5); ld a0, 32(a5))
        /* execute-only user page: no loads without MXR; fetch from a U code page */
        li a5, VA_PAGE(2)
        TRAP_CASE(57, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(58, a5)
        li a5, VA_PAGE(3)
        TEST_CASE(59, a0, 77, li a0, 0; jalr ra, 0(a5))
        /* read-only user page with A = 0: a store faults and leaves A clear; a load sets A */
        li a5, VA_PAGE(4)
        TRAP_CASE(60, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a5))
        CHECK_TVAL(61, a5)
        U_RETURN_TO_M(62)
        TEST_CASE(63, a0, 0, PTE_AD(pt_l0, 32))
        li t0, MSTATUS_MXR
        csrs mstatus, t0
        ENTER_U(1f)
1:      li a5, VA_PAGE(4)
        TEST_CASE(64, a0, 0x1122334455667788, ld a0, 0(a5))
        /* MXR: the execute-only user page is readable from U too */
        li a5, VA_PAGE(2)
        TEST_CASE(65, a0, 0x1122334455667788, ld a0, 0(a5))
        TRAP_CASE(66, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a5))
        U_RETURN_TO_M(67)
        TEST_CASE(68, a0, PTE_A, PTE_AD(pt_l0, 32))
        li t0, MSTATUS_MXR
        csrc mstatus, t0

        /* ---- M-mode with MPRV: loads and stores translated as MPP's mode (3.1.6.3). Every trap
         * taken here comes from M and its mret leaves MPP = U, so MPP is set before each access. ---- */
        li t0, MSTATUS_MPRV
        csrs mstatus, t0
        li a5, VA_PAGE(1)                          /* a user page: S needs SUM */
        SET_MPP(MSTATUS_MPP_S)
        TRAP_CASE(70, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(71, a5)
        SET_MPP(MSTATUS_MPP_S)
        TRAP_CASE(72, CAUSE_STORE_PAGE_FAULT, sd a0, 0(a5))
        SET_MPP(MSTATUS_MPP_S)
        li t0, MSTATUS_SUM
        csrs mstatus, t0
        TEST_CASE(73, a0, 0x1122334455667788, ld a0, 0(a5))
        li t0, MSTATUS_SUM
        csrc mstatus, t0
        li a5, VA_PAGE(7)                          /* a page without X: loads work, and M's own */
        TEST_CASE(74, a0, 1, lw a0, 0(a5); snez a0, a0)    /* fetches are never translated */
        /* MPP = U: supervisor pages fault, user pages work */
        SET_MPP(0)
        li a5, VA_PAGE(0)
        TRAP_CASE(75, CAUSE_LOAD_PAGE_FAULT, ld a0, 0(a5))
        CHECK_TVAL(76, a5)
        SET_MPP(0)
        li a5, VA_PAGE(1)
        TEST_CASE(77, a0, 0x1122334455667788, ld a0, 0(a5))
        /* traps from M and their mret (back to M) leave MPRV set */
        TEST_CASE(78, a0, MSTATUS_MPRV, csrr a0, mstatus; li t0, MSTATUS_MPRV; and a0, a0, t0)
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        csrw satp, zero

        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected:
        .dword 0                        /* satp - the Sv39 value after a write with MODE = Sv48 */
        .dword 0                        /* ... with MODE = Sv57 */
spec_observed:
        .dword 0, 0

        /* code pages reached only through VA_PAGE(3) (user) and VA_PAGE(6) (supervisor) */
        .section .text.codepage, "ax", @progbits
        .balign 4096
code_u:
        li a0, 77
        ret
        .balign 4096
code_s:
        li a0, 66
        ret

        .section .bss
        .balign 4096
pt_root:    .skip 4096
pt_l1:      .skip 4096
pt_l0:      .skip 4096
data_page:  .skip 4096
data_page2: .skip 4096
