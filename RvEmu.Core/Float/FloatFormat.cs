namespace RvEmu.Core.Float;

/// <summary>
/// An IEEE 754 binary interchange format (IEEE 754-2008 3.6): binary32 or binary64.
/// Values are raw bits in the low <see cref="Width"/> bits of a ulong.
/// </summary>
internal sealed class FloatFormat
{
    public static readonly FloatFormat Single = new(8, 23);
    public static readonly FloatFormat Double = new(11, 52);

    private FloatFormat(int expBits, int fracBits)
    {
        ExpBits = expBits;
        FracBits = fracBits;
        Precision = fracBits + 1;
        Width = 1 + expBits + fracBits;
        Bias = (1 << (expBits - 1)) - 1;
        ExpField = (1 << expBits) - 1;
        SignBit = 1UL << (Width - 1);
        FracMask = (1UL << fracBits) - 1;
        QuietBit = 1UL << (fracBits - 1);
        Infinity = (ulong)ExpField << fracBits;
        MaxFinite = Infinity - 1;
        CanonicalNaN = Infinity | QuietBit;
    }

    public int ExpBits { get; }
    public int FracBits { get; }
    /// <summary>Significand bits including the hidden bit (p): 24 or 53.</summary>
    public int Precision { get; }
    public int Width { get; }
    public int Bias { get; }
    /// <summary>All-ones biased exponent (infinities and NaNs).</summary>
    public int ExpField { get; }
    /// <summary>Smallest normal exponent (emin = 1 - bias).</summary>
    public int EMin => 1 - Bias;
    /// <summary>Largest finite exponent (emax = bias).</summary>
    public int EMax => Bias;
    public ulong SignBit { get; }
    public ulong FracMask { get; }
    /// <summary>The most significant fraction bit: set in quiet NaNs, clear in signalling ones (IEEE 754-2008 6.2.1).</summary>
    public ulong QuietBit { get; }
    public ulong Infinity { get; }
    public ulong MaxFinite { get; }
    /// <summary>The canonical NaN RISC-V returns for every NaN result (spec 11.3): 0x7fc00000 / 0x7ff8000000000000.</summary>
    public ulong CanonicalNaN { get; }

    public bool IsNaN(ulong v) => (v & ~SignBit) > Infinity;
    public bool IsSignalingNaN(ulong v) => IsNaN(v) && (v & QuietBit) == 0;
    public bool IsInfinity(ulong v) => (v & ~SignBit) == Infinity;
    public bool IsZero(ulong v) => (v & ~SignBit) == 0;
    public bool IsNegative(ulong v) => (v & SignBit) != 0;
}
