using RvEmu.Core.Float;

namespace RvEmu.Tests.Float;

/// <summary>
/// The host fast paths (<see cref="Float64"/>, <see cref="Float32"/>: error-free transformations,
/// round-to-odd) against the plain software implementation (<see cref="SoftFloat"/>, itself checked
/// against QEMU by <see cref="QemuVectorTests"/>) on many more operands than the vectors hold,
/// biased towards close exponents, short significands, ties and the ends of the range.
/// </summary>
[TestFixture]
public sealed class FastPathTests
{
    private const int Cases = 40_000;
    private static readonly FloatFormat Sf = FloatFormat.Single, Df = FloatFormat.Double;

    private sealed class Operands(int seed, FloatFormat f)
    {
        private readonly Random _rng = new(seed);

        private ulong Frac()
        {
            ulong m = (ulong)_rng.NextInt64() ^ ((ulong)_rng.NextInt64() << 32);
            switch (_rng.Next(8))
            {
                case 0: m = 0; break;
                case 1: m = ulong.MaxValue; break;
                case 2: m &= ulong.MaxValue << _rng.Next(f.FracBits); break;
                case 3: m |= (1UL << _rng.Next(f.FracBits)) - 1; break;
            }
            return m & f.FracMask;
        }

        public int Exp(ulong v) => (int)((v >> f.FracBits) & (ulong)f.ExpField);

        public ulong Near(int around)
        {
            int e = _rng.Next(10) switch
            {
                0 => _rng.Next(f.ExpField + 1), // includes infinities and NaNs
                1 => _rng.Next(3),
                2 => f.ExpField - 1 - _rng.Next(3),
                _ => around + _rng.Next(-30, 31),
            };
            e = Math.Clamp(e, 0, f.ExpField);
            ulong frac = e == f.ExpField && _rng.Next(2) == 0 ? 0 : Frac();
            return ((ulong)_rng.Next(2) << (f.Width - 1)) | ((ulong)e << f.FracBits) | frac;
        }

        public ulong Any() => Near(f.Bias + _rng.Next(-40, 41));

        /// <summary>An exponent for the second operand that makes a product/quotient land near 1, near overflow, or near underflow.</summary>
        public int Target() => _rng.Next(4) switch { 0 => f.ExpField - 1, 1 => 1, 2 => -_rng.Next(f.Precision + 2), _ => f.Bias };

        public RoundingMode Mode() => (RoundingMode)_rng.Next(5);
    }

    /// <summary>
    /// A rounding mode and the flags accrued before the operation: every other case starts with NX raised, half
    /// of those in RNE, where the fast paths may return the host's result unchecked (FloatFlags.HostResultSuffices).
    /// </summary>
    private static (RoundingMode, uint) Mode(Operands ops, int i)
    {
        var rm = ops.Mode();
        if (i % 2 == 0) return (rm, 0);
        return (i % 4 == 3 ? RoundingMode.Rne : rm, FloatFlags.NX);
    }

    private delegate ulong Binary(ulong a, ulong b, RoundingMode rm, ref uint flags);

    private static void Compare(string name, Func<Operands, (ulong, ulong)> pick, FloatFormat f, Binary fast, Binary soft)
    {
        var ops = new Operands(name.Sum(c => c), f);
        int bad = 0;
        string first = "";
        for (int i = 0; i < Cases; i++)
        {
            var (a, b) = pick(ops);
            var (rm, ff) = Mode(ops, i);
            uint sf = ff;
            ulong r1 = fast(a, b, rm, ref ff), r2 = soft(a, b, rm, ref sf);
            if (r1 == r2 && ff == sf) continue;
            if (bad++ == 0) first = $"{name}({a:x}, {b:x}, {rm}): fast {r1:x}/{ff:x}, soft {r2:x}/{sf:x}";
        }
        Assert.That(bad, Is.Zero, first);
    }

    [Test]
    public void Double_add_sub()
    {
        Compare("add.d", o => { ulong a = o.Any(); return (a, o.Near(o.Exp(a))); }, Df,
            Float64.Add, (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Add(Df, a, b, rm, ref fl));
        Compare("sub.d", o => { ulong a = o.Any(); return (a, o.Near(o.Exp(a))); }, Df,
            Float64.Sub, (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Sub(Df, a, b, rm, ref fl));
    }

    [Test]
    public void Double_mul() =>
        Compare("mul.d", o => { ulong a = o.Any(); return (a, o.Near(o.Target() - o.Exp(a) + Df.Bias)); }, Df,
            Float64.Mul, (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Mul(Df, a, b, rm, ref fl));

    [Test]
    public void Double_div() =>
        Compare("div.d", o => { ulong a = o.Any(); return (a, o.Near(o.Exp(a) - o.Target() + Df.Bias)); }, Df,
            Float64.Div, (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Div(Df, a, b, rm, ref fl));

    [Test]
    public void Double_sqrt() =>
        Compare("sqrt.d", o => (o.Any(), 0), Df,
            (ulong a, ulong _, RoundingMode rm, ref uint fl) => Float64.Sqrt(a, rm, ref fl),
            (ulong a, ulong _, RoundingMode rm, ref uint fl) => SoftFloat.Sqrt(Df, a, rm, ref fl));

    [Test]
    public void Single_add_mul_div_sqrt()
    {
        Compare("add.s", o => { ulong a = o.Any(); return (a, o.Near(o.Exp(a))); }, Sf, Float32.Add,
            (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Add(Sf, a, b, rm, ref fl));
        Compare("mul.s", o => { ulong a = o.Any(); return (a, o.Near(o.Target() - o.Exp(a) + Sf.Bias)); }, Sf, Float32.Mul,
            (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Mul(Sf, a, b, rm, ref fl));
        Compare("div.s", o => { ulong a = o.Any(); return (a, o.Near(o.Exp(a) - o.Target() + Sf.Bias)); }, Sf, Float32.Div,
            (ulong a, ulong b, RoundingMode rm, ref uint fl) => SoftFloat.Div(Sf, a, b, rm, ref fl));
        Compare("sqrt.s", o => (o.Any(), 0), Sf,
            (ulong a, ulong _, RoundingMode rm, ref uint fl) => Float32.Sqrt(a, rm, ref fl),
            (ulong a, ulong _, RoundingMode rm, ref uint fl) => SoftFloat.Sqrt(Sf, a, rm, ref fl));
    }

    [TestCase(false, false)]
    [TestCase(true, true)]
    public void Fused_multiply_add(bool negateProduct, bool negateAddend)
    {
        foreach (var f in new[] { Sf, Df })
        {
            var ops = new Operands(f.Width + (negateProduct ? 1 : 0), f);
            var rng = new Random(7);
            int bad = 0;
            string first = "";
            for (int i = 0; i < Cases; i++)
            {
                ulong a = ops.Any(), b = ops.Near(ops.Target() - ops.Exp(a) + f.Bias);
                uint pf = 0;
                ulong p = SoftFloat.Mul(f, a, b, RoundingMode.Rne, ref pf);
                // Addends that cancel the product exactly or nearly, or sit near it, or anywhere.
                ulong c = rng.Next(4) switch
                {
                    0 => p ^ f.SignBit,
                    1 => ((p ^ f.SignBit) + (ulong)rng.Next(-2, 3)) & (f.SignBit | (f.SignBit - 1)),
                    2 => ops.Near(ops.Exp(p)),
                    _ => ops.Any(),
                };
                var (rm, ff) = Mode(ops, i);
                uint sf = ff;
                ulong r1 = f == Df ? Float64.MulAdd(a, b, c, negateProduct, negateAddend, rm, ref ff)
                    : Float32.MulAdd(a, b, c, negateProduct, negateAddend, rm, ref ff);
                ulong r2 = SoftFloat.MulAdd(f, a, b, c, negateProduct, negateAddend, rm, ref sf);
                if (r1 == r2 && ff == sf) continue;
                if (bad++ == 0) first = $"fma w{f.Width}({a:x}, {b:x}, {c:x}, {rm}): fast {r1:x}/{ff:x}, soft {r2:x}/{sf:x}";
            }
            Assert.That(bad, Is.Zero, first);
        }
    }

    [Test]
    public void Conversions()
    {
        var rng = new Random(11);
        var d = new Operands(3, Df);
        var s = new Operands(4, Sf);
        for (int i = 0; i < Cases; i++)
        {
            var rm = (RoundingMode)rng.Next(5);
            var kind = (IntKind)rng.Next(4);
            ulong x = d.Near(Df.Bias + rng.Next(-3, 66));
            uint f1 = 0, f2 = 0;
            Assert.That((Float64.ToInt(x, kind, rm, ref f1), f1), Is.EqualTo((SoftFloat.ToInt(Df, x, kind, rm, ref f2), f2)), $"fcvt {kind}.d {x:x} {rm}");
            ulong y = s.Near(Sf.Bias + rng.Next(-3, 66));
            f1 = f2 = 0;
            Assert.That((Float32.ToInt(y, kind, rm, ref f1), f1), Is.EqualTo((SoftFloat.ToInt(Sf, y, kind, rm, ref f2), f2)), $"fcvt {kind}.s {y:x} {rm}");
            ulong n = (ulong)rng.NextInt64() >> rng.Next(64);
            if (rng.Next(2) == 0) n = 0 - n;
            f1 = f2 = 0;
            Assert.That((Float64.FromInt(n, kind, rm, ref f1), f1), Is.EqualTo((SoftFloat.FromInt(Df, n, kind, rm, ref f2), f2)), $"fcvt.d.{kind} {n:x} {rm}");
            f1 = f2 = 0;
            Assert.That((Float32.FromInt(n, kind, rm, ref f1), f1), Is.EqualTo((SoftFloat.FromInt(Sf, n, kind, rm, ref f2), f2)), $"fcvt.s.{kind} {n:x} {rm}");
            ulong w = d.Near(Df.Bias + rng.Next(-160, 140));
            f1 = f2 = 0;
            Assert.That((Float32.FromDouble(w, rm, ref f1), f1), Is.EqualTo((SoftFloat.Convert(Df, Sf, w, rm, ref f2), f2)), $"fcvt.s.d {w:x} {rm}");
        }
    }
}
