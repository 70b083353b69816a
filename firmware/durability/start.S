/* Entry of the durability guest: a stack, no trap handler (any trap spins at 0, which the host sees as silence). */
.section .text.init
.globl _start
_start:
    la sp, stack_top
    call main
1:  j 1b

.bss
.align 4
.space 8192
stack_top:
