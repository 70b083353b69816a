using RvEmu.Core.Float;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// F and D extensions (unprivileged spec ch. 11 and 12). Registers hold raw bits; singles are
/// NaN-boxed (12.2). What each instruction computes lives in <see cref="FloatInstructions"/> (shared with compiled
/// regions); this file checks FS, resolves the rounding mode, moves operands and accrues flags.
/// </summary>
public sealed unsafe partial class Hart
{
    /// <summary>Whether F and D are implemented (reported in misa and the device tree).</summary>
    public const bool FloatingPointImplemented = true;

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
        if (FloatInstructions.HasRoundingMode[(int)op])
        {
            // Spec 11.2: rm 7 selects frm; 5 and 6 (and frm 5-7) are reserved and illegal.
            int r = d.Rm == 7 ? _frm : d.Rm;
            if (r > 4) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
            rm = (RoundingMode)r;
        }
        // The flags accrued so far: with NX among them the arithmetic may take the host's result as it is
        // (FloatFlags.HostResultSuffices).
        uint flags = _fflags;
        ulong v;
        switch (op)
        {
            // ---- loads and stores (11.5, 12.3); a load NaN-boxes, a store writes the low bits as they are ----
            case Op.Flw: if (!Load32(x[d.Rs1] + (ulong)d.Imm, out v, _chunkRetired)) return false; f[d.Rd] = FloatInstructions.Box((uint)v); break;
            case Op.Fld: if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkRetired)) return false; f[d.Rd] = v; break;
            case Op.Fsw: return Store32(x[d.Rs1] + (ulong)d.Imm, f[d.Rs2], _chunkRetired);
            case Op.Fsd: return Store64(x[d.Rs1] + (ulong)d.Imm, f[d.Rs2], _chunkRetired);

            default:
                if (!FloatInstructions.IsArithmetic(op)) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
                v = FloatInstructions.Compute(op, FloatInstructions.ReadsIntegerRs1[(int)op] ? x[d.Rs1] : f[d.Rs1], f[d.Rs2], f[d.Rs3], rm, ref flags);
                if (FloatInstructions.WritesFpRegister[(int)op]) f[d.Rd] = v; else x[d.Rd] = v;
                break;
        }
        // A write to an FP register or to fflags makes FS Dirty (privileged spec 3.1.6.6); an
        // integer-result instruction that raises no new flag changes no FP state.
        if (flags != _fflags || FloatInstructions.WritesFpRegister[(int)op])
        {
            _fflags = (byte)flags;
            MarkFpDirty();
        }
        return true;
    }
}
