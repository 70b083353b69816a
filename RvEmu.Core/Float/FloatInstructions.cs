using System.Runtime.CompilerServices;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Float;

/// <summary>
/// What each F and D instruction other than a load or store computes (unprivileged spec ch. 11 and 12), on raw
/// register bits: the interpreter (Hart.Float.cs) and compiled regions (JitCompiler) both call
/// <see cref="Compute"/>, so the two cannot disagree. Operands come from the register file the instruction's
/// format names (<see cref="ReadsIntegerRs1"/>, <see cref="WritesFpRegister"/>); single-precision operands are
/// unboxed here and results boxed (spec 12.2), so a caller only moves 64-bit values.
/// </summary>
internal static class FloatInstructions
{
    /// <summary>The upper half of a NaN-boxed single (spec 12.2).</summary>
    public const ulong NaNBox = 0xffff_ffff_0000_0000;
    private const ulong CanonicalNaNSingle = 0x7fc0_0000;

    /// <summary>Ops whose encoding has an rm field (formats FR4, FRrm, FR1rm, XFrm, FXrm), from the instruction table.</summary>
    public static readonly bool[] HasRoundingMode = OpsWithFormat(Format.FR4, Format.FRrm, Format.FR1rm, Format.XFrm, Format.FXrm);

    /// <summary>Ops whose result goes to an FP register (the others write an integer register).</summary>
    public static readonly bool[] WritesFpRegister = OpsWithFormat(Format.FLoad, Format.FR4, Format.FRrm, Format.FR, Format.FR1rm, Format.FXrm, Format.FX);

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
    public static ulong S(ulong v) => (v & NaNBox) == NaNBox ? (uint)v : CanonicalNaNSingle;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Box(ulong bits) => bits | NaNBox;

    /// <summary>
    /// The result of <paramref name="op"/> (an <see cref="IsArithmetic"/> op) on rs1, rs2, rs3 = <paramref name="a"/>,
    /// <paramref name="b"/>, <paramref name="c"/> in rounding mode <paramref name="rm"/> (already resolved and
    /// legal); exception flags are ORed into <paramref name="flags"/>.
    /// </summary>
    public static ulong Compute(Op op, ulong a, ulong b, ulong c, RoundingMode rm, ref uint flags)
    {
        var sf = FloatFormat.Single;
        var df = FloatFormat.Double;
        switch (op)
        {
            // ---- single precision (ch. 11) ----
            case Op.FaddS: return Box(Float32.Add(S(a), S(b), rm, ref flags));
            case Op.FsubS: return Box(Float32.Sub(S(a), S(b), rm, ref flags));
            case Op.FmulS: return Box(Float32.Mul(S(a), S(b), rm, ref flags));
            case Op.FdivS: return Box(Float32.Div(S(a), S(b), rm, ref flags));
            case Op.FsqrtS: return Box(Float32.Sqrt(S(a), rm, ref flags));
            case Op.FmaddS: return Box(Float32.MulAdd(S(a), S(b), S(c), false, false, rm, ref flags));
            case Op.FmsubS: return Box(Float32.MulAdd(S(a), S(b), S(c), false, true, rm, ref flags));
            case Op.FnmsubS: return Box(Float32.MulAdd(S(a), S(b), S(c), true, false, rm, ref flags));
            case Op.FnmaddS: return Box(Float32.MulAdd(S(a), S(b), S(c), true, true, rm, ref flags));
            case Op.FsgnjS: return Box((S(a) & 0x7fff_ffff) | (S(b) & 0x8000_0000));
            case Op.FsgnjnS: return Box((S(a) & 0x7fff_ffff) | (~S(b) & 0x8000_0000));
            case Op.FsgnjxS: return Box(S(a) ^ (S(b) & 0x8000_0000));
            case Op.FminS: return Box(SoftFloat.MinMax(sf, S(a), S(b), false, ref flags));
            case Op.FmaxS: return Box(SoftFloat.MinMax(sf, S(a), S(b), true, ref flags));
            case Op.FeqS: return SoftFloat.Eq(sf, S(a), S(b), ref flags) ? 1UL : 0;
            case Op.FltS: return SoftFloat.Lt(sf, S(a), S(b), ref flags) ? 1UL : 0;
            case Op.FleS: return SoftFloat.Le(sf, S(a), S(b), ref flags) ? 1UL : 0;
            case Op.FclassS: return SoftFloat.Classify(sf, S(a));
            // fmv.x.w copies the low 32 bits whatever the boxing, sign-extended (11.7); fmv.w.x boxes.
            case Op.FmvXW: return (ulong)(int)(uint)a;
            case Op.FmvWX: return Box((uint)a);
            case Op.FcvtWS: return Float32.ToInt(S(a), IntKind.W, rm, ref flags);
            case Op.FcvtWuS: return Float32.ToInt(S(a), IntKind.WU, rm, ref flags);
            case Op.FcvtLS: return Float32.ToInt(S(a), IntKind.L, rm, ref flags);
            case Op.FcvtLuS: return Float32.ToInt(S(a), IntKind.LU, rm, ref flags);
            case Op.FcvtSW: return Box(Float32.FromInt(a, IntKind.W, rm, ref flags));
            case Op.FcvtSWu: return Box(Float32.FromInt(a, IntKind.WU, rm, ref flags));
            case Op.FcvtSL: return Box(Float32.FromInt(a, IntKind.L, rm, ref flags));
            case Op.FcvtSLu: return Box(Float32.FromInt(a, IntKind.LU, rm, ref flags));

            // ---- double precision (ch. 12) ----
            case Op.FaddD: return Float64.Add(a, b, rm, ref flags);
            case Op.FsubD: return Float64.Sub(a, b, rm, ref flags);
            case Op.FmulD: return Float64.Mul(a, b, rm, ref flags);
            case Op.FdivD: return Float64.Div(a, b, rm, ref flags);
            case Op.FsqrtD: return Float64.Sqrt(a, rm, ref flags);
            case Op.FmaddD: return Float64.MulAdd(a, b, c, false, false, rm, ref flags);
            case Op.FmsubD: return Float64.MulAdd(a, b, c, false, true, rm, ref flags);
            case Op.FnmsubD: return Float64.MulAdd(a, b, c, true, false, rm, ref flags);
            case Op.FnmaddD: return Float64.MulAdd(a, b, c, true, true, rm, ref flags);
            case Op.FsgnjD: return (a & ~df.SignBit) | (b & df.SignBit);
            case Op.FsgnjnD: return (a & ~df.SignBit) | (~b & df.SignBit);
            case Op.FsgnjxD: return a ^ (b & df.SignBit);
            case Op.FminD: return SoftFloat.MinMax(df, a, b, false, ref flags);
            case Op.FmaxD: return SoftFloat.MinMax(df, a, b, true, ref flags);
            case Op.FeqD: return SoftFloat.Eq(df, a, b, ref flags) ? 1UL : 0;
            case Op.FltD: return SoftFloat.Lt(df, a, b, ref flags) ? 1UL : 0;
            case Op.FleD: return SoftFloat.Le(df, a, b, ref flags) ? 1UL : 0;
            case Op.FclassD: return SoftFloat.Classify(df, a);
            case Op.FmvXD: return a;
            case Op.FmvDX: return a;
            case Op.FcvtSD: return Box(Float32.FromDouble(a, rm, ref flags));
            case Op.FcvtDS: return Float32.ToDouble(S(a), ref flags);
            case Op.FcvtWD: return Float64.ToInt(a, IntKind.W, rm, ref flags);
            case Op.FcvtWuD: return Float64.ToInt(a, IntKind.WU, rm, ref flags);
            case Op.FcvtLD: return Float64.ToInt(a, IntKind.L, rm, ref flags);
            case Op.FcvtLuD: return Float64.ToInt(a, IntKind.LU, rm, ref flags);
            case Op.FcvtDW: return Float64.FromInt(a, IntKind.W, rm, ref flags);
            case Op.FcvtDWu: return Float64.FromInt(a, IntKind.WU, rm, ref flags);
            case Op.FcvtDL: return Float64.FromInt(a, IntKind.L, rm, ref flags);
            case Op.FcvtDLu: return Float64.FromInt(a, IntKind.LU, rm, ref flags);
            default: return 0; // not an arithmetic op: callers never pass one
        }
    }
}
