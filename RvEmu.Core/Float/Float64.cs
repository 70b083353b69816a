using System.Runtime.CompilerServices;
using static RvEmu.Core.Float.FloatFlags;

namespace RvEmu.Core.Float;

/// <summary>
/// Binary64 arithmetic at host speed. The host computes the round-to-nearest-even result, which
/// IEEE 754 makes exact-rounded; an error-free transformation then gives the exact error of that
/// result (TwoSum for sums, an FMA residual for products, quotients and square roots), which decides
/// NX and, for the directed modes, whether to step one ulp. Anything unusual (NaN, infinity, zero
/// divisor, results that are tiny, huge or might overflow, RMM ties) goes to <see cref="SoftFloat"/>.
/// </summary>
internal static class Float64
{
    private static readonly FloatFormat F = FloatFormat.Double;

    /// <summary>2^-1021: results at least this large are never tiny, whatever the rounding.</summary>
    private const double NotTiny = 4.450147717014403e-308;
    /// <summary>2^-969: above this, product and quotient residuals are exactly representable (no underflow).</summary>
    private const double ResidualSafe = 2.0041683600089728e-292;
    /// <summary>Results below this magnitude cannot overflow when stepped one ulp outwards.</summary>
    private const double NotHuge = double.MaxValue;

    private static double D(ulong bits) => BitConverter.UInt64BitsToDouble(bits);
    private static ulong B(double d) => BitConverter.DoubleToUInt64Bits(d);

    /// <summary>
    /// The correctly rounded result in <paramref name="rm"/> from r = RNE(v) and the sign of err = v − r
    /// (r normal, neither tiny nor the largest finite). RMM equals RNE except on ties, which callers
    /// send to the software path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Directed(double r, double err, RoundingMode rm)
    {
        switch (rm)
        {
            case RoundingMode.Rtz: return (err < 0) == (r > 0) ? StepTowardZero(r) : r;
            case RoundingMode.Rdn: return err < 0 ? Math.BitDecrement(r) : r;
            case RoundingMode.Rup: return err > 0 ? Math.BitIncrement(r) : r;
            default: return r;
        }
    }

    private static double StepTowardZero(double r) => r > 0 ? Math.BitDecrement(r) : Math.BitIncrement(r);

    /// <summary>Whether the exact value r + err is halfway between r and its neighbour on err's side.</summary>
    private static bool IsTie(double r, double err)
    {
        double n = err > 0 ? Math.BitIncrement(r) : Math.BitDecrement(r);
        return 2 * err == n - r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InFastRange(double r)
    {
        double m = Math.Abs(r);
        return m >= NotTiny && m < NotHuge; // false for NaN, infinities, zeros, subnormals, ±max
    }

    public static ulong Add(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x + y;
        if (InFastRange(r))
        {
            if (HostResultSuffices(rm, flags)) return B(r);
            // TwoSum (Knuth): err = (x + y) − r exactly.
            double bp = r - x, ap = r - bp, err = (x - ap) + (y - bp);
            if (err == 0) return B(r);
            if (double.IsFinite(err) && (rm != RoundingMode.Rmm || !IsTie(r, err)))
            {
                flags |= NX;
                return B(Directed(r, err, rm));
            }
        }
        else if (r == 0 && double.IsFinite(x) && double.IsFinite(y))
        {
            // An exact zero: x = −y, or both zero. Only its sign depends on the rounding mode.
            if (rm == RoundingMode.Rdn && (a ^ b) >> 63 != 0) return F.SignBit;
            return B(r);
        }
        return SoftFloat.Add(F, a, b, rm, ref flags);
    }

    public static ulong Sub(ulong a, ulong b, RoundingMode rm, ref uint flags) => Add(a, b ^ F.SignBit, rm, ref flags);

    public static ulong Mul(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x * y;
        if (HostResultSuffices(rm, flags) && InFastRange(r)) return B(r);
        if (InFastRange(r) && Math.Abs(r) >= ResidualSafe)
        {
            double err = Math.FusedMultiplyAdd(x, y, -r);
            if (err == 0) return B(r);
            if (rm != RoundingMode.Rmm || !IsTie(r, err))
            {
                flags |= NX;
                return B(Directed(r, err, rm));
            }
        }
        else if (r == 0 && (x == 0 || y == 0) && double.IsFinite(x) && double.IsFinite(y))
        {
            return B(r); // an exact zero, signed by the operands
        }
        return SoftFloat.Mul(F, a, b, rm, ref flags);
    }

    public static ulong Div(ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        double x = D(a), y = D(b), r = x / y;
        if (HostResultSuffices(rm, flags) && InFastRange(r)) return B(r);
        if (InFastRange(r) && Math.Abs(x) >= ResidualSafe)
        {
            // x − r·y is exact; x/y − r has its sign times y's. A quotient is never a tie.
            double rem = Math.FusedMultiplyAdd(-r, y, x);
            if (rem == 0) return B(r);
            flags |= NX;
            return B(Directed(r, y > 0 ? rem : -rem, rm));
        }
        return SoftFloat.Div(F, a, b, rm, ref flags);
    }

    public static ulong Sqrt(ulong a, RoundingMode rm, ref uint flags)
    {
        double x = D(a);
        if (x >= ResidualSafe && x < double.PositiveInfinity)
        {
            double r = Math.Sqrt(x);
            if (HostResultSuffices(rm, flags) && InFastRange(r)) return B(r);
            // x − r² is exact; a square root is never a tie.
            double rem = Math.FusedMultiplyAdd(-r, r, x);
            if (rem == 0) return B(r);
            flags |= NX;
            return B(Directed(r, rem, rm));
        }
        return SoftFloat.Sqrt(F, a, rm, ref flags);
    }

    /// <summary>(±a×b) ± c with one rounding; see <see cref="SoftFloat.MulAdd"/>.</summary>
    public static ulong MulAdd(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, RoundingMode rm, ref uint flags)
    {
        double x = D(negateProduct ? a ^ F.SignBit : a), y = D(b), z = D(negateAddend ? c ^ F.SignBit : c);
        double r = Math.FusedMultiplyAdd(x, y, z);
        if (InFastRange(r))
        {
            if (HostResultSuffices(rm, flags)) return B(r);
            double p = x * y;
            if (Math.Abs(p) >= ResidualSafe && double.IsFinite(p))
            {
                // x·y = p + pe exactly, and r − z = m + me exactly (TwoSum). Both pairs are the unique
                // (round-to-nearest, exact error) representation of their sum, so the fma is exact iff
                // they are equal; otherwise the sign of (x·y + z) − r = (p + pe) − (m + me) comes from
                // the leading terms, or from the error terms when the leading terms agree.
                double pe = Math.FusedMultiplyAdd(x, y, -p);
                double m = r - z, bp = m - r, ap = m - bp, me = (r - ap) + (-z - bp);
                if (double.IsFinite(m) && double.IsFinite(me))
                {
                    if (m == p && me == pe) return B(r);
                    double err = m != p ? p - m : pe - me;
                    if (rm != RoundingMode.Rmm)
                    {
                        flags |= NX;
                        return B(Directed(r, err, rm));
                    }
                }
            }
        }
        return SoftFloat.MulAdd(F, a, b, c, negateProduct, negateAddend, rm, ref flags);
    }

    /// <summary>fcvt to an integer: host rounding (Math.Round in the requested direction) is exact.</summary>
    public static ulong ToInt(ulong a, IntKind kind, RoundingMode rm, ref uint flags)
    {
        double x = D(a);
        // Inside ±2^31 every kind either fits or (unsigned, negative) needs the careful path.
        if (Math.Abs(x) < 2147483648.0)
        {
            double t = rm switch
            {
                RoundingMode.Rne => Math.Round(x, MidpointRounding.ToEven),
                RoundingMode.Rtz => Math.Truncate(x),
                RoundingMode.Rdn => Math.Floor(x),
                RoundingMode.Rup => Math.Ceiling(x),
                _ => Math.Round(x, MidpointRounding.AwayFromZero),
            };
            // t is in [−2^31, 2^31]: only 2^31 (for W) and negatives (for the unsigned kinds) do not fit.
            bool fits = t < 0 ? kind is IntKind.W or IntKind.L : kind != IntKind.W || t < 2147483648.0;
            if (fits)
            {
                if (t != x) flags |= NX;
                long v = (long)t;
                return kind == IntKind.WU ? (ulong)(long)(int)(uint)v : (ulong)v;
            }
        }
        return SoftFloat.ToInt(F, a, kind, rm, ref flags);
    }

    /// <summary>fcvt.d.{w,wu,l,lu}: integers below 2^53 in magnitude are exact.</summary>
    public static ulong FromInt(ulong v, IntKind kind, RoundingMode rm, ref uint flags)
    {
        long n = kind switch { IntKind.W => (int)v, IntKind.WU => (uint)v, _ => (long)v };
        if (kind != IntKind.LU || (long)v >= 0)
        {
            if (n > -(1L << 53) && n < 1L << 53) return B(n);
        }
        return SoftFloat.FromInt(F, v, kind, rm, ref flags);
    }
}
