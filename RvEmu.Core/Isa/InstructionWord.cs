using System.Runtime.CompilerServices;

namespace RvEmu.Core.Isa;

/// <summary>
/// A 32-bit instruction word with its fields and immediates decoded in one place
/// (unprivileged spec, chapter 2.2-2.3 "Base instruction formats" and "Immediate encoding variants"),
/// so that no handler sign-extends by hand.
/// </summary>
public readonly struct InstructionWord
{
    public readonly uint Bits;

    public InstructionWord(uint bits) => Bits = bits;

    public int Opcode => (int)(Bits & 0x7f);
    public int Rd => (int)((Bits >> 7) & 31);
    public int Funct3 => (int)((Bits >> 12) & 7);
    public int Rs1 => (int)((Bits >> 15) & 31);
    public int Rs2 => (int)((Bits >> 20) & 31);
    public int Rs3 => (int)(Bits >> 27);
    public int Funct7 => (int)(Bits >> 25);
    /// <summary>Rounding-mode field of F/D instructions (same bits as funct3).</summary>
    public int Rm => Funct3;
    public int Csr => (int)(Bits >> 20);

    public long ImmI => (int)Bits >> 20;
    public long ImmS => (long)((int)Bits >> 25 << 5) | (long)((Bits >> 7) & 0x1f);
    public long ImmB =>
        ((long)((int)Bits >> 31) << 12) | ((Bits >> 7) & 1) << 11 | ((Bits >> 25) & 0x3f) << 5 | ((Bits >> 8) & 0xf) << 1;
    public long ImmU => (int)(Bits & 0xfffff000);
    public long ImmJ =>
        ((long)((int)Bits >> 31) << 20) | (Bits & 0xff000) | ((Bits >> 20) & 1) << 11 | ((Bits >> 21) & 0x3ff) << 1;
    /// <summary>RV64 shift amount (6 bits); W-form shifts use the low 5.</summary>
    public int Shamt => (int)((Bits >> 20) & 63);

    /// <summary>True when the low two bits mark a 16-bit compressed instruction (spec 1.5).</summary>
    public static bool IsCompressed(uint lowHalf) => (lowHalf & 3) != 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long SignExtend(ulong value, int bits) => (long)(value << (64 - bits)) >> (64 - bits);
}
