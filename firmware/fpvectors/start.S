# Entry for the bare-metal C programs in this directory (gen.c, fpbench.c).
# M-mode, -bios none: set a stack, turn the FPU on (priv spec 3.1.6.6: mstatus.FS = Initial),
# run main, then report through the SiFive test finisher at 0x100000:
# 0x5555 = pass, (code << 16) | 0x3333 = fail with code.
    .file   "start.S"            # a fixed name: otherwise the preprocessor's temporary file names the symbol table
    .section .text.init
    .globl _start
_start:
    la      sp, _stack_top
    la      t0, trap
    csrw    mtvec, t0
    li      t0, 1 << 13
    csrs    mstatus, t0
    fscsr   zero
    call    main
finish:
    li      t0, 0x100000
    bnez    a0, 1f
    li      t1, 0x5555
    sw      t1, 0(t0)
    j       .
1:  slli    a0, a0, 16
    li      t1, 0x3333
    or      a0, a0, t1
    sw      a0, 0(t0)
    j       .

# Any trap is a failure: exit with code 0x100 + mcause.
    .align  2
trap:
    csrr    a0, mcause
    addi    a0, a0, 0x100
    j       finish
