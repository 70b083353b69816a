using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RvEmu.Core.Isa;

/// <summary>
/// The cached, pre-decoded form of one instruction: the handler to run and its operands with
/// immediates already sign-extended. Compressed instructions decode to the same form as their
/// 32-bit twins (only <see cref="Length"/> differs). 24 bytes, cached per physical page.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct DecodedInsn
{
    /// <summary>
    /// Immediate, CSR number (I-format), or shift amount. Every RV64 immediate fits in 32 bits (U-type's is a
    /// sign-extended 32-bit value), and an int keeps the slot at 16 bytes: a decode-cache page is 32 KiB, and
    /// a slot's address is a shift of its index.
    /// </summary>
    public int Imm;
    /// <summary>The raw instruction bits (16 or 32): xtval for illegal instructions, and the trace.</summary>
    public uint Raw;
    /// <summary>
    /// The handler. In the shared decode cache the JIT's compiler thread may change a decoded slot's Op to
    /// <see cref="Op.JitEntry"/> at any time (nothing else changes): read it once, through <see cref="ReadOp"/>,
    /// and pass that value on rather than reading the field again.
    /// </summary>
    public Op Op;
    /// <summary>Destination register index. An integer rd of x0 is redirected to the sink slot 32 so handlers need no x0 check.</summary>
    public byte Rd;
    public byte Rs1;
    public byte Rs2;
    /// <summary>rs3 of fused multiply-add (see also <see cref="RunLink"/>).</summary>
    public byte Rs3;
    /// <summary>Rounding mode (F/D), aq/rl bits (A) or funct3 as needed.</summary>
    public byte Rm;
    /// <summary>Instruction length in bytes: 2 or 4.</summary>
    public byte Length;

    /// <summary>
    /// In an interpreter run only (RvEmu.Core.Cpu.Hart.Runs.cs), for a conditional branch whose target is an
    /// instruction of the same run: how many entries away the target is; otherwise 0. Kept in
    /// <see cref="Rs3"/>, which a branch does not use (the decoder leaves it 0).
    /// </summary>
    public sbyte RunLink
    {
        readonly get => (sbyte)Rs3;
        set => Rs3 = (byte)value;
    }

    /// <summary>
    /// Fill a decode-cache slot that other harts may be reading: every operand first, then <see cref="Op"/>
    /// with release semantics, so a reader that sees the new Op (through <see cref="ReadOp"/>) sees its
    /// operands. Two harts filling the same slot write the same bytes.
    /// </summary>
    public static void Publish(ref DecodedInsn slot, in DecodedInsn value)
    {
        slot.Imm = value.Imm;
        slot.Raw = value.Raw;
        slot.Rd = value.Rd;
        slot.Rs1 = value.Rs1;
        slot.Rs2 = value.Rs2;
        slot.Rs3 = value.Rs3;
        slot.Rm = value.Rm;
        slot.Length = value.Length;
        Volatile.Write(ref Unsafe.As<Op, ushort>(ref slot.Op), (ushort)value.Op);
    }

    /// <summary>The slot's Op with acquire semantics (a plain load on x86-64): pairs with <see cref="Publish"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Op ReadOp(ref DecodedInsn slot) => (Op)Volatile.Read(ref Unsafe.As<Op, ushort>(ref slot.Op));
}

/// <summary>Decodes raw instruction bits into <see cref="DecodedInsn"/> using the instruction tables.</summary>
public static class Decoder
{
    /// <summary>Register slot that absorbs writes to x0.</summary>
    public const int SinkRegister = 32;

    /// <summary>Decode a 32-bit or 16-bit instruction (16-bit when the low two bits are not 11).</summary>
    public static DecodedInsn Decode(uint bits)
    {
        if (InstructionWord.IsCompressed(bits)) return DecodeCompressed(bits & 0xffff);
        var d = new DecodedInsn { Raw = bits, Length = 4, Op = Op.Illegal };
        var def = InstructionTable.Lookup(bits);
        if (def is null) return d;
        var w = new InstructionWord(bits);
        d.Op = def.Op;
        d.Rd = (byte)w.Rd;
        d.Rs1 = (byte)w.Rs1;
        d.Rs2 = (byte)w.Rs2;
        // Only the fused multiply-adds have an rs3; elsewhere those bits belong to something else (a branch's
        // immediate), and a branch's Rs3 is its RunLink, which must be 0 outside interpreter runs.
        // Only the fused multiply-adds have an rs3; elsewhere those bits belong to something else (a branch's
        // immediate), and a branch's Rs3 is its RunLink, which must be 0 outside interpreter runs.
        d.Rs3 = def.Format == Format.FR4 ? (byte)w.Rs3 : (byte)0;
        d.Rm = (byte)w.Rm;
        d.Imm = (int)(def.Format switch
        {
            Format.I or Format.Load or Format.Jalr or Format.FLoad => w.ImmI,
            Format.Shift => w.Shamt,
            Format.Store or Format.FStore => w.ImmS,
            Format.Branch => w.ImmB,
            Format.U => w.ImmU,
            Format.Jal => w.ImmJ,
            Format.Csr or Format.CsrI => w.Csr,
            _ => 0,
        });
        if (def.Format is Format.Amo or Format.Lr) d.Rm = (byte)((bits >> 25) & 3); // aq, rl
        if (def.Format == Format.Fence) d.Imm = (int)((bits >> 20) & 0xfff);               // fm, pred, succ
        // Integer destinations of x0 go to the sink; FP destinations (f0) are real registers.
        if (d.Rd == 0 && WritesIntegerRd(def.Format, def.Op)) d.Rd = SinkRegister;
        return d;
    }

    /// <summary>
    /// Every 16-bit word's decode, filled on first use: the table search behind it costs a dozen delegate calls,
    /// and an operating system decodes code again each time it maps it (Linux's boot decodes 240k instructions,
    /// half of them compressed), while there are only 65536 words. Slots are published as decode-cache slots are.
    /// </summary>
    private static readonly DecodedInsn[] CompressedMemo = new DecodedInsn[1 << 16];

    private static DecodedInsn DecodeCompressed(uint bits)
    {
        ref var memo = ref CompressedMemo[bits];
        if (DecodedInsn.ReadOp(ref memo) != Op.Undecoded) return memo;
        var d = DecodeCompressedWord(bits);
        DecodedInsn.Publish(ref memo, d);
        return d;
    }

    private static DecodedInsn DecodeCompressedWord(uint bits)
    {
        var d = new DecodedInsn { Raw = bits, Length = 2, Op = Op.Illegal };
        var def = CompressedTable.Lookup(bits);
        if (def is null) return d;
        var e = def.Expand(new CompressedWord(bits));
        d.Op = e.Op;
        d.Rd = (byte)e.Rd;
        d.Rs1 = (byte)e.Rs1;
        d.Rs2 = (byte)e.Rs2;
        d.Imm = (int)e.Imm;
        if (d.Rd == 0 && !def.FloatRegs) d.Rd = SinkRegister;
        return d;
    }

    private static bool WritesIntegerRd(Format f, Op op) => f switch
    {
        Format.FLoad or Format.FStore or Format.FR4 or Format.FRrm or Format.FR or Format.FR1rm
            or Format.FXrm or Format.FX => false,
        _ => true,
    };
}
