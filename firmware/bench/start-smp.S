# Bare-metal entry for multi-hart benchmark workloads: every hart gets its own 16 KiB stack and
# calls parallel_main(hartid, fdt); the workload reports through the SiFive finisher itself.
    .section .text.start
    .globl _start
_start:
    la      sp, hart_stacks
    addi    t0, a0, 1
    slli    t0, t0, 14
    add     sp, sp, t0
    call    parallel_main
1:  wfi
    j       1b
