using System.Runtime.CompilerServices;

namespace RvEmu.Core.Float;

/// <summary>The accrued exception flags as laid out in fflags (unprivileged spec 11.2, table 11.2).</summary>
internal static class FloatFlags
{
    /// <summary>Inexact.</summary>
    public const uint NX = 1;
    /// <summary>Underflow (tiny after rounding and inexact; IEEE 754-2008 7.5).</summary>
    public const uint UF = 2;
    /// <summary>Overflow.</summary>
    public const uint OF = 4;
    /// <summary>Divide by zero.</summary>
    public const uint DZ = 8;
    /// <summary>Invalid operation.</summary>
    public const uint NV = 16;

    /// <summary>
    /// Whether a result may skip the exactness check (QEMU's "hardfloat" shortcut, fpu/softfloat.c
    /// can_use_fpu): in round-to-nearest-even the host's result is the correctly rounded one, and once NX
    /// is among the <paramref name="accrued"/> flags an inexact result adds nothing to them. The caller
    /// still sends results that may be tiny, huge, infinite or NaN down the careful path (they may raise
    /// UF, OF or NV, or need the canonical NaN). fflags only accumulate until software clears them, so after
    /// a program's first inexact result this is the common case.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HostResultSuffices(RoundingMode rm, uint accrued) => rm == RoundingMode.Rne && (accrued & NX) != 0;
}

/// <summary>Rounding modes as encoded in rm and frm (unprivileged spec 11.2, table 11.1).</summary>
internal enum RoundingMode : byte
{
    /// <summary>Round to nearest, ties to even.</summary>
    Rne = 0,
    /// <summary>Round towards zero.</summary>
    Rtz = 1,
    /// <summary>Round down (towards -infinity).</summary>
    Rdn = 2,
    /// <summary>Round up (towards +infinity).</summary>
    Rup = 3,
    /// <summary>Round to nearest, ties to max magnitude.</summary>
    Rmm = 4,
}

/// <summary>Which integer an fcvt to or from an integer register uses (spec 11.7, 12.5).</summary>
internal enum IntKind : byte
{
    /// <summary>Signed 32-bit (fcvt.w.*, fcvt.*.w).</summary>
    W,
    /// <summary>Unsigned 32-bit (fcvt.wu.*, fcvt.*.wu).</summary>
    WU,
    /// <summary>Signed 64-bit (fcvt.l.*, fcvt.*.l).</summary>
    L,
    /// <summary>Unsigned 64-bit (fcvt.lu.*, fcvt.*.lu).</summary>
    LU,
}
