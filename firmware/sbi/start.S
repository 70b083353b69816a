/*
 * RvEmu SBI firmware: entry, trap entry/exit and the few things C cannot do.
 *
 * QEMU's boot ROM enters here in M-mode on every hart with a0 = hartid, a1 = FDT
 * address, a2 = struct fw_dynamic_info address.
 */
    .file "start.S"   /* a fixed FILE symbol: keeps the ELF byte-reproducible */
#include "csr.h"
#include "platform.h"

    .section .text.entry, "ax"
    .globl _start
_start:
    csrw    mie, zero
    la      t0, early_trap
    csrw    mtvec, t0
    csrr    s0, mhartid
    mv      s1, a1
    mv      s2, a2
    li      t0, MAX_HARTS
    bgeu    s0, t0, park            /* no stack or state for this hart: it never runs */

    /* sp = top of this hart's M-mode stack */
    la      sp, fw_stacks
    addi    t0, s0, 1
    slli    t0, t0, STACK_SHIFT
    add     sp, sp, t0

    /*
     * Hart 0 boots the system and the others wait for it (then sit in HSM STOPPED). A fixed boot
     * hart, rather than OpenSBI's lottery, makes the boot the same on every run, the console
     * says "hart 0" as QEMU's boot ROM (fw_dynamic_info.boot_hart = 0) suggests, and a run
     * under --icount does not depend on which thread got there first.
     */
    csrr    t1, mhartid
    bnez    t1, .Lsecondary

    /* Boot hart: clear .bss (stacks, hart states), then C. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    call    boot_main               /* does not return */
    j       park

    /* Other harts wait until the boot hart has set up shared state. */
.Lsecondary:
    la      t0, boot_done
3:  lw      t1, 0(t0)
    beqz    t1, 3b
    fence   r, rw
    mv      a0, s0
    call    secondary_main          /* does not return */
park:
    wfi
    j       park

/*
 * A trap before trap_entry is installed (boot code): report it and fail. Every hart has
 * its stack by the time it runs anything that can trap.
 */
    .align 2
early_trap:
    la      a0, early_msg
    csrr    a1, mcause
    csrr    a2, mepc
    csrr    a3, mtval
    call    fatal                   /* does not return */

    .section .rodata
early_msg:
    .asciz  "trap during boot"

    .text
/*
 * Trap entry (mtvec, direct mode, priv 3.1.7). mscratch holds this hart's struct hart
 * while the hart runs below M-mode; M-mode code never traps into here (guarded
 * accesses install guard_vector instead), so no nesting is needed.
 */
    .globl trap_entry
    .align 2
trap_entry:
    csrrw   sp, mscratch, sp        /* sp = struct hart, mscratch = interrupted sp */
    sd      x1, 1*8(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n*8(sp)
    .endr
    csrr    t0, mscratch
    sd      t0, 2*8(sp)             /* regs[2] = interrupted sp */
    mv      s0, sp
    mv      a0, sp
    ld      sp, 32*8(sp)            /* stack_top */
    call    trap_handler
    mv      sp, s0
    csrw    mscratch, sp
    ld      x1, 1*8(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, \n*8(sp)
    .endr
    ld      sp, 2*8(sp)
    mret

/*
 * void enter_next(struct hart *h, unsigned long addr, unsigned long a0, unsigned long a1)
 * Leave M-mode for good: mret to addr with a0/a1 set (the caller has set mstatus.MPP
 * and satp). The M-mode stack in use is abandoned; the next trap starts afresh.
 */
    .globl enter_next
enter_next:
    csrw    mscratch, a0
    csrw    mepc, a1
    mv      a0, a2
    mv      a1, a3
    .irp n, 1,2,3,4,5,6,7,8,9,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li      x\n, 0
    .endr
    mret

/*
 * Guarded accesses: for one instruction, mtvec points at guard_vector, which records
 * mcause/mtval in t5/t6 and skips the faulting instruction. Those instructions are
 * assembled without RVC so that "skip" is always +4.
 */
    .align 2
guard_vector:
    csrr    t5, mcause
    csrr    t6, mtval
    csrr    t4, mepc
    addi    t4, t4, 4
    csrw    mepc, t4
    mret

/*
 * unsigned long guarded_ld(unsigned long addr, unsigned long mstatus_set, struct trap_info *t)
 * Load 8 bytes from addr with mstatus |= mstatus_set for the access (MSTATUS_MPRV: as
 * S-mode would see it, priv 3.1.6.3). t->cause is 0, or mcause if the load trapped.
 */
    .globl guarded_ld
guarded_ld:
    csrr    t0, mtvec
    csrr    t1, mepc
    csrr    t2, mstatus
    la      t3, guard_vector
    csrw    mtvec, t3
    li      t5, 0
    li      t6, 0
    csrs    mstatus, a1
    .option push
    .option norvc
    ld      a0, 0(a0)
    .option pop
    csrw    mstatus, t2             /* drops MPRV; restores MPP/MPIE a trap overwrote */
    csrw    mepc, t1
    csrw    mtvec, t0
    sd      t5, 0(a2)
    sd      t6, 8(a2)
    ret

/*
 * int setup_menvcfg(void)  (priv 3.1.18)
 * Let S-mode use what the hart has: Svpbmt (PBMTE), Zicboz (CBZE), Zicbom (CBCFE, and
 * CBIE = 01: cbo.inval acts as a flush); the fields are WARL, so absent ones read 0.
 * Returns 1 if Sstc is usable: STCE sticks and stimecmp exists; then STCE stays set and
 * stimecmp = ~0 (no timer pending). Otherwise STCE is cleared and 0 returned. menvcfg
 * and stimecmp may not exist at all (illegal instruction), hence the guard.
 */
    .globl setup_menvcfg
setup_menvcfg:
    csrr    t0, mtvec
    csrr    t1, mepc
    csrr    t2, mstatus
    la      t3, guard_vector
    csrw    mtvec, t3
    li      t5, 0
    li      t3, 3
    slli    t3, t3, 62              /* STCE (63) | PBMTE (62) */
    ori     t3, t3, 0xd0            /* CBZE (7) | CBCFE (6) | CBIE = 01 (5:4) */
    li      a1, -1
    .option push
    .option norvc
    csrs    CSR_MENVCFG, t3
    csrr    a0, CSR_MENVCFG
    bnez    t5, 1f
    srli    a0, a0, 63              /* STCE stuck? */
    beqz    a0, 1f
    csrw    CSR_STIMECMP, a1
    beqz    t5, 2f
1:  li      a0, 0
    li      t3, 1
    slli    t3, t3, 63
    csrc    CSR_MENVCFG, t3
2:
    .option pop
    csrw    mstatus, t2
    csrw    mepc, t1
    csrw    mtvec, t0
    ret

    .section .data
    .align 2
    .globl boot_done
boot_done:    .word 0               /* in .data (not .bss): read before .bss is cleared */

    .section .bss
    .align 4
    .globl  fw_stacks
fw_stacks:
    .skip   MAX_HARTS * STACK_SIZE
