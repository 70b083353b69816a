using System.Runtime.CompilerServices;
using RvEmu.Core.Float;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// F and D extensions (unprivileged spec ch. 11 and 12). Registers hold raw bits; singles are
/// NaN-boxed (12.2). Arithmetic lives in <see cref="Float32"/>, <see cref="Float64"/> and
/// <see cref="SoftFloat"/>; this file decodes operands, resolves the rounding mode, and accrues flags.
/// </summary>
public sealed unsafe partial class Hart
{
    /// <summary>Whether F and D are implemented (reported in misa and the device tree).</summary>
    public const bool FloatingPointImplemented = true;

    /// <summary>The upper half of a NaN-boxed single (spec 12.2).</summary>
    private const ulong NaNBox = 0xffff_ffff_0000_0000;
    private const ulong CanonicalNaNSingle = 0x7fc0_0000;

    /// <summary>Ops whose encoding has an rm field (formats FR4, FRrm, FR1rm, XFrm, FXrm), from the instruction table.</summary>
    private static readonly bool[] HasRoundingMode = OpsWithFormat(Format.FR4, Format.FRrm, Format.FR1rm, Format.XFrm, Format.FXrm);

    /// <summary>Ops that write an FP register.</summary>
    private static readonly bool[] WritesFpRegister = OpsWithFormat(Format.FLoad, Format.FR4, Format.FRrm, Format.FR, Format.FR1rm, Format.FXrm, Format.FX);

    private static bool[] OpsWithFormat(params Format[] formats)
    {
        var t = new bool[(int)Op.Count];
        foreach (var def in InstructionTable.All)
            if (Array.IndexOf(formats, def.Format) >= 0) t[(int)def.Op] = true;
        return t;
    }

    /// <summary>fcsr as software reads it: frm in bits 7:5, fflags in 4:0 (spec 11.2).</summary>
    internal uint Fcsr
    {
        get => (uint)(_frm << 5 | _fflags);
        set { _frm = (byte)((value >> 5) & 7); _fflags = (byte)(value & 31); }
    }

    /// <summary>mstatus.FS: 0 Off, 1 Initial, 2 Clean, 3 Dirty (privileged spec 3.1.6.6).</summary>
    internal int FpStatus
    {
        get => (int)((_mstatus & FS) >> FsShift);
        set => _mstatus = (_mstatus & ~FS) | (((ulong)value & 3) << FsShift);
    }

    /// <summary>A single-precision operand: the low 32 bits if properly NaN-boxed, else the canonical NaN (spec 12.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong S(int reg)
    {
        ulong v = _f[reg];
        return (v & NaNBox) == NaNBox ? (uint)v : CanonicalNaNSingle;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetS(int reg, ulong bits) => _f[reg] = bits | NaNBox;

    /// <summary>
    /// Execute an F/D instruction. False with an exception raised when it traps. <paramref name="op"/> is the Op
    /// the dispatcher read: the slot's own Op field may meanwhile have become <see cref="Op.JitEntry"/> (the
    /// compiler thread marks region entries in the shared decode cache), so it is never read again here.
    /// </summary>
    private bool ExecuteFloat(Op op, ref DecodedInsn d)
    {
        // Privileged spec 3.1.6.6: with FS = Off every FP instruction is illegal.
        if (!FpEnabled) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
        ulong* f = _f, x = _x;
        var rm = RoundingMode.Rne;
        if (HasRoundingMode[(int)op])
        {
            // Spec 11.2: rm 7 selects frm; 5 and 6 (and frm 5-7) are reserved and illegal.
            int r = d.Rm == 7 ? _frm : d.Rm;
            if (r > 4) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
            rm = (RoundingMode)r;
        }
        var sf = FloatFormat.Single;
        var df = FloatFormat.Double;
        uint flags = 0;
        ulong v;
        switch (op)
        {
            // ---- loads and stores (11.5, 12.3); a load NaN-boxes, a store writes the low bits as they are ----
            case Op.Flw: if (!Load32(x[d.Rs1] + (ulong)d.Imm, out v, _chunkRetired)) return false; SetS(d.Rd, (uint)v); break;
            case Op.Fld: if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkRetired)) return false; f[d.Rd] = v; break;
            case Op.Fsw: return Store32(x[d.Rs1] + (ulong)d.Imm, f[d.Rs2], _chunkRetired);
            case Op.Fsd: return Store64(x[d.Rs1] + (ulong)d.Imm, f[d.Rs2], _chunkRetired);

            // ---- single precision (ch. 11) ----
            case Op.FaddS: SetS(d.Rd, Float32.Add(S(d.Rs1), S(d.Rs2), rm, ref flags)); break;
            case Op.FsubS: SetS(d.Rd, Float32.Sub(S(d.Rs1), S(d.Rs2), rm, ref flags)); break;
            case Op.FmulS: SetS(d.Rd, Float32.Mul(S(d.Rs1), S(d.Rs2), rm, ref flags)); break;
            case Op.FdivS: SetS(d.Rd, Float32.Div(S(d.Rs1), S(d.Rs2), rm, ref flags)); break;
            case Op.FsqrtS: SetS(d.Rd, Float32.Sqrt(S(d.Rs1), rm, ref flags)); break;
            case Op.FmaddS: SetS(d.Rd, Float32.MulAdd(S(d.Rs1), S(d.Rs2), S(d.Rs3), false, false, rm, ref flags)); break;
            case Op.FmsubS: SetS(d.Rd, Float32.MulAdd(S(d.Rs1), S(d.Rs2), S(d.Rs3), false, true, rm, ref flags)); break;
            case Op.FnmsubS: SetS(d.Rd, Float32.MulAdd(S(d.Rs1), S(d.Rs2), S(d.Rs3), true, false, rm, ref flags)); break;
            case Op.FnmaddS: SetS(d.Rd, Float32.MulAdd(S(d.Rs1), S(d.Rs2), S(d.Rs3), true, true, rm, ref flags)); break;
            case Op.FsgnjS: SetS(d.Rd, (S(d.Rs1) & 0x7fff_ffff) | (S(d.Rs2) & 0x8000_0000)); break;
            case Op.FsgnjnS: SetS(d.Rd, (S(d.Rs1) & 0x7fff_ffff) | (~S(d.Rs2) & 0x8000_0000)); break;
            case Op.FsgnjxS: SetS(d.Rd, S(d.Rs1) ^ (S(d.Rs2) & 0x8000_0000)); break;
            case Op.FminS: SetS(d.Rd, SoftFloat.MinMax(sf, S(d.Rs1), S(d.Rs2), false, ref flags)); break;
            case Op.FmaxS: SetS(d.Rd, SoftFloat.MinMax(sf, S(d.Rs1), S(d.Rs2), true, ref flags)); break;
            case Op.FeqS: x[d.Rd] = SoftFloat.Eq(sf, S(d.Rs1), S(d.Rs2), ref flags) ? 1UL : 0; break;
            case Op.FltS: x[d.Rd] = SoftFloat.Lt(sf, S(d.Rs1), S(d.Rs2), ref flags) ? 1UL : 0; break;
            case Op.FleS: x[d.Rd] = SoftFloat.Le(sf, S(d.Rs1), S(d.Rs2), ref flags) ? 1UL : 0; break;
            case Op.FclassS: x[d.Rd] = SoftFloat.Classify(sf, S(d.Rs1)); break;
            // fmv.x.w copies the low 32 bits whatever the boxing, sign-extended (11.7); fmv.w.x boxes.
            case Op.FmvXW: x[d.Rd] = (ulong)(int)(uint)f[d.Rs1]; return true;
            case Op.FmvWX: SetS(d.Rd, (uint)x[d.Rs1]); break;
            case Op.FcvtWS: x[d.Rd] = Float32.ToInt(S(d.Rs1), IntKind.W, rm, ref flags); break;
            case Op.FcvtWuS: x[d.Rd] = Float32.ToInt(S(d.Rs1), IntKind.WU, rm, ref flags); break;
            case Op.FcvtLS: x[d.Rd] = Float32.ToInt(S(d.Rs1), IntKind.L, rm, ref flags); break;
            case Op.FcvtLuS: x[d.Rd] = Float32.ToInt(S(d.Rs1), IntKind.LU, rm, ref flags); break;
            case Op.FcvtSW: SetS(d.Rd, Float32.FromInt(x[d.Rs1], IntKind.W, rm, ref flags)); break;
            case Op.FcvtSWu: SetS(d.Rd, Float32.FromInt(x[d.Rs1], IntKind.WU, rm, ref flags)); break;
            case Op.FcvtSL: SetS(d.Rd, Float32.FromInt(x[d.Rs1], IntKind.L, rm, ref flags)); break;
            case Op.FcvtSLu: SetS(d.Rd, Float32.FromInt(x[d.Rs1], IntKind.LU, rm, ref flags)); break;

            // ---- double precision (ch. 12) ----
            case Op.FaddD: f[d.Rd] = Float64.Add(f[d.Rs1], f[d.Rs2], rm, ref flags); break;
            case Op.FsubD: f[d.Rd] = Float64.Sub(f[d.Rs1], f[d.Rs2], rm, ref flags); break;
            case Op.FmulD: f[d.Rd] = Float64.Mul(f[d.Rs1], f[d.Rs2], rm, ref flags); break;
            case Op.FdivD: f[d.Rd] = Float64.Div(f[d.Rs1], f[d.Rs2], rm, ref flags); break;
            case Op.FsqrtD: f[d.Rd] = Float64.Sqrt(f[d.Rs1], rm, ref flags); break;
            case Op.FmaddD: f[d.Rd] = Float64.MulAdd(f[d.Rs1], f[d.Rs2], f[d.Rs3], false, false, rm, ref flags); break;
            case Op.FmsubD: f[d.Rd] = Float64.MulAdd(f[d.Rs1], f[d.Rs2], f[d.Rs3], false, true, rm, ref flags); break;
            case Op.FnmsubD: f[d.Rd] = Float64.MulAdd(f[d.Rs1], f[d.Rs2], f[d.Rs3], true, false, rm, ref flags); break;
            case Op.FnmaddD: f[d.Rd] = Float64.MulAdd(f[d.Rs1], f[d.Rs2], f[d.Rs3], true, true, rm, ref flags); break;
            case Op.FsgnjD: f[d.Rd] = (f[d.Rs1] & ~df.SignBit) | (f[d.Rs2] & df.SignBit); break;
            case Op.FsgnjnD: f[d.Rd] = (f[d.Rs1] & ~df.SignBit) | (~f[d.Rs2] & df.SignBit); break;
            case Op.FsgnjxD: f[d.Rd] = f[d.Rs1] ^ (f[d.Rs2] & df.SignBit); break;
            case Op.FminD: f[d.Rd] = SoftFloat.MinMax(df, f[d.Rs1], f[d.Rs2], false, ref flags); break;
            case Op.FmaxD: f[d.Rd] = SoftFloat.MinMax(df, f[d.Rs1], f[d.Rs2], true, ref flags); break;
            case Op.FeqD: x[d.Rd] = SoftFloat.Eq(df, f[d.Rs1], f[d.Rs2], ref flags) ? 1UL : 0; break;
            case Op.FltD: x[d.Rd] = SoftFloat.Lt(df, f[d.Rs1], f[d.Rs2], ref flags) ? 1UL : 0; break;
            case Op.FleD: x[d.Rd] = SoftFloat.Le(df, f[d.Rs1], f[d.Rs2], ref flags) ? 1UL : 0; break;
            case Op.FclassD: x[d.Rd] = SoftFloat.Classify(df, f[d.Rs1]); break;
            case Op.FmvXD: x[d.Rd] = f[d.Rs1]; return true;
            case Op.FmvDX: f[d.Rd] = x[d.Rs1]; break;
            case Op.FcvtSD: SetS(d.Rd, Float32.FromDouble(f[d.Rs1], rm, ref flags)); break;
            case Op.FcvtDS: f[d.Rd] = Float32.ToDouble(S(d.Rs1), ref flags); break;
            case Op.FcvtWD: x[d.Rd] = Float64.ToInt(f[d.Rs1], IntKind.W, rm, ref flags); break;
            case Op.FcvtWuD: x[d.Rd] = Float64.ToInt(f[d.Rs1], IntKind.WU, rm, ref flags); break;
            case Op.FcvtLD: x[d.Rd] = Float64.ToInt(f[d.Rs1], IntKind.L, rm, ref flags); break;
            case Op.FcvtLuD: x[d.Rd] = Float64.ToInt(f[d.Rs1], IntKind.LU, rm, ref flags); break;
            case Op.FcvtDW: f[d.Rd] = Float64.FromInt(x[d.Rs1], IntKind.W, rm, ref flags); break;
            case Op.FcvtDWu: f[d.Rd] = Float64.FromInt(x[d.Rs1], IntKind.WU, rm, ref flags); break;
            case Op.FcvtDL: f[d.Rd] = Float64.FromInt(x[d.Rs1], IntKind.L, rm, ref flags); break;
            case Op.FcvtDLu: f[d.Rd] = Float64.FromInt(x[d.Rs1], IntKind.LU, rm, ref flags); break;

            default: return Raise(ExceptionCause.IllegalInstruction, d.Raw);
        }
        // A write to an FP register or to fflags makes FS Dirty (privileged spec 3.1.6.6); an
        // integer-result instruction that raises no flag changes no FP state.
        if (flags != 0 || WritesFpRegister[(int)op])
        {
            _fflags |= (byte)flags;
            MarkFpDirty();
        }
        return true;
    }
}
