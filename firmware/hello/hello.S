# The smallest bundled program: print a greeting on the NS16550A UART, then power off through the
# SiFive test finisher (exit code 0). Runs on RvEmu and on qemu-system-riscv64 -machine virt -bios none.
    .equ UART_BASE, 0x10000000
    .equ UART_THR, 0
    .equ UART_LSR, 5
    .equ LSR_THRE, 0x20
    .equ FINISHER, 0x100000

    .section .text.start
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park                 # only hart 0 speaks
    li      s0, UART_BASE
    la      s1, message
next:
    lbu     a0, 0(s1)
    beqz    a0, done
wait:
    lbu     t1, UART_LSR(s0)         # 16550 datasheet: LSR bit 5, transmitter holding register empty
    andi    t1, t1, LSR_THRE
    beqz    t1, wait
    sb      a0, UART_THR(s0)
    addi    s1, s1, 1
    j       next
done:
    li      t0, FINISHER
    li      t1, 0x5555
    sw      t1, 0(t0)
park:
    wfi
    j       park

    .section .rodata
message:
    .asciz "Hello from RISC-V! RvEmu is running an RV64 guest on QEMU's virt board.\n"
