/* Entry point and trap vector of the RvEmu guest kernel.
 * OpenSBI enters _start at physical 0x8020_0000 in S-mode with a0 = hart id, a1 = FDT
 * (physical) address, satp = 0 (Bare) and interrupts disabled. The kernel is linked at
 * 0xffff_ffc0_8020_0000 (link.ld), so until Sv39 is on only position-independent code may
 * run: `la` here is auipc-relative and gives physical addresses. */

    .file "start.S"   /* a fixed STT_FILE name: otherwise the temporary object name leaks into the ELF */

/* Sv39 leaf PTE for a 1 GiB gigapage: V R W X A D (priv spec 4.4.1; A and D preset so the
 * hart never needs to update them, which Svade-style implementations would fault on). */
#define PTE_GIGA_RWX 0xcf
#define SATP_SV39 (8 << 60)

    .section .text.start, "ax"
    .globl _start
_start:
    mv      s0, a0
    mv      s1, a1
    csrw    sie, zero                 /* nothing enabled until trap_init */
    csrci   sstatus, 2                /* sstatus.SIE = 0 */
    /* Clear .bss (8-byte steps: the linker script aligns both ends to 16). */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* The boot page table: four gigapages of RAM from 0x8000_0000 mapped twice, at their
     * physical address (so the instruction after the satp write still fetches) and at
     * LINEAR_BASE + physical (where the kernel is linked). mm.c replaces this table with
     * the real one built from what the FDT says. */
    la      t0, boot_pt
    li      t1, (0x80000 << 10) | PTE_GIGA_RWX   /* PPN of 0x8000_0000 */
    li      t2, (0x40000 << 10)                  /* one gigapage, in PTE units */
    li      t3, 4
    addi    t4, t0, 2 * 8                        /* VPN[2] = 2: 0x8000_0000 */
    li      t5, 258 * 8                          /* VPN[2] = 258: 0xffff_ffc0_8000_0000 */
    add     t5, t0, t5
3:  sd      t1, 0(t4)
    sd      t1, 0(t5)
    add     t1, t1, t2
    addi    t4, t4, 8
    addi    t5, t5, 8
    addi    t3, t3, -1
    bnez    t3, 3b
    srli    t0, t0, 12
    li      t1, SATP_SV39
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma
    /* Jump to the linked (virtual) address: an absolute address from a literal. */
    ld      t0, 4f
    jr      t0
    .balign 8
4:  .dword  _start_virtual

_start_virtual:
    /* From here on `la` gives virtual addresses. */
    la      t0, trap_entry
    csrw    stvec, t0                 /* direct mode: trap_entry is 16-byte aligned */
    la      sp, __stack_top
    csrw    sscratch, sp              /* the trap stack (see trap_entry) */
    li      fp, 0                     /* ends backtraces */
    mv      a0, s0
    mv      a1, s1
    call    main
    /* main does not return; if it ever does, report an internal error. */
    li      a0, 1
    call    guest_exit
5:  wfi
    j       5b

/* Runs fn() on the stack whose top is `sp` (a0 = new sp, a1 = fn); never returns. */
    .globl run_on_stack
run_on_stack:
    mv      sp, a0
    li      fp, 0
    jalr    a1
6:  wfi
    j       6b

/* Trap vector: every trap runs on the trap stack whose top sscratch holds (the kernel
 * never leaves S-mode, so the interrupted code's sp is a kernel stack, possibly just
 * overflowed into its guard page). Saves every integer register and the trap CSRs in a
 * struct trap_frame (trap.h), calls trap_handler(frame), restores, sret. */
#define FRAME_SIZE (36 * 8)
#define SAVE(r) sd x##r, (r * 8)(sp)
#define LOAD(r) ld x##r, (r * 8)(sp)

    .section .text
    .balign 16
    .globl trap_entry
trap_entry:
    csrrw   sp, sscratch, sp          /* sp = trap stack, sscratch = interrupted sp */
    addi    sp, sp, -FRAME_SIZE
    SAVE(1)
    SAVE(3)
    SAVE(4)
    SAVE(5)
    SAVE(6)
    SAVE(7)
    SAVE(8)
    SAVE(9)
    SAVE(10)
    SAVE(11)
    SAVE(12)
    SAVE(13)
    SAVE(14)
    SAVE(15)
    SAVE(16)
    SAVE(17)
    SAVE(18)
    SAVE(19)
    SAVE(20)
    SAVE(21)
    SAVE(22)
    SAVE(23)
    SAVE(24)
    SAVE(25)
    SAVE(26)
    SAVE(27)
    SAVE(28)
    SAVE(29)
    SAVE(30)
    SAVE(31)
    csrr    t0, sscratch
    sd      t0, (2 * 8)(sp)           /* sp as it was before the trap */
    csrr    t0, sepc
    sd      t0, (32 * 8)(sp)
    csrr    t0, sstatus
    sd      t0, (33 * 8)(sp)
    csrr    t0, scause
    sd      t0, (34 * 8)(sp)
    csrr    t0, stval
    sd      t0, (35 * 8)(sp)
    mv      a0, sp
    call    trap_handler
    ld      t0, (32 * 8)(sp)
    csrw    sepc, t0
    ld      t0, (33 * 8)(sp)
    csrw    sstatus, t0               /* restores SPP/SPIE for sret */
    addi    t0, sp, FRAME_SIZE
    csrw    sscratch, t0              /* the trap stack is empty again */
    LOAD(1)
    LOAD(3)
    LOAD(4)
    LOAD(5)
    LOAD(6)
    LOAD(7)
    LOAD(8)
    LOAD(9)
    LOAD(10)
    LOAD(11)
    LOAD(12)
    LOAD(13)
    LOAD(14)
    LOAD(15)
    LOAD(16)
    LOAD(17)
    LOAD(18)
    LOAD(19)
    LOAD(20)
    LOAD(21)
    LOAD(22)
    LOAD(23)
    LOAD(24)
    LOAD(25)
    LOAD(26)
    LOAD(27)
    LOAD(28)
    LOAD(29)
    LOAD(30)
    LOAD(31)
    ld      sp, (2 * 8)(sp)
    sret
