using RvEmu.Core.Cpu;

namespace RvEmu.Tests.Float;

/// <summary>
/// The F/D rules the unprivileged spec (ch. 11, 12) and privileged spec (3.1.6.6) spell out, with the
/// expected values taken from the spec text and tables. Instruction words are from GNU as
/// (riscv64-unknown-elf-as -march=rv64gc; registers fa0 = f10, fa1 = f11, fa2 = f12, a0 = x10, a1 = x11).
/// </summary>
[TestFixture]
public sealed class FloatSpecTests
{
    private const uint FaddD = 0x02c5f553;      // fadd.d fa0, fa1, fa2 (rm = dyn)
    private const uint FaddDRtz = 0x02c59553;   // fadd.d fa0, fa1, fa2, rtz
    private const uint FaddDRm5 = 0x02c5d553;   // fadd.d with reserved rm 5
    private const uint FaddDRm6 = 0x02c5e553;   // fadd.d with reserved rm 6
    private const uint FaddS = 0x00c5f553;      // fadd.s fa0, fa1, fa2
    private const uint FdivS = 0x18c5f553;      // fdiv.s fa0, fa1, fa2
    private const uint FmulS = 0x10c5f553;      // fmul.s fa0, fa1, fa2
    private const uint FmulD = 0x12c5f553;      // fmul.d fa0, fa1, fa2
    private const uint Flw = 0x0005a507;        // flw fa0, 0(a1)
    private const uint Fsw = 0x00b62227;        // fsw fa1, 4(a2)
    private const uint Fld = 0x0085b507;        // fld fa0, 8(a1)
    private const uint Fsd = 0x00b63827;        // fsd fa1, 16(a2)
    private const uint CFld = 0x2588;           // c.fld fa0, 8(a1)
    private const uint CFsd = 0xaa0c;           // c.fsd fa1, 16(a2)
    private const uint CFldsp = 0x2562;         // c.fldsp fa0, 24(sp)
    private const uint CFsdsp = 0xb02e;         // c.fsdsp fa1, 32(sp)
    private const uint FmvXW = 0xe0058553;      // fmv.x.w a0, fa1
    private const uint FmvWX = 0xf0058553;      // fmv.w.x fa0, a1
    private const uint FmvXD = 0xe2058553;      // fmv.x.d a0, fa1
    private const uint FsgnjS = 0x20c58553;     // fsgnj.s fa0, fa1, fa2
    private const uint FsgnjnD = 0x22c59553;    // fsgnjn.d fa0, fa1, fa2
    private const uint FclassS = 0xe0059553;    // fclass.s a0, fa1
    private const uint FclassD = 0xe2059553;    // fclass.d a0, fa1
    private const uint FminS = 0x28c58553;      // fmin.s fa0, fa1, fa2
    private const uint FmaxD = 0x2ac59553;      // fmax.d fa0, fa1, fa2
    private const uint FsqrtD = 0x5a05f553;     // fsqrt.d fa0, fa1
    private const uint FsqrtS = 0x5805f553;     // fsqrt.s fa0, fa1
    private const uint FcvtWSRtz = 0xc0059553;  // fcvt.w.s a0, fa1, rtz
    private const uint FcvtWuSRtz = 0xc0159553; // fcvt.wu.s a0, fa1, rtz
    private const uint FcvtLDRtz = 0xc2259553;  // fcvt.l.d a0, fa1, rtz
    private const uint FcvtLuDRtz = 0xc2359553; // fcvt.lu.d a0, fa1, rtz
    private const uint FcvtWDRtz = 0xc2059553;  // fcvt.w.d a0, fa1, rtz
    private const uint FcvtWuDRtz = 0xc2159553; // fcvt.wu.d a0, fa1, rtz
    private const uint FcvtDS = 0x42058553;     // fcvt.d.s fa0, fa1
    private const uint CsrrFcsr = 0x00302573;   // csrrs a0, fcsr, zero
    private const uint CsrrFrm = 0x00202573;    // csrrs a0, frm, zero
    private const uint CsrrFflags = 0x00102573; // csrrs a0, fflags, zero
    private const uint CsrwFflags = 0x00159073; // csrrw zero, fflags, a1

    private const int Fa0 = 10, Fa1 = 11, Fa2 = 12, A0 = 10, A1 = 11, A2 = 12, Sp = 2;
    private const ulong Box = 0xffff_ffff_0000_0000;
    private const ulong One = 0x3ff0_0000_0000_0000, Two = 0x4000_0000_0000_0000;
    private const ulong CanonicalNaND = 0x7ff8_0000_0000_0000, CanonicalNaNS = Box | 0x7fc0_0000;
    private const uint NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;

    private static ulong D(double d) => BitConverter.DoubleToUInt64Bits(d);
    private static ulong S(float f) => Box | BitConverter.SingleToUInt32Bits(f);

    [Test]
    public void Misa_reports_F_and_D()
    {
        using var t = new FpTestHart();
        Assert.That(t.Hart.TryReadCsr(0x301, out ulong misa), Is.True);
        Assert.That(misa & (1UL << ('F' - 'A')), Is.Not.Zero, "F");
        Assert.That(misa & (1UL << ('D' - 'A')), Is.Not.Zero, "D");
    }

    [TestCase(FaddD)]
    [TestCase(Flw)]
    [TestCase(Fsd)]
    [TestCase(CFld)]
    [TestCase(FmvXD)]
    [TestCase(FclassS)]
    [TestCase(CsrrFcsr)]
    [TestCase(CsrrFrm)]
    [TestCase(CsrrFflags)]
    [TestCase(CsrwFflags)]
    public void FS_off_makes_FP_instructions_and_fcsr_illegal(uint insn)
    {
        using var t = new FpTestHart(fpStatus: 0);
        t.Hart.SetX(A1, FpTestHart.DataBase);
        t.Hart.SetX(A2, FpTestHart.DataBase);
        t.Hart.SetX(Sp, FpTestHart.DataBase);
        Assert.That(t.Step(insn), Is.EqualTo(ExceptionCause.IllegalInstruction));
        Assert.That(t.Hart.TryReadCsr(0x343, out ulong tval), Is.True);
        Assert.That(tval, Is.EqualTo((ulong)insn), "mtval holds the instruction bits");
        Assert.That(t.Hart.FpStatus, Is.Zero);
    }

    [TestCase(FaddD, true)]
    [TestCase(Fld, true)]
    [TestCase(CFldsp, true)]
    [TestCase(FmvWX, true)]
    [TestCase(CsrwFflags, true)]
    [TestCase(Fsd, false)]
    [TestCase(CFsdsp, false)]
    [TestCase(FmvXD, false)]
    [TestCase(CsrrFcsr, false)]
    public void FP_state_writes_set_FS_dirty_and_SD(uint insn, bool dirties)
    {
        using var t = new FpTestHart(fpStatus: 2); // Clean
        t.Hart.SetX(A1, FpTestHart.DataBase);
        t.Hart.SetX(A2, FpTestHart.DataBase);
        t.Hart.SetX(Sp, FpTestHart.DataBase);
        t.Hart.SetF(Fa1, One);
        t.Hart.SetF(Fa2, One);
        Assert.That(t.Step(insn), Is.Null);
        Assert.That(t.Hart.FpStatus, Is.EqualTo(dirties ? 3 : 2));
        Assert.That(t.Hart.Mstatus >> 63, Is.EqualTo(dirties ? 1UL : 0UL), "mstatus.SD");
    }

    [Test]
    public void Comparison_that_raises_a_flag_dirties_FS()
    {
        using var t = new FpTestHart(fpStatus: 2);
        t.Hart.SetF(Fa1, 0x7ff0_0000_0000_0001); // sNaN
        Assert.That(t.Step(FclassD), Is.Null);
        Assert.That(t.Hart.FpStatus, Is.EqualTo(2), "fclass raises nothing");
        Assert.That(t.Step(FmaxD), Is.Null);
        Assert.That(t.Hart.FpStatus, Is.EqualTo(3));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(NV));
    }

    [TestCase(FaddDRm5)]
    [TestCase(FaddDRm6)]
    public void Reserved_static_rounding_modes_are_illegal(uint insn)
    {
        using var t = new FpTestHart();
        Assert.That(t.Step(insn), Is.EqualTo(ExceptionCause.IllegalInstruction));
    }

    [TestCase(5u)]
    [TestCase(6u)]
    [TestCase(7u)]
    public void Dynamic_rounding_with_reserved_frm_is_illegal(uint frm)
    {
        using var t = new FpTestHart();
        t.Hart.Fcsr = frm << 5;
        Assert.That(t.Step(FaddD), Is.EqualTo(ExceptionCause.IllegalInstruction));
        // A static rounding mode, and instructions without an rm field, do not look at frm.
        Assert.That(t.Step(FaddDRtz), Is.Null);
        Assert.That(t.Step(FsgnjS), Is.Null);
        Assert.That(t.Step(FmvXD), Is.Null);
    }

    [TestCase(0u, 0x3ff0_0000_0000_0000UL)] // RNE: 1 + 2^-53 ties to even (1)
    [TestCase(1u, 0x3ff0_0000_0000_0000UL)] // RTZ
    [TestCase(2u, 0x3ff0_0000_0000_0000UL)] // RDN
    [TestCase(3u, 0x3ff0_0000_0000_0001UL)] // RUP
    [TestCase(4u, 0x3ff0_0000_0000_0001UL)] // RMM: ties away from zero
    public void Dynamic_rounding_uses_frm(uint frm, ulong expected)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, One);
        t.Hart.SetF(Fa2, 0x3ca0_0000_0000_0000); // 2^-53, half an ulp of 1
        t.Hart.Fcsr = frm << 5;
        Assert.That(t.Step(FaddD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(frm << 5 | NX));
    }

    [Test]
    public void Flags_accrue_and_fcsr_fields_alias()
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, S(1f));
        t.Hart.SetF(Fa2, S(0f));
        Assert.That(t.Step(FdivS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(S(float.PositiveInfinity)));
        t.Hart.SetF(Fa1, S(1f));
        t.Hart.SetF(Fa2, S(3f));
        Assert.That(t.Step(FdivS), Is.Null);
        Assert.That(t.Step(CsrrFflags), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo((ulong)(DZ | NX)));
        t.Hart.Fcsr = 3u << 5 | OF;
        Assert.That(t.Step(CsrrFrm), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(3UL));
        Assert.That(t.Step(CsrrFcsr), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo((ulong)(3u << 5 | OF)));
        t.Hart.SetX(A1, 0xffff_ffff_ffff_ffff);
        Assert.That(t.Step(CsrwFflags), Is.Null);
        Assert.That(t.Hart.Fcsr, Is.EqualTo(3u << 5 | 31), "fflags writes keep only 5 bits and leave frm");
    }

    [Test]
    public void Single_results_are_NaN_boxed_and_improperly_boxed_inputs_read_as_canonical_NaN()
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, S(1f));
        t.Hart.SetF(Fa2, S(2f));
        Assert.That(t.Step(FaddS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(S(3f)));

        t.Hart.SetF(Fa1, 0x0000_0000_3f80_0000); // 1.0f without its box
        Assert.That(t.Step(FaddS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(CanonicalNaNS));
        Assert.That(t.Hart.Fcsr, Is.Zero, "a canonical (quiet) NaN raises nothing");

        // fsgnj.s sees the canonical NaN too; its sign comes from fa2.
        t.Hart.SetF(Fa2, S(-2f));
        Assert.That(t.Step(FsgnjS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | 0xffc0_0000));

        Assert.That(t.Step(FclassS), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(1UL << 9), "quiet NaN");

        // fcvt.d.s of an improperly boxed value: canonical NaN.
        t.Hart.SetF(Fa1, 0x7ff0_0000_4000_0000);
        Assert.That(t.Step(FcvtDS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(CanonicalNaND));
    }

    [Test]
    public void Fmv_moves_bits_unchanged_sign_extending_and_boxing()
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, Box | 0x8000_0001);
        Assert.That(t.Step(FmvXW), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(0xffff_ffff_8000_0001UL), "sign-extended");
        t.Hart.SetF(Fa1, 0x1234_5678_7f80_0001); // not boxed: fmv.x.w still copies the low bits
        Assert.That(t.Step(FmvXW), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(0x7f80_0001UL));
        t.Hart.SetX(A1, 0xdead_beef_7f80_0001); // a signalling NaN pattern, moved as is
        Assert.That(t.Step(FmvWX), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | 0x7f80_0001));
        Assert.That(t.Hart.Fcsr, Is.Zero);
    }

    [Test]
    public void Loads_box_singles_and_stores_write_raw_bits()
    {
        using var t = new FpTestHart();
        ulong data = FpTestHart.DataBase;
        Assert.That(t.Bus.Write(data, 8, 0x1122_3344_4049_0fdb), Is.True);
        t.Hart.SetX(A1, data);
        t.Hart.SetX(A2, data + 0x40);
        Assert.That(t.Step(Flw), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | 0x4049_0fdb));
        t.Hart.SetF(Fa1, 0x0123_4567_89ab_cdef); // fsw stores the low word whatever the boxing
        Assert.That(t.Step(Fsw), Is.Null);
        Assert.That(t.Bus.Read(data + 0x44, 4, out ulong w), Is.True);
        Assert.That(w, Is.EqualTo(0x89ab_cdefUL));
        Assert.That(t.Bus.Write(data + 8, 8, 0x7ff0_0000_0000_0001), Is.True); // sNaN: loads do not quiet
        Assert.That(t.Step(Fld), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(0x7ff0_0000_0000_0001UL));
        Assert.That(t.Step(Fsd), Is.Null);
        Assert.That(t.Bus.Read(data + 0x50, 8, out ulong dw), Is.True);
        Assert.That(dw, Is.EqualTo(0x0123_4567_89ab_cdefUL));
        Assert.That(t.Hart.Fcsr, Is.Zero);
    }

    [Test]
    public void Compressed_FP_loads_and_stores()
    {
        using var t = new FpTestHart();
        ulong data = FpTestHart.DataBase;
        t.Hart.SetX(A1, data);
        t.Hart.SetX(A2, data + 0x100);
        t.Hart.SetX(Sp, data + 0x200);
        Assert.That(t.Bus.Write(data + 8, 8, D(Math.PI)), Is.True);
        Assert.That(t.Step(CFld), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(D(Math.PI)));
        t.Hart.SetF(Fa1, D(-2.5));
        Assert.That(t.Step(CFsd), Is.Null);
        Assert.That(t.Bus.Read(data + 0x110, 8, out ulong v), Is.True);
        Assert.That(v, Is.EqualTo(D(-2.5)));
        Assert.That(t.Bus.Write(data + 0x218, 8, D(1e300)), Is.True);
        Assert.That(t.Step(CFldsp), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(D(1e300)));
        Assert.That(t.Step(CFsdsp), Is.Null);
        Assert.That(t.Bus.Read(data + 0x220, 8, out v), Is.True);
        Assert.That(v, Is.EqualTo(D(-2.5)));
    }

    [Test]
    public void FP_load_fault_traps_and_leaves_the_register()
    {
        using var t = new FpTestHart();
        t.Hart.SetX(A1, 0x4000_0000); // nothing mapped there
        t.Hart.SetF(Fa0, One);
        Assert.That(t.Step(Fld), Is.EqualTo(ExceptionCause.LoadAccessFault));
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(One));
    }

    // Spec 11.7, table 11.4: fcvt.{w,wu,l,lu} on out-of-range, infinite and NaN inputs.
    [TestCase(FcvtWSRtz, 0x7fc0_0000u, 0x7fff_ffffUL, NV)]                      // NaN → 2^31 − 1
    [TestCase(FcvtWSRtz, 0x7f80_0000u, 0x7fff_ffffUL, NV)]                      // +∞
    [TestCase(FcvtWSRtz, 0xff80_0000u, 0xffff_ffff_8000_0000UL, NV)]            // −∞ → −2^31
    [TestCase(FcvtWSRtz, 0x4f00_0000u, 0x7fff_ffffUL, NV)]                      // 2^31 out of range
    [TestCase(FcvtWSRtz, 0xcf00_0000u, 0xffff_ffff_8000_0000UL, 0u)]            // −2^31 fits
    [TestCase(FcvtWSRtz, 0xbfc0_0000u, 0xffff_ffff_ffff_ffffUL, NX)]            // −1.5 → −1, sign-extended
    [TestCase(FcvtWuSRtz, 0x7fc0_0000u, 0xffff_ffff_ffff_ffffUL, NV)]           // NaN → 2^32 − 1, sign-extended
    [TestCase(FcvtWuSRtz, 0xff80_0000u, 0UL, NV)]                               // −∞ → 0
    [TestCase(FcvtWuSRtz, 0xbf80_0000u, 0UL, NV)]                               // −1 out of range
    [TestCase(FcvtWuSRtz, 0xbf00_0000u, 0UL, NX)]                               // −0.5 truncates to 0: only inexact
    [TestCase(FcvtWuSRtz, 0x4f40_0000u, 0xffff_ffff_c000_0000UL, 0u)]           // 3·2^30 fits, result sign-extended
    public void Single_to_integer_saturates_per_table_11_4(uint insn, uint input, ulong expected, uint flags)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, Box | input);
        Assert.That(t.Step(insn), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(flags));
    }

    [TestCase(FcvtLDRtz, 0x7ff8_0000_0000_0000UL, 0x7fff_ffff_ffff_ffffUL, NV)]  // NaN → 2^63 − 1
    [TestCase(FcvtLDRtz, 0xfff0_0000_0000_0000UL, 0x8000_0000_0000_0000UL, NV)]  // −∞ → −2^63
    [TestCase(FcvtLDRtz, 0x43e0_0000_0000_0000UL, 0x7fff_ffff_ffff_ffffUL, NV)]  // 2^63
    [TestCase(FcvtLDRtz, 0xc3e0_0000_0000_0000UL, 0x8000_0000_0000_0000UL, 0u)]  // −2^63 fits
    [TestCase(FcvtLuDRtz, 0x7ff0_0000_0000_0001UL, 0xffff_ffff_ffff_ffffUL, NV)] // sNaN → 2^64 − 1
    [TestCase(FcvtLuDRtz, 0x43f0_0000_0000_0000UL, 0xffff_ffff_ffff_ffffUL, NV)] // 2^64
    [TestCase(FcvtLuDRtz, 0x43ef_ffff_ffff_ffffUL, 0xffff_ffff_ffff_f800UL, 0u)] // largest double below 2^64
    [TestCase(FcvtLuDRtz, 0xbff0_0000_0000_0000UL, 0UL, NV)]                     // −1
    [TestCase(FcvtWDRtz, 0xc1e0_0000_0020_0000UL, 0xffff_ffff_8000_0000UL, NV)]  // −2^31 − 1
    [TestCase(FcvtWDRtz, 0x41df_ffff_ffe0_0000UL, 0x7fff_ffffUL, NX)]            // 2^31 − 0.5 truncates
    [TestCase(FcvtWuDRtz, 0x41ef_ffff_ffe0_0000UL, 0xffff_ffff_ffff_ffffUL, 0u)] // 2^32 − 1, sign-extended
    [TestCase(FcvtWuDRtz, 0x41f0_0000_0000_0000UL, 0xffff_ffff_ffff_ffffUL, NV)] // 2^32
    public void Double_to_integer_saturates_per_table_11_4(uint insn, ulong input, ulong expected, uint flags)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, input);
        Assert.That(t.Step(insn), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(flags));
    }

    // Spec 11.9, table 11.5: one bit per class.
    [TestCase(0xfff0_0000_0000_0000UL, 0)] // −∞
    [TestCase(0xbff0_0000_0000_0000UL, 1)] // negative normal
    [TestCase(0x800f_ffff_ffff_ffffUL, 2)] // negative subnormal
    [TestCase(0x8000_0000_0000_0000UL, 3)] // −0
    [TestCase(0x0000_0000_0000_0000UL, 4)] // +0
    [TestCase(0x0000_0000_0000_0001UL, 5)] // positive subnormal
    [TestCase(0x7fef_ffff_ffff_ffffUL, 6)] // positive normal
    [TestCase(0x7ff0_0000_0000_0000UL, 7)] // +∞
    [TestCase(0x7ff4_0000_0000_0000UL, 8)] // signalling NaN
    [TestCase(0xfff8_0000_0000_0000UL, 9)] // quiet NaN
    public void Fclass_reports_all_ten_classes(ulong value, int bit)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, value);
        Assert.That(t.Step(FclassD), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(1UL << bit));
        // The same class for the single of that class (sign, exponent all-ones/zero, fraction top bits).
        ulong single = Box | (uint)(value >> 32 & 0x8000_0000) | (bit switch
        {
            0 or 7 => 0x7f80_0000u, 1 or 6 => 0x3f80_0000u, 2 or 5 => 0x0000_0001u, 3 or 4 => 0u, 8 => 0x7fa0_0000u, _ => 0x7fc0_0000u,
        });
        t.Hart.SetF(Fa1, single);
        Assert.That(t.Step(FclassS), Is.Null);
        Assert.That(t.Hart.GetX(A0), Is.EqualTo(1UL << bit));
        Assert.That(t.Hart.Fcsr, Is.Zero, "fclass raises no flag");
    }

    // Spec 11.6 (IEEE 754-2019 minimumNumber/maximumNumber).
    [TestCase(0x8000_0000u, 0x0000_0000u, 0x8000_0000u, 0u)] // min(−0, +0) = −0
    [TestCase(0x0000_0000u, 0x8000_0000u, 0x8000_0000u, 0u)]
    [TestCase(0x7fc0_0000u, 0x3f80_0000u, 0x3f80_0000u, 0u)] // one quiet NaN: the other operand
    [TestCase(0x3f80_0000u, 0x7fa0_0000u, 0x3f80_0000u, NV)] // one signalling NaN: the other, and NV
    [TestCase(0x7fc0_0001u, 0xffc0_0000u, 0x7fc0_0000u, 0u)] // two NaNs: canonical NaN
    [TestCase(0xbf80_0000u, 0x3f80_0000u, 0xbf80_0000u, 0u)]
    public void Fmin_single(uint a, uint b, uint expected, uint flags)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, Box | a);
        t.Hart.SetF(Fa2, Box | b);
        Assert.That(t.Step(FminS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(flags));
    }

    [TestCase(0x8000_0000_0000_0000UL, 0x0000_0000_0000_0000UL, 0x0000_0000_0000_0000UL, 0u)] // max(−0, +0) = +0
    [TestCase(0x7ff0_0000_0000_0001UL, 0xc000_0000_0000_0000UL, 0xc000_0000_0000_0000UL, NV)]
    [TestCase(0x7ff0_0000_0000_0001UL, 0x7ff8_0000_0000_0000UL, CanonicalNaND, NV)]
    [TestCase(0xfff0_0000_0000_0000UL, 0xffef_ffff_ffff_ffffUL, 0xffef_ffff_ffff_ffffUL, 0u)]
    public void Fmax_double(ulong a, ulong b, ulong expected, uint flags)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, a);
        t.Hart.SetF(Fa2, b);
        Assert.That(t.Step(FmaxD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(flags));
    }

    [TestCase(0x8000_0000_0000_0000UL, 0x8000_0000_0000_0000UL, 0u)] // sqrt(−0) = −0
    [TestCase(0xbff0_0000_0000_0000UL, CanonicalNaND, NV)]         // negative: canonical NaN, invalid
    [TestCase(0xfff0_0000_0000_0000UL, CanonicalNaND, NV)]
    [TestCase(0x8000_0000_0000_0001UL, CanonicalNaND, NV)]         // even the smallest negative subnormal
    [TestCase(0x7ff0_0000_0000_0000UL, 0x7ff0_0000_0000_0000UL, 0u)]
    [TestCase(0x4000_0000_0000_0000UL, 0x3ff6_a09e_667f_3bcdUL, NX)] // sqrt(2), correctly rounded
    public void Fsqrt_double(ulong input, ulong expected, uint flags)
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, input);
        Assert.That(t.Step(FsqrtD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(expected));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(flags));
    }

    [Test]
    public void Fsqrt_single_of_negative_zero_and_negative()
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, Box | 0x8000_0000);
        Assert.That(t.Step(FsqrtS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | 0x8000_0000));
        Assert.That(t.Hart.Fcsr, Is.Zero);
        t.Hart.SetF(Fa1, S(-4f));
        Assert.That(t.Step(FsqrtS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(CanonicalNaNS));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(NV));
    }

    [Test]
    public void Arithmetic_NaN_results_are_canonical()
    {
        using var t = new FpTestHart();
        t.Hart.SetF(Fa1, 0xfff8_0000_dead_beef); // negative quiet NaN with a payload
        t.Hart.SetF(Fa2, One);
        Assert.That(t.Step(FaddD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(CanonicalNaND));
        Assert.That(t.Hart.Fcsr, Is.Zero);
        t.Hart.SetF(Fa1, 0x7ff0_0000_0000_0001); // signalling
        Assert.That(t.Step(FaddD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(CanonicalNaND));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(NV));
        // Sign injection is not arithmetic: it keeps the payload.
        t.Hart.Fcsr = 0;
        t.Hart.SetF(Fa1, 0x7ff0_0000_0000_0001);
        Assert.That(t.Step(FsgnjnD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(0xfff0_0000_0000_0001UL));
        Assert.That(t.Hart.Fcsr, Is.Zero);
    }

    [Test]
    public void Overflow_and_tininess_after_rounding()
    {
        using var t = new FpTestHart();
        // max + max overflows: OF and NX, ∞ in RNE, max in RTZ.
        t.Hart.SetF(Fa1, 0x7fef_ffff_ffff_ffff);
        t.Hart.SetF(Fa2, 0x7fef_ffff_ffff_ffff);
        Assert.That(t.Step(FaddD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(0x7ff0_0000_0000_0000UL));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(OF | NX));
        t.Hart.Fcsr = 0;
        Assert.That(t.Step(FaddDRtz), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(0x7fef_ffff_ffff_ffffUL));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(OF | NX));
        // Subnormal sums are exact: no UF without NX (IEEE 754-2008 7.5).
        t.Hart.Fcsr = 0;
        t.Hart.SetF(Fa1, 0x0000_0000_0000_0001);
        t.Hart.SetF(Fa2, 0x0000_0000_0000_0002);
        Assert.That(t.Step(FaddD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(3UL));
        Assert.That(t.Hart.Fcsr, Is.Zero);
    }

    [Test]
    public void Tininess_is_detected_after_rounding()
    {
        using var t = new FpTestHart();
        // 18631·2^-75 × 1801·2^-76 = 2^-126 − 2^-151 exactly: below 2^-126, but rounded to 24 bits with an
        // unbounded exponent it is 2^-126 (a tie, to even), so it is not tiny: NX without UF (spec 11.6).
        t.Hart.SetF(Fa1, Box | 0x2111_8e00);
        t.Hart.SetF(Fa2, Box | 0x1ee1_2000);
        Assert.That(t.Step(FmulS), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(Box | 0x0080_0000));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(NX));
        // (1 − 2^-53) × 2^-1022 = 2^-1022 − 2^-1075 is a 53-bit number below 2^-1022: tiny, and
        // inexact once rounded to the subnormal grid (to 2^-1022): UF and NX.
        t.Hart.Fcsr = 0;
        t.Hart.SetF(Fa1, 0x3fef_ffff_ffff_ffff);
        t.Hart.SetF(Fa2, 0x0010_0000_0000_0000);
        Assert.That(t.Step(FmulD), Is.Null);
        Assert.That(t.Hart.GetF(Fa0), Is.EqualTo(0x0010_0000_0000_0000UL));
        Assert.That(t.Hart.Fcsr, Is.EqualTo(UF | NX));
    }
}
