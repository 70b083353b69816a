# A hart that can never wake: Sstc on with stimecmp already in the past (STIP pending) but every
# interrupt disabled in mie, then WFI (privileged spec 3.3.3: WFI waits for a pending *and enabled*
# interrupt). Nothing can end this but the host: under --icount RvEmu must say so and exit 125, and
# in real time it must sleep (not spin a host core) and still honour --timeout and --max-instructions.
    .equ MENVCFG_STCE_BIT, 63

    .section .text.start
    .globl _start
_start:
    csrw    mie, zero
    li      t0, 1
    slli    t0, t0, MENVCFG_STCE_BIT
    csrs    0x30a, t0                    # menvcfg.STCE
    csrw    0x14d, zero                  # stimecmp = 0: in the past, so STIP is pending
1:  wfi
    j       1b
