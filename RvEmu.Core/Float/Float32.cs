using System.Runtime.CompilerServices;
using static RvEmu.Core.Float.FloatFlags;

namespace RvEmu.Core.Float;

/// <summary>
/// Binary32 arithmetic through the host's binary64. Products of two singles are exact in binary64;
/// sums, quotients, square roots and fused multiply-adds are computed with their exact error
/// (TwoSum, FMA residual) and rounded to odd, which keeps every bit a later rounding to 24 bits needs
/// (53 ≥ 24 + 2). The final rounding is then the host's binary64 → binary32 conversion (RNE, normal
/// results) or <see cref="SoftFloat.Convert"/>, which handles every mode, tininess after rounding,
/// and overflow exactly. NaN or infinite operands, zero divisors and negative square roots go to
/// <see cref="SoftFloat"/>. Operands and results are 32-bit patterns (the caller NaN-boxes).
/// </summary>
internal static class Float32
{
    private static readonly FloatFormat S = FloatFormat.Single, Dbl = FloatFormat.Double;

    /// <summary>2^-125: single results at least this large are not tiny.</summary>
    private const float NotTiny = 2.3509887e-38f;

    private static float F(ulong bits) => BitConverter.UInt32BitsToSingle((uint)bits);
    private static ulong B(float f) => BitConverter.SingleToUInt32Bits(f);

    /// <summary>The host's result <paramref name="r"/> as bits; true if it is neither tiny nor possibly overflowing, nor infinite, NaN or zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPlain(float r, out ulong bits)
    {
        bits = B(r);
        float m = Math.Abs(r);
        return m >= NotTiny && m < float.MaxValue;
    }

    /// <summary>
    /// Round the exact value s + err to single precision, where s is a binary64 and err its exact
    /// error (only its sign matters; |err| &lt; ulp(s)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Narrow(double s, double err, RoundingMode rm, ref uint flags)
    {
        // Round to odd: a value strictly between two doubles becomes the odd one of them.
        if (err != 0 && (BitConverter.DoubleToUInt64Bits(s) & 1) == 0)
            s = err > 0 ? Math.BitIncrement(s) : Math.BitDecrement(s);
        if (rm == RoundingMode.Rne)
        {
            float f = (float)s, m = Math.Abs(f);
            if (m >= NotTiny && m <= float.MaxValue)
            {
                if (f != s) flags |= NX;
                return B(f);
            }
        }
        return SoftFloat.Convert(Dbl, S, BitConverter.DoubleToUInt64Bits(s), rm, ref flags);
    }

    /// <summary>The sign of an exact zero result of x + y (IEEE 754-2008 6.3), as single bits.</summary>
    private static ulong ExactZero(bool signX, bool signY, RoundingMode rm) =>
        signX == signY ? (signX ? S.SignBit : 0) : rm == RoundingMode.Rdn ? S.SignBit : 0;

    public static ulong Add(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        float fx = F(a), fy = F(b);
        if (HostResultSuffices(rm, flags) && IsPlain(fx + fy, out ulong host)) return host;
        if (float.IsFinite(fx) && float.IsFinite(fy))
        {
            double x = fx, y = fy, s = x + y;
            if (s == 0) return ExactZero(S.IsNegative(a), S.IsNegative(b), rm);
            double bp = s - x, ap = s - bp, err = (x - ap) + (y - bp);
            return Narrow(s, err, rm, ref flags);
        }
        return SoftFloat.Add(S, a, b, rm, ref flags);
    }

    public static ulong Sub(ulong a, ulong b, RoundingMode rm, ref uint flags) => Add(a, b ^ S.SignBit, rm, ref flags);

    public static ulong Mul(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        float fx = F(a), fy = F(b);
        if (HostResultSuffices(rm, flags) && IsPlain(fx * fy, out ulong host)) return host;
        if (float.IsFinite(fx) && float.IsFinite(fy))
        {
            double p = (double)fx * fy; // exact: 48 significant bits
            if (p == 0) return S.IsNegative(a) != S.IsNegative(b) ? S.SignBit : 0;
            return Narrow(p, 0, rm, ref flags);
        }
        return SoftFloat.Mul(S, a, b, rm, ref flags);
    }

    public static ulong Div(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        float fx = F(a), fy = F(b);
        if (HostResultSuffices(rm, flags) && IsPlain(fx / fy, out ulong host)) return host;
        if (float.IsFinite(fx) && float.IsFinite(fy) && fy != 0)
        {
            double x = fx, y = fy, q = x / y;
            if (q == 0) return S.IsNegative(a) != S.IsNegative(b) ? S.SignBit : 0;
            double rem = Math.FusedMultiplyAdd(-q, y, x); // exact
            return Narrow(q, y > 0 ? rem : -rem, rm, ref flags);
        }
        return SoftFloat.Div(S, a, b, rm, ref flags);
    }

    public static ulong Sqrt(ulong a, RoundingMode rm, ref uint flags)
    {
        float fx = F(a);
        if (HostResultSuffices(rm, flags) && IsPlain(MathF.Sqrt(fx), out ulong host)) return host;
        if (fx > 0 && float.IsFinite(fx))
        {
            double x = fx, r = Math.Sqrt(x);
            return Narrow(r, Math.FusedMultiplyAdd(-r, r, x), rm, ref flags);
        }
        return SoftFloat.Sqrt(S, a, rm, ref flags);
    }

    public static ulong MulAdd(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, RoundingMode rm, ref uint flags)
    {
        if (negateProduct) a ^= S.SignBit;
        if (negateAddend) c ^= S.SignBit;
        float fx = F(a), fy = F(b), fz = F(c);
        if (HostResultSuffices(rm, flags) && IsPlain(MathF.FusedMultiplyAdd(fx, fy, fz), out ulong host)) return host;
        if (float.IsFinite(fx) && float.IsFinite(fy) && float.IsFinite(fz))
        {
            double p = (double)fx * fy, z = fz, s = p + z; // p exact
            if (s == 0) return ExactZero(S.IsNegative(a) != S.IsNegative(b), S.IsNegative(c), rm);
            double bp = s - p, ap = s - bp, err = (p - ap) + (z - bp);
            return Narrow(s, err, rm, ref flags);
        }
        return SoftFloat.MulAdd(S, a, b, c, false, false, rm, ref flags);
    }

    /// <summary>fcvt.s.d.</summary>
    public static ulong FromDouble(ulong d, RoundingMode rm, ref uint flags)
    {
        double x = BitConverter.UInt64BitsToDouble(d);
        if (rm == RoundingMode.Rne)
        {
            float f = (float)x, m = Math.Abs(f);
            if (m >= NotTiny && m <= float.MaxValue)
            {
                if (f != x) flags |= NX;
                return B(f);
            }
        }
        return SoftFloat.Convert(Dbl, S, d, rm, ref flags);
    }

    /// <summary>fcvt.d.s: exact for every finite single.</summary>
    public static ulong ToDouble(ulong a, ref uint flags)
    {
        float f = F(a);
        if (float.IsFinite(f)) return BitConverter.DoubleToUInt64Bits(f);
        return SoftFloat.Convert(S, Dbl, a, RoundingMode.Rne, ref flags);
    }

    /// <summary>fcvt.{w,wu,l,lu}.s: the single widens exactly, so the binary64 conversion gives the same result and flags.</summary>
    public static ulong ToInt(ulong a, IntKind kind, RoundingMode rm, ref uint flags)
    {
        float f = F(a);
        if (float.IsNaN(f)) return SoftFloat.ToInt(S, a, kind, rm, ref flags);
        return Float64.ToInt(BitConverter.DoubleToUInt64Bits(f), kind, rm, ref flags);
    }

    /// <summary>fcvt.s.{w,wu,l,lu}: integers below 2^24 in magnitude are exact.</summary>
    public static ulong FromInt(ulong v, IntKind kind, RoundingMode rm, ref uint flags)
    {
        long n = kind switch { IntKind.W => (int)v, IntKind.WU => (uint)v, _ => (long)v };
        if (kind != IntKind.LU || (long)v >= 0)
        {
            if (n > -(1 << 24) && n < 1 << 24) return B(n);
        }
        return SoftFloat.FromInt(S, v, kind, rm, ref flags);
    }
}
