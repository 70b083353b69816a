# Entry: a stack, main, then its return value to the SiFive test finisher.
    .section .text.start
    .globl _start
_start:
    la      sp, __stack_top
    call    main
    call    exit_with
1:  j       1b
