using System.Numerics;
using static RvEmu.Core.Float.FloatFlags;

namespace RvEmu.Core.Float;

/// <summary>
/// A straightforward software IEEE 754-2008 implementation of the operations RISC-V F and D need,
/// for any rounding mode, with exact flags. It is the reference the fast host paths
/// (<see cref="Float64"/>, <see cref="Float32"/>) fall back to for the hard cases: directed rounding,
/// subnormal or tiny results, overflow, NaNs and infinities.
/// RISC-V choices (unprivileged spec ch. 11): tininess is detected after rounding (11.6),
/// every NaN result is the canonical NaN (11.3), 0 × ∞ + qNaN raises NV (11.6).
/// </summary>
/// <remarks>
/// Finite values are unpacked into a sign, an exponent e and a 64-bit significand with its leading
/// one at bit 62, meaning sig × 2^(e − 62). Bits below the format's precision are rounding bits; bit 0
/// is a sticky bit that absorbs everything shifted out ("jamming"), which keeps rounding exact.
/// </remarks>
internal static class SoftFloat
{
    private const int Msb = 62;

    private enum Kind : byte { Zero, Finite, Inf, QNaN, SNaN }

    private struct Unpacked
    {
        public Kind Kind;
        public bool Sign;
        public int Exp;
        public ulong Sig;
        public readonly bool IsNaN => Kind >= Kind.QNaN;
    }

    private static Unpacked Unpack(FloatFormat f, ulong bits)
    {
        var u = new Unpacked { Sign = (bits & f.SignBit) != 0 };
        int e = (int)((bits >> f.FracBits) & (ulong)f.ExpField);
        ulong frac = bits & f.FracMask;
        if (e == f.ExpField)
        {
            u.Kind = frac == 0 ? Kind.Inf : (frac & f.QuietBit) != 0 ? Kind.QNaN : Kind.SNaN;
            return u;
        }
        if (e == 0)
        {
            if (frac == 0) { u.Kind = Kind.Zero; return u; }
            // Subnormal: frac × 2^(emin − fracBits); normalise the leading one up to bit 62.
            ulong s = frac << (Msb - f.FracBits);
            int lz = BitOperations.LeadingZeroCount(s) - 1;
            u.Kind = Kind.Finite;
            u.Sig = s << lz;
            u.Exp = f.EMin - lz;
            return u;
        }
        u.Kind = Kind.Finite;
        u.Sig = (frac | (1UL << f.FracBits)) << (Msb - f.FracBits);
        u.Exp = e - f.Bias;
        return u;
    }

    private static ulong Zero(FloatFormat f, bool sign) => sign ? f.SignBit : 0;
    private static ulong Inf(FloatFormat f, bool sign) => f.Infinity | (sign ? f.SignBit : 0);

    /// <summary>Sign of an exact zero sum of operands of opposite signs: +0 except −0 when rounding down (IEEE 754-2008 6.3).</summary>
    private static ulong ExactZeroSum(FloatFormat f, bool signA, bool signB, RoundingMode rm) =>
        Zero(f, signA == signB ? signA : rm == RoundingMode.Rdn);

    private static ulong ShiftRightJam(ulong x, int n)
    {
        if (n <= 0) return x;
        if (n >= 64) return x != 0 ? 1UL : 0;
        return (x >> n) | ((x & ((1UL << n) - 1)) != 0 ? 1UL : 0);
    }

    private static UInt128 ShiftRightJam(UInt128 x, int n)
    {
        if (n <= 0) return x;
        if (n >= 128) return x != 0 ? UInt128.One : UInt128.Zero;
        return (x >> n) | ((x & ((UInt128.One << n) - 1)) != 0 ? UInt128.One : UInt128.Zero);
    }

    /// <summary>Whether rounding the magnitude up (away from zero) is right, given the discarded bits (IEEE 754-2008 4.3).</summary>
    private static bool RoundsUp(RoundingMode rm, bool sign, bool lsbOdd, ulong rem, ulong half) => rm switch
    {
        RoundingMode.Rne => rem > half || (rem == half && lsbOdd),
        RoundingMode.Rtz => false,
        RoundingMode.Rdn => sign && rem != 0,
        RoundingMode.Rup => !sign && rem != 0,
        _ => rem >= half, // Rmm
    };

    /// <summary>The result of an overflow in each rounding mode (IEEE 754-2008 7.4): ∞ or the largest finite number.</summary>
    private static ulong OverflowResult(FloatFormat f, bool sign, RoundingMode rm)
    {
        bool toInf = rm switch
        {
            RoundingMode.Rne or RoundingMode.Rmm => true,
            RoundingMode.Rdn => sign,
            RoundingMode.Rup => !sign,
            _ => false,
        };
        return (toInf ? f.Infinity : f.MaxFinite) | (sign ? f.SignBit : 0);
    }

    /// <summary>
    /// Round sig × 2^(exp − 62) (sig ≠ 0, any bit position; bit 0 may be a sticky bit) to format
    /// <paramref name="f"/> and pack it, raising NX, UF (tiny after rounding, and inexact), OF.
    /// </summary>
    private static ulong RoundPack(FloatFormat f, bool sign, int exp, ulong sig, RoundingMode rm, ref uint flags)
    {
        int lz = BitOperations.LeadingZeroCount(sig);
        if (lz == 0) { sig = ShiftRightJam(sig, 1); exp++; }
        else if (lz > 1) { sig <<= lz - 1; exp -= lz - 1; }

        int shift = 63 - f.Precision; // rounding bits below the kept significand
        ulong half = 1UL << (shift - 1), mask = (1UL << shift) - 1;
        bool tiny = false;
        if (exp < f.EMin)
        {
            // Tininess after rounding (spec 11.6, IEEE 754-2008 7.5): tiny unless rounding to the
            // full precision with an unbounded exponent carries up to 2^emin.
            if (exp < f.EMin - 1) tiny = true;
            else
            {
                ulong q0 = sig >> shift;
                bool carries = q0 == (1UL << f.Precision) - 1 && RoundsUp(rm, sign, true, sig & mask, half);
                tiny = !carries;
            }
            sig = ShiftRightJam(sig, f.EMin - exp);
            exp = f.EMin;
        }
        ulong q = sig >> shift, rem = sig & mask;
        if (rem != 0)
        {
            flags |= NX;
            if (tiny) flags |= UF;
            if (RoundsUp(rm, sign, (q & 1) != 0, rem, half))
            {
                q++;
                if (q == 1UL << f.Precision) { q >>= 1; exp++; }
            }
        }
        if (exp > f.EMax)
        {
            flags |= OF | NX;
            return OverflowResult(f, sign, rm);
        }
        // Below 2^(p−1) the value is subnormal (or zero) and its biased exponent is 0.
        ulong biased = (q >> (f.Precision - 1)) != 0 ? (ulong)(exp + f.Bias) : 0;
        return (sign ? f.SignBit : 0) | (biased << f.FracBits) | (q & f.FracMask);
    }

    /// <summary>NaN result: the canonical NaN, with NV when any input is a signalling NaN.</summary>
    private static ulong NaNResult(FloatFormat f, ref uint flags, in Unpacked a, in Unpacked b, in Unpacked c)
    {
        if (a.Kind == Kind.SNaN || b.Kind == Kind.SNaN || c.Kind == Kind.SNaN) flags |= NV;
        return f.CanonicalNaN;
    }

    private static ulong Invalid(FloatFormat f, ref uint flags)
    {
        flags |= NV;
        return f.CanonicalNaN;
    }

    // ---- arithmetic (IEEE 754-2008 5.4.1) ----

    public static ulong Add(FloatFormat f, ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a), y = Unpack(f, b);
        if (x.IsNaN || y.IsNaN) return NaNResult(f, ref flags, x, y, default);
        if (x.Kind == Kind.Inf)
            return y.Kind == Kind.Inf && x.Sign != y.Sign ? Invalid(f, ref flags) : Inf(f, x.Sign);
        if (y.Kind == Kind.Inf) return Inf(f, y.Sign);
        if (x.Kind == Kind.Zero && y.Kind == Kind.Zero) return ExactZeroSum(f, x.Sign, y.Sign, rm);
        if (x.Kind == Kind.Zero) return b;
        if (y.Kind == Kind.Zero) return a;
        return AddFinite(f, x, y, rm, ref flags);
    }

    public static ulong Sub(FloatFormat f, ulong a, ulong b, RoundingMode rm, ref uint flags) =>
        Add(f, a, b ^ f.SignBit, rm, ref flags);

    private static ulong AddFinite(FloatFormat f, Unpacked x, Unpacked y, RoundingMode rm, ref uint flags)
    {
        if (x.Exp < y.Exp) (x, y) = (y, x);
        ulong ys = ShiftRightJam(y.Sig, x.Exp - y.Exp);
        if (x.Sign == y.Sign) return RoundPack(f, x.Sign, x.Exp, x.Sig + ys, rm, ref flags);
        if (x.Sig == ys) return ExactZeroSum(f, x.Sign, y.Sign, rm);
        return x.Sig > ys
            ? RoundPack(f, x.Sign, x.Exp, x.Sig - ys, rm, ref flags)
            : RoundPack(f, y.Sign, x.Exp, ys - x.Sig, rm, ref flags);
    }

    public static ulong Mul(FloatFormat f, ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a), y = Unpack(f, b);
        if (x.IsNaN || y.IsNaN) return NaNResult(f, ref flags, x, y, default);
        bool sign = x.Sign ^ y.Sign;
        if (x.Kind == Kind.Inf || y.Kind == Kind.Inf)
            return x.Kind == Kind.Zero || y.Kind == Kind.Zero ? Invalid(f, ref flags) : Inf(f, sign);
        if (x.Kind == Kind.Zero || y.Kind == Kind.Zero) return Zero(f, sign);
        // (sx × 2^(ex−62)) × (sy × 2^(ey−62)) = P × 2^(ex+ey−124); keep P's top bits with a sticky bit.
        UInt128 p = (UInt128)x.Sig * y.Sig;
        ulong sig = (ulong)(p >> Msb) | (((ulong)p & ((1UL << Msb) - 1)) != 0 ? 1UL : 0);
        return RoundPack(f, sign, x.Exp + y.Exp, sig, rm, ref flags);
    }

    public static ulong Div(FloatFormat f, ulong a, ulong b, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a), y = Unpack(f, b);
        if (x.IsNaN || y.IsNaN) return NaNResult(f, ref flags, x, y, default);
        bool sign = x.Sign ^ y.Sign;
        if (x.Kind == Kind.Inf) return y.Kind == Kind.Inf ? Invalid(f, ref flags) : Inf(f, sign);
        if (y.Kind == Kind.Inf) return Zero(f, sign);
        if (y.Kind == Kind.Zero)
        {
            if (x.Kind == Kind.Zero) return Invalid(f, ref flags);
            flags |= DZ;
            return Inf(f, sign);
        }
        if (x.Kind == Kind.Zero) return Zero(f, sign);
        // sx/sy × 2^(ex−ey) = Q × 2^(ex−ey−63) with Q = (sx << 63) / sy in (2^62, 2^64).
        UInt128 n = (UInt128)x.Sig << 63;
        UInt128 q = n / y.Sig;
        ulong sig = (ulong)q | (n - q * y.Sig != 0 ? 1UL : 0);
        return RoundPack(f, sign, x.Exp - y.Exp - 1, sig, rm, ref flags);
    }

    public static ulong Sqrt(FloatFormat f, ulong a, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a);
        if (x.IsNaN) return NaNResult(f, ref flags, x, default, default);
        if (x.Kind == Kind.Zero) return a; // sqrt(−0) = −0 (IEEE 754-2008 5.4.1)
        if (x.Sign) return Invalid(f, ref flags);
        if (x.Kind == Kind.Inf) return a;
        // Make the exponent even: N = sig × 2^62 (or 2^63) so that sqrt(N) has its leading one at bit 62.
        UInt128 n;
        int exp;
        if ((x.Exp & 1) == 0) { n = (UInt128)x.Sig << 62; exp = x.Exp >> 1; }
        else { n = (UInt128)x.Sig << 63; exp = (x.Exp - 1) >> 1; }
        ulong r = ISqrt(n);
        ulong sig = r | ((UInt128)r * r != n ? 1UL : 0);
        return RoundPack(f, false, exp, sig, rm, ref flags);
    }

    /// <summary>floor(sqrt(n)) for n &lt; 2^126: a host estimate, one Newton step, then exact correction.</summary>
    private static ulong ISqrt(UInt128 n)
    {
        ulong r = (ulong)Math.Sqrt((double)n);
        if (r == 0) r = 1;
        r = (ulong)(((UInt128)r + n / r) >> 1);
        while ((UInt128)r * r > n) r--;
        while ((UInt128)(r + 1) * (r + 1) <= n) r++;
        return r;
    }

    /// <summary>
    /// (±a × b) ± c with one rounding (fmadd, fmsub, fnmsub, fnmadd; spec 11.6). The negations are
    /// applied to the operands, so fnmadd = −(a×b) − c gives −0 for a zero product and c = +0.
    /// </summary>
    public static ulong MulAdd(FloatFormat f, ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend,
        RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a), y = Unpack(f, b), z = Unpack(f, c);
        if (x.IsNaN || y.IsNaN) return NaNResult(f, ref flags, x, y, z);
        // Spec 11.6: ∞ × 0 raises NV even when the addend is a quiet NaN.
        if ((x.Kind == Kind.Inf && y.Kind == Kind.Zero) || (x.Kind == Kind.Zero && y.Kind == Kind.Inf))
            return Invalid(f, ref flags);
        if (z.IsNaN) return NaNResult(f, ref flags, x, y, z);
        bool ps = x.Sign ^ y.Sign ^ negateProduct, zs = z.Sign ^ negateAddend;
        if (x.Kind == Kind.Inf || y.Kind == Kind.Inf)
            return z.Kind == Kind.Inf && zs != ps ? Invalid(f, ref flags) : Inf(f, ps);
        if (z.Kind == Kind.Inf) return Inf(f, zs);
        if (x.Kind == Kind.Zero || y.Kind == Kind.Zero)
            return z.Kind == Kind.Zero ? ExactZeroSum(f, ps, zs, rm) : c ^ (negateAddend ? f.SignBit : 0);

        // Exact product P × 2^(pe−124) and addend C × 2^(ze−124), both in 128 bits (P < 2^126, C < 2^125).
        UInt128 p = (UInt128)x.Sig * y.Sig;
        int pe = x.Exp + y.Exp;
        if (z.Kind == Kind.Zero)
        {
            ulong ps64 = (ulong)(p >> Msb) | (((ulong)p & ((1UL << Msb) - 1)) != 0 ? 1UL : 0);
            return RoundPack(f, ps, pe, ps64, rm, ref flags);
        }
        UInt128 zsig = (UInt128)z.Sig << Msb;
        int exp;
        if (pe >= z.Exp) { zsig = ShiftRightJam(zsig, pe - z.Exp); exp = pe; }
        else { p = ShiftRightJam(p, z.Exp - pe); exp = z.Exp; }
        UInt128 sum;
        bool sign;
        if (ps == zs) { sum = p + zsig; sign = ps; }
        else if (p == zsig) return ExactZeroSum(f, ps, zs, rm);
        else if (p > zsig) { sum = p - zsig; sign = ps; }
        else { sum = zsig - p; sign = zs; }
        // sum × 2^(exp−124): bring the leading one to bit 62 of a 64-bit significand.
        int msb = 127 - (int)UInt128.LeadingZeroCount(sum);
        ulong sig = msb >= Msb ? (ulong)ShiftRightJam(sum, msb - Msb) : (ulong)sum << (Msb - msb);
        return RoundPack(f, sign, exp - 124 + msb, sig, rm, ref flags);
    }

    // ---- conversions (spec 11.7, 12.5; IEEE 754-2008 5.4.1, 5.8) ----

    /// <summary>Between formats (fcvt.s.d, fcvt.d.s): NaNs become canonical, sNaN raises NV.</summary>
    public static ulong Convert(FloatFormat from, FloatFormat to, ulong a, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(from, a);
        switch (x.Kind)
        {
            case Kind.QNaN: case Kind.SNaN: return NaNResult(to, ref flags, x, default, default);
            case Kind.Inf: return Inf(to, x.Sign);
            case Kind.Zero: return Zero(to, x.Sign);
            default: return RoundPack(to, x.Sign, x.Exp, x.Sig, rm, ref flags);
        }
    }

    /// <summary>
    /// To an integer register (fcvt.{w,wu,l,lu}.{s,d}). Out of range, infinite and NaN inputs saturate
    /// and raise NV only (spec 11.7 table 11.4); 32-bit results are sign-extended to 64 bits.
    /// </summary>
    public static ulong ToInt(FloatFormat f, ulong a, IntKind kind, RoundingMode rm, ref uint flags)
    {
        Unpacked x = Unpack(f, a);
        switch (x.Kind)
        {
            case Kind.QNaN: case Kind.SNaN: flags |= NV; return IntMax(kind);
            case Kind.Inf: flags |= NV; return x.Sign ? IntMin(kind) : IntMax(kind);
            case Kind.Zero: return 0;
        }
        ulong mag;
        bool inexact = false;
        if (x.Exp >= 64) { flags |= NV; return x.Sign ? IntMin(kind) : IntMax(kind); }
        if (x.Exp >= Msb) mag = x.Sig << (x.Exp - Msb);
        else
        {
            int shift = Msb - x.Exp;
            ulong q, rem, half;
            if (shift >= 64) { q = 0; rem = 1; half = 1UL << 63; } // below one half
            else { q = x.Sig >> shift; rem = x.Sig & ((1UL << shift) - 1); half = 1UL << (shift - 1); }
            inexact = rem != 0;
            if (inexact && RoundsUp(rm, x.Sign, (q & 1) != 0, rem, half)) q++;
            mag = q;
        }
        bool fits = kind switch
        {
            IntKind.W => mag <= (x.Sign ? 1UL << 31 : (1UL << 31) - 1),
            IntKind.WU => x.Sign ? mag == 0 : mag <= uint.MaxValue,
            IntKind.L => mag <= (x.Sign ? 1UL << 63 : (1UL << 63) - 1),
            _ => !x.Sign || mag == 0,
        };
        if (!fits) { flags |= NV; return x.Sign ? IntMin(kind) : IntMax(kind); }
        if (inexact) flags |= NX;
        ulong v = x.Sign ? 0 - mag : mag;
        return kind is IntKind.W or IntKind.WU ? (ulong)(long)(int)(uint)v : v;
    }

    private static ulong IntMax(IntKind kind) => kind switch
    {
        IntKind.W => int.MaxValue,
        IntKind.WU => ulong.MaxValue, // 2^32 − 1 sign-extended
        IntKind.L => long.MaxValue,
        _ => ulong.MaxValue,
    };

    private static ulong IntMin(IntKind kind) => kind switch
    {
        IntKind.W => unchecked((ulong)int.MinValue),
        IntKind.L => unchecked((ulong)long.MinValue),
        _ => 0,
    };

    /// <summary>From an integer register (fcvt.{s,d}.{w,wu,l,lu}); the 32-bit forms use the low 32 bits.</summary>
    public static ulong FromInt(FloatFormat f, ulong v, IntKind kind, RoundingMode rm, ref uint flags)
    {
        v = kind switch { IntKind.W => (ulong)(long)(int)v, IntKind.WU => (uint)v, _ => v };
        bool sign = kind is IntKind.W or IntKind.L && (long)v < 0;
        ulong mag = sign ? 0 - v : v;
        if (mag == 0) return 0;
        return RoundPack(f, sign, Msb, mag, rm, ref flags);
    }

    // ---- comparisons, min/max, classify (spec 11.8, 11.9) ----

    /// <summary>Total order key for non-NaN values: larger key = larger value, −0 just below +0.</summary>
    private static long OrderKey(FloatFormat f, ulong v) =>
        (v & f.SignBit) != 0 ? -(long)(v & ~f.SignBit) - 1 : (long)v;

    /// <summary>feq: quiet comparison, NV only for signalling NaNs; −0 = +0.</summary>
    public static bool Eq(FloatFormat f, ulong a, ulong b, ref uint flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            if (f.IsSignalingNaN(a) || f.IsSignalingNaN(b)) flags |= NV;
            return false;
        }
        return a == b || ((a | b) & ~f.SignBit) == 0;
    }

    /// <summary>flt: signalling comparison, NV for any NaN.</summary>
    public static bool Lt(FloatFormat f, ulong a, ulong b, ref uint flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b)) { flags |= NV; return false; }
        if (((a | b) & ~f.SignBit) == 0) return false;
        return OrderKey(f, a) < OrderKey(f, b);
    }

    /// <summary>fle: signalling comparison, NV for any NaN.</summary>
    public static bool Le(FloatFormat f, ulong a, ulong b, ref uint flags)
    {
        if (f.IsNaN(a) || f.IsNaN(b)) { flags |= NV; return false; }
        if (((a | b) & ~f.SignBit) == 0) return true;
        return OrderKey(f, a) <= OrderKey(f, b);
    }

    /// <summary>
    /// fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, spec 11.6): −0 &lt; +0, a single NaN operand
    /// yields the other operand, two NaNs the canonical NaN; signalling NaNs raise NV.
    /// </summary>
    public static ulong MinMax(FloatFormat f, ulong a, ulong b, bool max, ref uint flags)
    {
        bool an = f.IsNaN(a), bn = f.IsNaN(b);
        if (an || bn)
        {
            if (f.IsSignalingNaN(a) || f.IsSignalingNaN(b)) flags |= NV;
            if (an && bn) return f.CanonicalNaN;
            return an ? b : a;
        }
        bool aLess = OrderKey(f, a) < OrderKey(f, b);
        return aLess ^ max ? a : b;
    }

    /// <summary>fclass: a one-hot mask of the ten classes (spec 11.9, table 11.5).</summary>
    public static ulong Classify(FloatFormat f, ulong a)
    {
        bool sign = (a & f.SignBit) != 0;
        ulong mag = a & ~f.SignBit;
        int bit;
        if (mag == f.Infinity) bit = sign ? 0 : 7;
        else if (mag > f.Infinity) bit = (a & f.QuietBit) != 0 ? 9 : 8;
        else if (mag == 0) bit = sign ? 3 : 4;
        else if (mag >> f.FracBits == 0) bit = sign ? 2 : 5;
        else bit = sign ? 1 : 6;
        return 1UL << bit;
    }
}
