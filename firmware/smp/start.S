/*
 * Entry of the multi-hart conformance program (bare metal, M-mode, every hart).
 * QEMU's boot ROM (and RvEmu's) start every hart at 0x8000_0000 with a0 = hartid, a1 = FDT.
 * Each hart gets a 16 KiB stack; any trap is unexpected and ends the run (trap_unexpected).
 */
    .section .text.init
    .globl _start
_start:
    csrw    mie, zero
    la      t0, trap_entry
    csrw    mtvec, t0
    la      sp, stacks_end
    slli    t0, a0, 14
    sub     sp, sp, t0
    tail    smp_main

    .align 2
trap_entry:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    csrr    a3, mhartid
    tail    trap_unexpected

    .section .bss
    .align 4
stacks:
    .skip   8 * 16384
stacks_end:
