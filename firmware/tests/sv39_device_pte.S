// march: rv64imac_zicsr
/*
 * Page tables live in memory: a page-table walk that reaches a PTE address on a device is an access
 * fault (privileged spec 4.3.2 step 2, the PMA check; QEMU 7.2 faults too), and must not read or
 * write the device. Here satp's root table is the CLINT's mtimecmp0 register, which holds what would
 * be a valid leaf PTE with A = 0: a load translated as S-mode (MPRV with MPP = S, so the fetch stays
 * untranslated) must fault (cause 5), and mtimecmp0 must keep its value (a hardware A/D update would
 * have set bit 6). QEMU 7.2 reads such a PTE too, and when it would have to update A it raises a
 * load page fault (13) instead: the program accepts both and records the cause for RvEmu's runner,
 * which requires the spec's access fault.
 */
#include "test.h"

#define MTIMECMP0 0x2004000

        TEST_BEGIN
        PMP_ALLOW_ALL
        li s0, MTIMECMP0
        li t0, (0x80000 << 10) | 0x0f           /* V R W X, A = D = 0: a 1 GiB leaf at 0x8000_0000 */
        sd t0, 0(s0)
        li t0, (8 << 60) | (MTIMECMP0 >> 12)    /* Sv39, root = the page holding mtimecmp0 */
        csrw satp, t0
        sfence.vma
        li TESTNUM, 1
        li s9, -1
        la s8, back_in_m + 1                    /* resume in M with MPP = M: MPRV no longer translates */
        li t0, MSTATUS_MPP
        csrc mstatus, t0
        li t0, MSTATUS_MPP_S | MSTATUS_MPRV
        csrs mstatus, t0
        ld a0, 0(zero)                          /* VA 0 as S: level-2 PTE at root + 0 = mtimecmp0 */
        j test_fail
back_in_m:
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        csrw satp, zero
        sfence.vma
        RECORD_OBSERVED(0, s9)
        li t0, CAUSE_LOAD_ACCESS
        beq s9, t0, 1f
        CHECK(1, s9, CAUSE_LOAD_PAGE_FAULT)     /* QEMU 7.2 */
1:
        CHECK(2, s11, 0)                        /* mtval = the virtual address */
        ld a0, 0(s0)
        CHECK(3, a0, (0x80000 << 10) | 0x0f)    /* the device register is unchanged */
        li t0, -1
        sd t0, 0(s0)
        TEST_END

        .section .data
        .balign 8
        .globl spec_expected, spec_observed
spec_expected:
        .dword CAUSE_LOAD_ACCESS
spec_observed:
        .dword 0
