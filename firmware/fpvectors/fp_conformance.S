# F/D conformance checks that need more than one instruction: mstatus.FS (Off makes FP instructions
# and fcsr illegal, writes make it Dirty and set SD), NaN boxing, dynamic rounding through frm,
# reserved rounding modes, compressed FP loads and stores, fcsr aliasing, flag accrual.
# Bare metal, M-mode (qemu-system-riscv64 -machine virt -bios none -kernel fp_conformance.elf).
# Passes by writing 0x5555 to the SiFive test finisher; fails with (test number << 16) | 0x3333.
# Any trap records mcause in s11 and skips the trapping instruction.

#define FINISHER 0x100000
#define ILLEGAL 2
#define FS_MASK (3 << 13)

# Expect the previous instruction to have trapped with `cause` (or not at all for -1).
.macro expect_trap cause
    li      t1, \cause
    bne     s11, t1, fail
    li      s11, -1
.endm

# Expect mstatus.FS == fs.
.macro expect_fs fs
    csrr    t2, mstatus
    srli    t3, t2, 13
    andi    t3, t3, 3
    li      t4, \fs
    bne     t3, t4, fail
.endm

.macro set_fs fs
    li      t0, FS_MASK
    csrc    mstatus, t0
    li      t0, (\fs) << 13
    csrs    mstatus, t0
.endm

    .file   "fp_conformance.S"   # a fixed name: otherwise the preprocessor's temporary file names the symbol table
    .section .text.init
    .globl  _start
_start:
    la      sp, stack_top
    la      t0, trap
    csrw    mtvec, t0
    li      s11, -1

# 1: FS = Off: FP instructions (32-bit and compressed) and fcsr accesses are illegal.
    li      s10, 1
    set_fs  0
    fadd.d  f0, f1, f2
    expect_trap ILLEGAL
    la      a1, data
    flw     fa0, 0(a1)
    expect_trap ILLEGAL
    c.fld   fa0, 8(a1)
    expect_trap ILLEGAL
    fmv.x.d t1, fa0
    expect_trap ILLEGAL
    csrr    a0, fcsr
    expect_trap ILLEGAL
    csrwi   fflags, 1
    expect_trap ILLEGAL
    csrr    a0, frm
    expect_trap ILLEGAL
    expect_fs 0

# 2: FS = Initial; writing an FP register makes it Dirty and sets SD (mstatus bit 63).
    li      s10, 2
    set_fs  1
    expect_fs 1
    bltz    t2, fail
    fmv.d.x f1, zero
    expect_trap -1
    expect_fs 3
    bgez    t2, fail

# 3: FS = Clean: stores, moves to integer registers and fcsr reads change no FP state;
#    an fcsr write does.
    li      s10, 3
    set_fs  2
    la      a1, scratch
    fsd     f1, 0(a1)
    fsw     f1, 8(a1)
    fmv.x.d t1, f1
    csrr    t1, fcsr
    expect_fs 2
    bltz    t2, fail
    csrwi   fflags, 0
    expect_fs 3
    set_fs  2
    fld     f1, 0(a1)
    expect_fs 3

# 4: NaN boxing (spec 12.2).
    li      s10, 4
    la      a1, data
    flw     f1, 0(a1)                # 1.0f: boxed on load
    fmv.x.d t1, f1
    li      t2, 0xffffffff3f800000
    bne     t1, t2, fail
    li      t1, 0x3f800000           # 1.0f without a box
    fmv.d.x f2, t1
    fadd.s  f3, f2, f1               # f2 reads as the canonical NaN
    fmv.x.d t1, f3
    li      t2, 0xffffffff7fc00000
    bne     t1, t2, fail
    fmv.x.w t1, f2                   # fmv.x.w copies the low word regardless of boxing
    li      t2, 0x3f800000
    bne     t1, t2, fail
    li      t1, 0xbf800000
    fmv.w.x f4, t1                   # boxed
    fmv.x.d t1, f4
    li      t2, 0xffffffffbf800000
    bne     t1, t2, fail
    fmv.x.w t1, f4                   # sign-extended
    bne     t1, t2, fail
    fcvt.d.s f5, f2                  # unboxed input: canonical NaN, no flags
    fmv.x.d t1, f5
    li      t2, 0x7ff8000000000000
    bne     t1, t2, fail
    csrr    t1, fflags
    bnez    t1, fail

# 5: dynamic rounding: frm = 0..4 with rm = dyn.
    li      s10, 5
    la      a1, data
    fld     f1, 8(a1)                # 1.0
    fld     f2, 16(a1)               # 2^-53: half an ulp of 1
    fld     f4, 24(a1)               # -1.0
    fld     f6, 32(a1)               # 2.5
    fneg.d  f7, f6                   # -2.5
    la      s2, expect_round
    li      s0, 0
1:  fsrm    s0
    csrwi   fflags, 0
    fadd.d  f3, f1, f2, dyn          # 1 + 2^-53
    fmv.x.d t1, f3
    ld      t2, 0(s2)
    bne     t1, t2, fail
    fsub.d  f3, f4, f2, dyn          # -1 - 2^-53
    fmv.x.d t1, f3
    ld      t2, 8(s2)
    bne     t1, t2, fail
    fcvt.w.d t1, f6, dyn             # 2.5
    ld      t2, 16(s2)
    bne     t1, t2, fail
    fcvt.w.d t1, f7, dyn             # -2.5
    ld      t2, 24(s2)
    bne     t1, t2, fail
    csrr    t1, fcsr                 # frm in 7:5, NX accrued
    slli    t2, s0, 5
    ori     t2, t2, 1
    bne     t1, t2, fail
    addi    s2, s2, 32
    addi    s0, s0, 1
    li      t1, 5
    blt     s0, t1, 1b
    # A static rounding mode overrides frm.
    fsrmi   3                        # RUP
    fadd.d  f3, f1, f2, rtz
    fmv.x.d t1, f3
    li      t2, 0x3ff0000000000000
    bne     t1, t2, fail
    fsrmi   0

# 6: reserved rounding modes: static 5 and 6, and dyn with frm = 5, 6, 7, are illegal.
    li      s10, 6
    .insn r 0x53, 5, 1, f3, f1, f2   # fadd.d, rm = 5
    expect_trap ILLEGAL
    .insn r 0x53, 6, 1, f3, f1, f2   # fadd.d, rm = 6
    expect_trap ILLEGAL
    li      s0, 5
2:  fsrm    s0
    fadd.d  f3, f1, f2, dyn
    expect_trap ILLEGAL
    fsqrt.s f3, f1, dyn
    expect_trap ILLEGAL
    fcvt.l.d t1, f1, dyn
    expect_trap ILLEGAL
    fadd.d  f3, f1, f2, rne          # static: fine
    expect_trap -1
    fsgnj.d f3, f1, f2               # no rounding mode: fine
    expect_trap -1
    addi    s0, s0, 1
    li      t1, 8
    blt     s0, t1, 2b
    frrm    t1                       # frm keeps the reserved value written
    li      t2, 7
    bne     t1, t2, fail
    fsrmi   0

# 7: compressed FP loads and stores (c.fld, c.fsd, c.fldsp, c.fsdsp).
    li      s10, 7
    la      a1, cdata
    c.fld   fa0, 8(a1)
    c.fsd   fa0, 16(a1)
    ld      t1, 16(a1)
    ld      t2, 8(a1)
    bne     t1, t2, fail
    fmv.x.d t1, fa0
    bne     t1, t2, fail
    mv      s1, sp
    mv      sp, a1
    c.fldsp fa1, 24(sp)
    c.fsdsp fa1, 32(sp)
    mv      sp, s1
    ld      t1, 32(a1)
    ld      t2, 24(a1)
    bne     t1, t2, fail
    fmv.x.d t1, fa1
    bne     t1, t2, fail

# 8: fcsr = frm << 5 | fflags; frm and fflags are views of it.
    li      s10, 8
    li      t0, 0xff
    csrw    fcsr, t0
    csrr    t1, fcsr
    bne     t1, t0, fail
    csrr    t1, frm
    li      t2, 7
    bne     t1, t2, fail
    csrr    t1, fflags
    li      t2, 0x1f
    bne     t1, t2, fail
    li      t0, 0x1ff
    csrw    fcsr, t0                 # bits above 7 are ignored
    csrr    t1, fcsr
    li      t2, 0xff
    bne     t1, t2, fail
    csrwi   fcsr, 0

# 9: flags accrue: 1/0 raises DZ, 1/3 then adds NX.
    li      s10, 9
    fmv.d.x f8, zero
    fdiv.d  f3, f1, f8
    fld     f9, 40(a1)               # 3.0 (cdata + 40)
    fdiv.d  f3, f1, f9
    csrr    t1, fflags
    li      t2, 9                    # DZ | NX
    bne     t1, t2, fail

pass:
    li      t0, FINISHER
    li      t1, 0x5555
    sw      t1, 0(t0)
    j       .

fail:
    slli    a0, s10, 16
    li      t1, 0x3333
    or      a0, a0, t1
    li      t0, FINISHER
    sw      a0, 0(t0)
    j       .

# Record the cause in s11 and step over the trapping instruction (2 or 4 bytes).
    .align  2
trap:
    csrr    s11, mcause
    csrr    t5, mepc
    lhu     t6, 0(t5)
    andi    t6, t6, 3
    li      t4, 3
    addi    t5, t5, 2
    bne     t6, t4, 1f
    addi    t5, t5, 2
1:  csrw    mepc, t5
    mret

    .section .data
    .align  3
data:
    .word   0x3f800000, 0            # 1.0f
    .dword  0x3ff0000000000000       # 1.0
    .dword  0x3ca0000000000000       # 2^-53
    .dword  0xbff0000000000000       # -1.0
    .dword  0x4004000000000000       # 2.5
# Per rounding mode (RNE, RTZ, RDN, RUP, RMM): 1 + 2^-53, -1 - 2^-53, fcvt.w.d 2.5, fcvt.w.d -2.5.
expect_round:
    .dword  0x3ff0000000000000, 0xbff0000000000000, 2, -2
    .dword  0x3ff0000000000000, 0xbff0000000000000, 2, -2
    .dword  0x3ff0000000000000, 0xbff0000000000001, 2, -3
    .dword  0x3ff0000000000001, 0xbff0000000000000, 3, -2
    .dword  0x3ff0000000000001, 0xbff0000000000001, 3, -3
cdata:
    .dword  0, 0x400921fb54442d18, 0, 0xc1e0000000000000, 0, 0x4008000000000000
scratch:
    .dword  0, 0
    .align  4
    .space  1024
stack_top:
