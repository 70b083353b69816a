using System.Text;

namespace RvEmu.Core.Isa;

/// <summary>
/// Disassembles from the same tables the decoder uses, in GNU objdump's syntax with
/// <c>-M no-aliases</c> (ABI register names, compressed mnemonics kept, branch targets absolute in hex).
/// Not on the hot path: used by the trace log and tests.
/// </summary>
public static class Disassembler
{
    /// <summary>Disassemble one instruction at <paramref name="pc"/>: "mnemonic\toperands".</summary>
    public static string Disassemble(uint bits, ulong pc)
    {
        if (InstructionWord.IsCompressed(bits)) return DisassembleCompressed(bits & 0xffff, pc);
        var def = InstructionTable.Lookup(bits);
        // Encodings objdump does not know it prints as data: ".4byte 0x...".
        if (def is null || (bits & def.PrintMask) != (def.Match & def.PrintMask)) return $".4byte\t0x{bits:x}";
        var w = new InstructionWord(bits);
        string x(int r) => RegisterNames.X(r);
        string f(int r) => RegisterNames.F(r);
        string mn = def.Mnemonic;
        string rm = RoundingSuffix(def.Op, w.Rm);
        string ops = def.Format switch
        {
            Format.None => "",
            Format.R => $"{x(w.Rd)},{x(w.Rs1)},{x(w.Rs2)}",
            Format.I => $"{x(w.Rd)},{x(w.Rs1)},{w.ImmI}",
            Format.Shift => $"{x(w.Rd)},{x(w.Rs1)},0x{w.Shamt:x}",
            Format.Load => $"{x(w.Rd)},{w.ImmI}({x(w.Rs1)})",
            Format.Store => $"{x(w.Rs2)},{w.ImmS}({x(w.Rs1)})",
            Format.Branch => $"{x(w.Rs1)},{x(w.Rs2)},{Target(pc, w.ImmB)}",
            Format.U => $"{x(w.Rd)},0x{(w.ImmU >> 12) & 0xfffff:x}",
            Format.Jal => $"{x(w.Rd)},{Target(pc, w.ImmJ)}",
            Format.Jalr => $"{x(w.Rd)},{w.ImmI}({x(w.Rs1)})",
            Format.Csr => $"{x(w.Rd)},{CsrNames.Name(w.Csr)},{x(w.Rs1)}",
            Format.CsrI => $"{x(w.Rd)},{CsrNames.Name(w.Csr)},{w.Rs1}",
            Format.Amo => $"{x(w.Rd)},{x(w.Rs2)},({x(w.Rs1)})",
            Format.Lr => $"{x(w.Rd)},({x(w.Rs1)})",
            Format.Fence => $"{FenceSet((int)(bits >> 24) & 15)},{FenceSet((int)(bits >> 20) & 15)}",
            Format.Rs1Rs2 => $"{x(w.Rs1)},{x(w.Rs2)}",
            Format.Rs1Opt => w.Rs1 == 0 ? "" : x(w.Rs1),
            Format.FLoad => $"{f(w.Rd)},{w.ImmI}({x(w.Rs1)})",
            Format.FStore => $"{f(w.Rs2)},{w.ImmS}({x(w.Rs1)})",
            Format.FR4 => $"{f(w.Rd)},{f(w.Rs1)},{f(w.Rs2)},{f(w.Rs3)}{rm}",
            Format.FRrm => $"{f(w.Rd)},{f(w.Rs1)},{f(w.Rs2)}{rm}",
            Format.FR => $"{f(w.Rd)},{f(w.Rs1)},{f(w.Rs2)}",
            Format.FR1rm => $"{f(w.Rd)},{f(w.Rs1)}{rm}",
            Format.XFrm => $"{x(w.Rd)},{f(w.Rs1)}{rm}",
            Format.XF => $"{x(w.Rd)},{f(w.Rs1)}",
            Format.XFF => $"{x(w.Rd)},{f(w.Rs1)},{f(w.Rs2)}",
            Format.FXrm => $"{f(w.Rd)},{x(w.Rs1)}{rm}",
            Format.FX => $"{f(w.Rd)},{x(w.Rs1)}",
            _ => "?",
        };
        if (def.Format is Format.Amo or Format.Lr) mn += AqRlSuffix((int)(bits >> 25) & 3);
        return ops.Length == 0 ? mn : $"{mn}\t{ops}";
    }

    private static string DisassembleCompressed(uint bits, ulong pc)
    {
        // objdump names a few reserved encodings (c.unimp, c.addi16sp sp,0) that the decoder rejects.
        var def = CompressedTable.Find(bits, out bool valid);
        if (def is null || !(valid || def.PrintReserved)) return $".2byte\t0x{bits:x}";
        var c = new CompressedWord(bits);
        var e = def.Expand(c);
        Func<int, string> r = def.FloatRegs ? RegisterNames.F : RegisterNames.X;
        string x(int i) => RegisterNames.X(i);
        string ops = def.Format switch
        {
            CFormat.None => "",
            CFormat.RdImm => $"{x(e.Rd)},{e.Imm}",
            CFormat.RdShamt => $"{x(e.Rd)},0x{e.Imm:x}",
            CFormat.Lui => $"{x(e.Rd)},0x{(e.Imm >> 12) & 0xfffff:x}",
            CFormat.SpImm => $"sp,{e.Imm}",
            CFormat.RdSpImm => $"{x(e.Rd)},sp,{e.Imm}",
            CFormat.Load => $"{r(e.Rd)},{e.Imm}({x(e.Rs1)})",
            CFormat.Store => $"{r(e.Rs2)},{e.Imm}({x(e.Rs1)})",
            CFormat.J => Target(pc, e.Imm),
            CFormat.Branch => $"{x(e.Rs1)},{Target(pc, e.Imm)}",
            CFormat.Rs1 => x(e.Rs1),
            CFormat.RdRs2 => $"{x(e.Rd)},{x(e.Rs2)}",
            _ => "?",
        };
        return ops.Length == 0 ? def.Mnemonic : $"{def.Mnemonic}\t{ops}";
    }

    private static string Target(ulong pc, long offset) => $"{pc + (ulong)offset:x}";

    private static string AqRlSuffix(int aqrl) => aqrl switch { 1 => ".rl", 2 => ".aq", 3 => ".aqrl", _ => "" };

    private static string FenceSet(int bits)
    {
        if (bits == 0) return "unknown"; // objdump's word for an empty set
        var sb = new StringBuilder(4);
        if ((bits & 8) != 0) sb.Append('i');
        if ((bits & 4) != 0) sb.Append('o');
        if ((bits & 2) != 0) sb.Append('r');
        if ((bits & 1) != 0) sb.Append('w');
        return sb.ToString();
    }

    // objdump omits the dynamic rounding mode, and prints none for conversions that are always exact.
    private static string RoundingSuffix(Op op, int rm) =>
        rm == 7 || op is Op.FcvtDW or Op.FcvtDWu or Op.FcvtDS ? "" : "," + RegisterNames.RoundingMode[rm];
}
