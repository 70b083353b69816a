namespace RvEmu.Tests.Jit;

/// <summary>
/// A minimal RV64 encoder for the JIT's hard-case programs: each test writes the few instructions it needs
/// (unprivileged spec ch. 2 and 34, the base formats), so the program sits next to what it checks.
/// </summary>
internal sealed class Asm
{
    private readonly List<uint> _words = new();

    public const ulong Base = 0x8000_0000;
    public int Here => _words.Count * 4;
    public byte[] Bytes() => _words.SelectMany(BitConverter.GetBytes).ToArray();

    public Asm Word(uint w) { _words.Add(w); return this; }
    public void Patch(int offset, uint w) => _words[offset / 4] = w;

    public static uint R(int f7, int rs2, int rs1, int f3, int rd, int op) => (uint)(f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op);
    public static uint I(int imm, int rs1, int f3, int rd, int op) => (uint)((imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op);
    public static uint S(int imm, int rs2, int rs1, int f3, int op) => (uint)(((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | op);
    public static uint B(int imm, int rs2, int rs1, int f3) =>
        (uint)(((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | ((imm >> 1) & 0xf) << 8 | ((imm >> 11) & 1) << 7 | 0x63);
    public static uint J(int imm, int rd) =>
        (uint)(((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20 | ((imm >> 12) & 0xff) << 12 | rd << 7 | 0x6f);

    public static uint Addi(int rd, int rs1, int imm) => I(imm, rs1, 0, rd, 0x13);
    public static uint Add(int rd, int rs1, int rs2) => R(0, rs2, rs1, 0, rd, 0x33);
    public static uint Lui(int rd, int imm20) => (uint)(imm20 << 12 | rd << 7 | 0x37);
    public static uint Auipc(int rd, int imm20) => (uint)(imm20 << 12 | rd << 7 | 0x17);

    public Asm Li(int rd, long value)
    {
        // lui + addiw for 32-bit values, as the assembler's li.
        int lo = (int)(value << 52 >> 52);
        int hi = (int)((value - lo) >> 12) & 0xfffff;
        if (hi != 0)
        {
            Word(Lui(rd, hi));
            Word(I(lo, rd, 0, rd, 0x1b)); // addiw
        }
        else
        {
            Word(Addi(rd, 0, lo));
        }
        return this;
    }

    /// <summary>rd = the address of byte <paramref name="offset"/> of the program (auipc + addi).</summary>
    public Asm La(int rd, int offset)
    {
        int rel = offset - Here;
        int lo = rel << 20 >> 20;
        Word(Auipc(rd, ((rel - lo) >> 12) & 0xfffff));
        Word(Addi(rd, rd, lo));
        return this;
    }

    public Asm Addi_(int rd, int rs1, int imm) => Word(Addi(rd, rs1, imm));
    public Asm Add_(int rd, int rs1, int rs2) => Word(Add(rd, rs1, rs2));
    public Asm Ld(int rd, int rs1, int imm) => Word(I(imm, rs1, 3, rd, 0x03));
    public Asm Sd(int rs2, int rs1, int imm) => Word(S(imm, rs2, rs1, 3, 0x23));
    public Asm Sw(int rs2, int rs1, int imm) => Word(S(imm, rs2, rs1, 2, 0x23));
    public Asm Bne(int rs1, int rs2, int target) => Word(B(target - Here, rs2, rs1, 1));
    public Asm Beq(int rs1, int rs2, int target) => Word(B(target - Here, rs2, rs1, 0));
    public Asm Blt(int rs1, int rs2, int target) => Word(B(target - Here, rs2, rs1, 4));
    public Asm Jal(int rd, int target) => Word(J(target - Here, rd));
    public Asm Csrrw(int rd, int csr, int rs1) => Word(I(csr, rs1, 1, rd, 0x73));
    public Asm Csrrs(int rd, int csr, int rs1) => Word(I(csr, rs1, 2, rd, 0x73));
    public Asm Mret() => Word(0x30200073);
    public Asm FenceI() => Word(0x0000100f);
    public Asm AmoaddW(int rd, int rs2, int rs1) => Word(R(0, rs2, rs1, 2, rd, 0x2f));

    /// <summary>Store 0x5555 to the SiFive test finisher (the guest passes and the run ends), then spin.</summary>
    public Asm Exit(int scratch1, int scratch2)
    {
        Li(scratch1, 0x100000);
        Li(scratch2, 0x5555);
        Sw(scratch2, scratch1, 0);
        Jal(0, Here);
        return this;
    }

    public const int Ra = 1, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9, A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, T3 = 28, T4 = 29;
}
