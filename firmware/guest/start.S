/* Entry point and trap vector of the RvEmu guest kernel.
 * OpenSBI enters _start in S-mode at 0x8020_0000 with a0 = hart id, a1 = FDT address,
 * satp = 0 (Bare) and interrupts disabled. */

    .file "start.S"   /* a fixed STT_FILE name: otherwise the temporary object name leaks into the ELF */

    .section .text.start, "ax"
    .globl _start
_start:
    /* Keep the two boot arguments in callee-saved registers while memory is set up. */
    mv      s0, a0
    mv      s1, a1
    csrw    sie, zero                 /* nothing enabled until trap_init */
    csrci   sstatus, 2                /* sstatus.SIE = 0 */
    la      t0, trap_entry
    csrw    stvec, t0                 /* direct mode: trap_entry is 16-byte aligned */
    la      sp, __stack_top
    /* Clear .bss (8-byte steps: the linker script aligns both ends to 16). */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  mv      a0, s0
    mv      a1, s1
    call    main
    /* main does not return; if it ever does, report an internal error. */
    li      a0, 1
    call    guest_exit
3:  wfi
    j       3b

/* Trap vector: save every integer register and the trap CSRs in a struct trap_frame
 * (trap.h) on the current stack, call trap_handler(frame), restore, sret. Traps only
 * come from S-mode here, so the kernel stack is the one in use. */
#define FRAME_SIZE (36 * 8)
#define SAVE(r) sd x##r, (r * 8)(sp)
#define LOAD(r) ld x##r, (r * 8)(sp)

    .section .text
    .balign 16
    .globl trap_entry
trap_entry:
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
    addi    t0, sp, FRAME_SIZE
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
    addi    sp, sp, FRAME_SIZE
    sret
