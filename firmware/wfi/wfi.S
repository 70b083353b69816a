# WFI idle test: arm the CLINT timer 3 seconds ahead, sleep in WFI until the machine-timer interrupt,
# then power off (exit 0). Used to measure that a waiting guest costs the host almost no CPU
# (privileged spec 3.3.3: WFI lets the implementation stall the hart until an interrupt is pending).
    .equ CLINT_MTIMECMP, 0x2004000
    .equ CLINT_MTIME,    0x200bff8
    .equ FINISHER,       0x100000
    .equ WAIT_TICKS,     30000000         # 3 s at the 10 MHz timebase

    .section .text.start
    .globl _start
_start:
    la      t0, trap
    csrw    mtvec, t0
    li      t0, CLINT_MTIME
    ld      t1, 0(t0)
    li      t2, WAIT_TICKS
    add     t1, t1, t2
    li      t0, CLINT_MTIMECMP
    sd      t1, 0(t0)
    li      t0, 1 << 7                   # mie.MTIE
    csrw    mie, t0
    csrsi   mstatus, 1 << 3              # mstatus.MIE
1:  wfi
    j       1b                           # spurious wake-ups go back to sleep

    .align 2
trap:
    csrr    t0, mcause
    li      t1, (1 << 63) | 7            # machine timer interrupt
    li      t2, FINISHER
    bne     t0, t1, fail
    li      t1, 0x5555
    sw      t1, 0(t2)
fail:
    li      t1, (1 << 16) | 0x3333
    sw      t1, 0(t2)
2:  j       2b
