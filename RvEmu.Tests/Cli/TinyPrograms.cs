using System.Buffers.Binary;

namespace RvEmu.Tests.Cli;

/// <summary>
/// A few bare-metal M-mode programs for the virt board, hand-assembled from the unprivileged ISA
/// spec's base formats (§2.2–2.6: U-type LUI/AUIPC, I-type ADDI, S-type SB/SW, J-type JAL), for
/// <c>rvemu run --bios none</c>. Checked against riscv64-unknown-elf-objdump and QEMU when written.
/// </summary>
internal static class TinyPrograms
{
    /// <summary>DRAM base: where the boot ROM jumps with -bios none.</summary>
    public const ulong DramBase = 0x8000_0000;

    private const int Zero = 0, T0 = 5, T1 = 6;

    /// <summary>SiFive test finisher (QEMU hw/misc/sifive_test.c): 0x5555 pass, (code &lt;&lt; 16) | 0x3333 fail.</summary>
    private const uint FinisherPage = 0x100; // 0x0010_0000 >> 12
    private const uint UartPage = 0x10000; // 0x1000_0000 >> 12: NS16550A THR at offset 0

    private static uint Lui(int rd, uint imm20) => (imm20 << 12) | ((uint)rd << 7) | 0x37;
    private static uint Auipc(int rd, uint imm20) => (imm20 << 12) | ((uint)rd << 7) | 0x17;
    private static uint Addi(int rd, int rs1, int imm) => (((uint)imm & 0xfff) << 20) | ((uint)rs1 << 15) | ((uint)rd << 7) | 0x13;

    private static uint Store(uint funct3, int rs2, int rs1, int imm) =>
        ((((uint)imm >> 5) & 0x7f) << 25) | ((uint)rs2 << 20) | ((uint)rs1 << 15) | (funct3 << 12) | (((uint)imm & 0x1f) << 7) | 0x23;

    private static uint Sb(int rs2, int rs1, int imm) => Store(0, rs2, rs1, imm);
    private static uint Sw(int rs2, int rs1, int imm) => Store(2, rs2, rs1, imm);

    /// <summary>jal x0, 0: spin on this instruction.</summary>
    private const uint JumpToSelf = 0x0000_006f;

    /// <summary>li rd, value for a 32-bit value: LUI takes the rounded upper 20 bits, ADDI adds the sign-extended low 12.</summary>
    private static uint[] Li(int rd, uint value)
    {
        uint upper = (value + 0x800) >> 12;
        int lower = (int)(value - (upper << 12));
        return [Lui(rd, upper & 0xfffff), Addi(rd, rd, lower)];
    }

    /// <summary>Write <paramref name="finisherValue"/> to the test finisher, then spin.</summary>
    public static byte[] FinisherExit(uint finisherValue) =>
        Assemble([Lui(T0, FinisherPage), .. Li(T1, finisherValue), Sw(T1, T0, 0), JumpToSelf]);

    /// <summary>Fail through the test finisher with <paramref name="code"/>: rvemu must exit with it.</summary>
    public static byte[] FinisherFail(ushort code) => FinisherExit(((uint)code << 16) | 0x3333);

    /// <summary>Print one character on the UART, then spin forever (a guest that never powers off).</summary>
    public static byte[] PrintThenSpin(char c) =>
        Assemble([Lui(T0, UartPage), Addi(T1, Zero, c), Sb(T1, T0, 0), JumpToSelf]);

    /// <summary>Offset of the signature area in <see cref="SignatureImage"/>.</summary>
    public const int SignatureOffset = 0x1000;

    /// <summary>
    /// Code that stores 0x12345678 and 0xdeadbeef into the first two words of the signature area
    /// (image offset 0x1000, reached with AUIPC), whose third word is 0xcafef00d in the image, then
    /// passes through the test finisher. The expected signature is those three words in order.
    /// </summary>
    public static byte[] SignatureImage()
    {
        byte[] code = Assemble([
            Auipc(T0, SignatureOffset >> 12), // t0 = pc + 0x1000 (pc is the image start)
            .. Li(T1, 0x1234_5678), Sw(T1, T0, 0),
            .. Li(T1, 0xdead_beef), Sw(T1, T0, 4),
            Lui(T0, FinisherPage), .. Li(T1, 0x5555), Sw(T1, T0, 0), JumpToSelf,
        ]);
        var image = new byte[SignatureOffset + 12];
        code.CopyTo(image, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(SignatureOffset + 8), 0xcafe_f00d);
        return image;
    }

    internal static byte[] Assemble(uint[] words)
    {
        var bytes = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }
}
