# Bare-metal entry for the benchmark workloads: stack, call main, report through the SiFive finisher.
    .section .text.start
    .globl _start
_start:
    la      sp, __stack_top
    call    main
    li      t0, 0x100000
    li      t1, 0x5555
    beqz    a0, 1f
    slli    t1, a0, 16
    ori     t1, t1, 0x333
    li      t2, 0x3000
    or      t1, t1, t2
1:  sw      t1, 0(t0)
2:  j       2b
