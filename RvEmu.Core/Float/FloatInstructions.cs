using System.Runtime.CompilerServices;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Float;

/// <summary>
/// What each F and D instruction other than a load or store computes (unprivileged spec ch. 11 and 12), on raw
/// register bits: one method per op, named as the op, which compiled regions (JitCompiler) call directly and
/// the interpreter (Hart.Float.cs) through <see cref="Compute"/>, so the two cannot disagree. Operands come from the register file the instruction's
/// format names (<see cref="ReadsIntegerRs1"/>, <see cref="WritesFpRegister"/>); single-precision operands are
/// unboxed here and results boxed (spec 12.2), so a caller only moves 64-bit values.
/// </summary>
internal static class FloatInstructions
{
    /// <summary>The upper half of a NaN-boxed single (spec 12.2).</summary>
    public const ulong NaNBox = 0xffff_ffff_0000_0000;
    private const ulong CanonicalNaNSingle = 0x7fc0_0000;
    private static readonly FloatFormat Sf = FloatFormat.Single, Df = FloatFormat.Double;

    /// <summary>Ops whose encoding has an rm field (formats FR4, FRrm, FR1rm, XFrm, FXrm), from the instruction table.</summary>
    public static readonly bool[] HasRoundingMode = OpsWithFormat(Format.FR4, Format.FRrm, Format.FR1rm, Format.XFrm, Format.FXrm);

    /// <summary>Ops whose result goes to an FP register (the others write an integer register).</summary>
    public static readonly bool[] WritesFpRegister = OpsWithFormat(Format.FLoad, Format.FR4, Format.FRrm, Format.FR, Format.FR1rm, Format.FXrm, Format.FX);

    /// <summary>Ops with a third source register (the fused multiply-adds).</summary>
    public static readonly bool[] ReadsRs3 = OpsWithFormat(Format.FR4);

    /// <summary>Ops whose rs1 is an integer register (fcvt.*.w/l, fmv.*.x).</summary>
    public static readonly bool[] ReadsIntegerRs1 = OpsWithFormat(Format.FXrm, Format.FX);

    private static bool[] OpsWithFormat(params Format[] formats)
    {
        var t = new bool[(int)Op.Count];
        foreach (var def in InstructionTable.All)
            if (Array.IndexOf(formats, def.Format) >= 0) t[(int)def.Op] = true;
        return t;
    }

    /// <summary>True for the ops <see cref="Compute"/> handles: every F and D instruction but the loads and stores.</summary>
    public static bool IsArithmetic(Op op) => op is > Op.Fsd and < Op.Count;

    /// <summary>A single-precision operand: the low 32 bits if properly NaN-boxed, else the canonical NaN (spec 12.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong S(ulong v) => (v & NaNBox) == NaNBox ? (uint)v : CanonicalNaNSingle;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Box(ulong bits) => bits | NaNBox;

    /// <summary>
    /// The result of <paramref name="op"/> (an <see cref="IsArithmetic"/> op) on rs1, rs2, rs3 = <paramref name="a"/>,
    /// <paramref name="b"/>, <paramref name="c"/> in rounding mode <paramref name="rm"/> (already resolved and
    /// legal); exception flags are ORed into <paramref name="flags"/>.
    /// </summary>
    public static ulong Compute(Op op, ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags)
    {
        switch (op)
        {
            case Op.FaddS: return FaddS(a, b, c, rm, ref flags);
            case Op.FsubS: return FsubS(a, b, c, rm, ref flags);
            case Op.FmulS: return FmulS(a, b, c, rm, ref flags);
            case Op.FdivS: return FdivS(a, b, c, rm, ref flags);
            case Op.FsqrtS: return FsqrtS(a, b, c, rm, ref flags);
            case Op.FmaddS: return FmaddS(a, b, c, rm, ref flags);
            case Op.FmsubS: return FmsubS(a, b, c, rm, ref flags);
            case Op.FnmsubS: return FnmsubS(a, b, c, rm, ref flags);
            case Op.FnmaddS: return FnmaddS(a, b, c, rm, ref flags);
            case Op.FsgnjS: return FsgnjS(a, b, c, rm, ref flags);
            case Op.FsgnjnS: return FsgnjnS(a, b, c, rm, ref flags);
            case Op.FsgnjxS: return FsgnjxS(a, b, c, rm, ref flags);
            case Op.FminS: return FminS(a, b, c, rm, ref flags);
            case Op.FmaxS: return FmaxS(a, b, c, rm, ref flags);
            case Op.FeqS: return FeqS(a, b, c, rm, ref flags);
            case Op.FltS: return FltS(a, b, c, rm, ref flags);
            case Op.FleS: return FleS(a, b, c, rm, ref flags);
            case Op.FclassS: return FclassS(a, b, c, rm, ref flags);
            case Op.FmvXW: return FmvXW(a, b, c, rm, ref flags);
            case Op.FmvWX: return FmvWX(a, b, c, rm, ref flags);
            case Op.FcvtWS: return FcvtWS(a, b, c, rm, ref flags);
            case Op.FcvtWuS: return FcvtWuS(a, b, c, rm, ref flags);
            case Op.FcvtLS: return FcvtLS(a, b, c, rm, ref flags);
            case Op.FcvtLuS: return FcvtLuS(a, b, c, rm, ref flags);
            case Op.FcvtSW: return FcvtSW(a, b, c, rm, ref flags);
            case Op.FcvtSWu: return FcvtSWu(a, b, c, rm, ref flags);
            case Op.FcvtSL: return FcvtSL(a, b, c, rm, ref flags);
            case Op.FcvtSLu: return FcvtSLu(a, b, c, rm, ref flags);
            case Op.FaddD: return FaddD(a, b, c, rm, ref flags);
            case Op.FsubD: return FsubD(a, b, c, rm, ref flags);
            case Op.FmulD: return FmulD(a, b, c, rm, ref flags);
            case Op.FdivD: return FdivD(a, b, c, rm, ref flags);
            case Op.FsqrtD: return FsqrtD(a, b, c, rm, ref flags);
            case Op.FmaddD: return FmaddD(a, b, c, rm, ref flags);
            case Op.FmsubD: return FmsubD(a, b, c, rm, ref flags);
            case Op.FnmsubD: return FnmsubD(a, b, c, rm, ref flags);
            case Op.FnmaddD: return FnmaddD(a, b, c, rm, ref flags);
            case Op.FsgnjD: return FsgnjD(a, b, c, rm, ref flags);
            case Op.FsgnjnD: return FsgnjnD(a, b, c, rm, ref flags);
            case Op.FsgnjxD: return FsgnjxD(a, b, c, rm, ref flags);
            case Op.FminD: return FminD(a, b, c, rm, ref flags);
            case Op.FmaxD: return FmaxD(a, b, c, rm, ref flags);
            case Op.FeqD: return FeqD(a, b, c, rm, ref flags);
            case Op.FltD: return FltD(a, b, c, rm, ref flags);
            case Op.FleD: return FleD(a, b, c, rm, ref flags);
            case Op.FclassD: return FclassD(a, b, c, rm, ref flags);
            case Op.FmvXD: return FmvXD(a, b, c, rm, ref flags);
            case Op.FmvDX: return FmvDX(a, b, c, rm, ref flags);
            case Op.FcvtSD: return FcvtSD(a, b, c, rm, ref flags);
            case Op.FcvtDS: return FcvtDS(a, b, c, rm, ref flags);
            case Op.FcvtWD: return FcvtWD(a, b, c, rm, ref flags);
            case Op.FcvtWuD: return FcvtWuD(a, b, c, rm, ref flags);
            case Op.FcvtLD: return FcvtLD(a, b, c, rm, ref flags);
            case Op.FcvtLuD: return FcvtLuD(a, b, c, rm, ref flags);
            case Op.FcvtDW: return FcvtDW(a, b, c, rm, ref flags);
            case Op.FcvtDWu: return FcvtDWu(a, b, c, rm, ref flags);
            case Op.FcvtDL: return FcvtDL(a, b, c, rm, ref flags);
            case Op.FcvtDLu: return FcvtDLu(a, b, c, rm, ref flags);
            default: return 0; // not an arithmetic op: callers never pass one
        }
    }

    // ---- one method per op, named as the op (JitCompiler calls them directly); each reads its operands as
    // ---- rs1 = a, rs2 = b, rs3 = c and ignores the ones its format lacks.
    // ---- single precision (ch. 11) ----
    public static ulong FaddS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.Add(S(a), S(b), rm, ref flags));
    public static ulong FsubS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.Sub(S(a), S(b), rm, ref flags));
    public static ulong FmulS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.Mul(S(a), S(b), rm, ref flags));
    public static ulong FdivS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.Div(S(a), S(b), rm, ref flags));
    public static ulong FsqrtS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.Sqrt(S(a), rm, ref flags));
    public static ulong FmaddS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.MulAdd(S(a), S(b), S(c), false, false, rm, ref flags));
    public static ulong FmsubS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.MulAdd(S(a), S(b), S(c), false, true, rm, ref flags));
    public static ulong FnmsubS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.MulAdd(S(a), S(b), S(c), true, false, rm, ref flags));
    public static ulong FnmaddS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.MulAdd(S(a), S(b), S(c), true, true, rm, ref flags));
    public static ulong FsgnjS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box((S(a) & 0x7fff_ffff) | (S(b) & 0x8000_0000));
    public static ulong FsgnjnS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box((S(a) & 0x7fff_ffff) | (~S(b) & 0x8000_0000));
    public static ulong FsgnjxS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(S(a) ^ (S(b) & 0x8000_0000));
    public static ulong FminS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(SoftFloat.MinMax(Sf, S(a), S(b), false, ref flags));
    public static ulong FmaxS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(SoftFloat.MinMax(Sf, S(a), S(b), true, ref flags));
    public static ulong FeqS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Eq(Sf, S(a), S(b), ref flags) ? 1UL : 0;
    public static ulong FltS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Lt(Sf, S(a), S(b), ref flags) ? 1UL : 0;
    public static ulong FleS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Le(Sf, S(a), S(b), ref flags) ? 1UL : 0;
    public static ulong FclassS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Classify(Sf, S(a));
    // fmv.x.w copies the low 32 bits whatever the boxing, sign-extended (11.7); fmv.w.x boxes.
    public static ulong FmvXW(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => (ulong)(int)(uint)a;
    public static ulong FmvWX(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box((uint)a);
    public static ulong FcvtWS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float32.ToInt(S(a), IntKind.W, rm, ref flags);
    public static ulong FcvtWuS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float32.ToInt(S(a), IntKind.WU, rm, ref flags);
    public static ulong FcvtLS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float32.ToInt(S(a), IntKind.L, rm, ref flags);
    public static ulong FcvtLuS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float32.ToInt(S(a), IntKind.LU, rm, ref flags);
    public static ulong FcvtSW(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.FromInt(a, IntKind.W, rm, ref flags));
    public static ulong FcvtSWu(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.FromInt(a, IntKind.WU, rm, ref flags));
    public static ulong FcvtSL(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.FromInt(a, IntKind.L, rm, ref flags));
    public static ulong FcvtSLu(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.FromInt(a, IntKind.LU, rm, ref flags));

    // ---- double precision (ch. 12) ----
    public static ulong FaddD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.Add(a, b, rm, ref flags);
    public static ulong FsubD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.Sub(a, b, rm, ref flags);
    public static ulong FmulD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.Mul(a, b, rm, ref flags);
    public static ulong FdivD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.Div(a, b, rm, ref flags);
    public static ulong FsqrtD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.Sqrt(a, rm, ref flags);
    public static ulong FmaddD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.MulAdd(a, b, c, false, false, rm, ref flags);
    public static ulong FmsubD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.MulAdd(a, b, c, false, true, rm, ref flags);
    public static ulong FnmsubD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.MulAdd(a, b, c, true, false, rm, ref flags);
    public static ulong FnmaddD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.MulAdd(a, b, c, true, true, rm, ref flags);
    public static ulong FsgnjD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => (a & ~Df.SignBit) | (b & Df.SignBit);
    public static ulong FsgnjnD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => (a & ~Df.SignBit) | (~b & Df.SignBit);
    public static ulong FsgnjxD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => a ^ (b & Df.SignBit);
    public static ulong FminD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.MinMax(Df, a, b, false, ref flags);
    public static ulong FmaxD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.MinMax(Df, a, b, true, ref flags);
    public static ulong FeqD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Eq(Df, a, b, ref flags) ? 1UL : 0;
    public static ulong FltD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Lt(Df, a, b, ref flags) ? 1UL : 0;
    public static ulong FleD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Le(Df, a, b, ref flags) ? 1UL : 0;
    public static ulong FclassD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => SoftFloat.Classify(Df, a);
    public static ulong FmvXD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => a;
    public static ulong FmvDX(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => a;
    public static ulong FcvtSD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Box(Float32.FromDouble(a, rm, ref flags));
    public static ulong FcvtDS(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float32.ToDouble(S(a), ref flags);
    public static ulong FcvtWD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.ToInt(a, IntKind.W, rm, ref flags);
    public static ulong FcvtWuD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.ToInt(a, IntKind.WU, rm, ref flags);
    public static ulong FcvtLD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.ToInt(a, IntKind.L, rm, ref flags);
    public static ulong FcvtLuD(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.ToInt(a, IntKind.LU, rm, ref flags);
    public static ulong FcvtDW(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.FromInt(a, IntKind.W, rm, ref flags);
    public static ulong FcvtDWu(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.FromInt(a, IntKind.WU, rm, ref flags);
    public static ulong FcvtDL(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.FromInt(a, IntKind.L, rm, ref flags);
    public static ulong FcvtDLu(ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags) => Float64.FromInt(a, IntKind.LU, rm, ref flags);
}
