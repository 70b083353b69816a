namespace RvEmu.Core.Isa;

/// <summary>Operand layout of a compressed instruction, for the disassembler.</summary>
public enum CFormat : byte
{
    /// <summary>No operands.</summary>
    None,
    /// <summary>rd, imm (decimal).</summary>
    RdImm,
    /// <summary>rd, shamt (hex).</summary>
    RdShamt,
    /// <summary>rd, imm[17:12] as a 20-bit hex value.</summary>
    Lui,
    /// <summary>sp, imm.</summary>
    SpImm,
    /// <summary>rd, sp, imm.</summary>
    RdSpImm,
    /// <summary>rd, imm(rs1) (integer or FP rd).</summary>
    Load,
    /// <summary>rs2, imm(rs1).</summary>
    Store,
    /// <summary>target.</summary>
    J,
    /// <summary>rs1, target.</summary>
    Branch,
    /// <summary>rs1.</summary>
    Rs1,
    /// <summary>rd, rs2.</summary>
    RdRs2,
}

/// <summary>The fields of a 16-bit instruction (unprivileged spec ch. 16.2-16.3), with the scattered immediates gathered.</summary>
public readonly struct CompressedWord
{
    public readonly uint Bits;
    public CompressedWord(uint bits) => Bits = bits & 0xffff;

    private uint B(int hi, int lo) => (Bits >> lo) & ((1u << (hi - lo + 1)) - 1);

    /// <summary>Full 5-bit rd/rs1 at bits 11:7.</summary>
    public int Rd => (int)B(11, 7);
    /// <summary>Full 5-bit rs2 at bits 6:2.</summary>
    public int Rs2 => (int)B(6, 2);
    /// <summary>rd'/rs1' at bits 9:7, mapped to x8..x15.</summary>
    public int Rs1P => (int)B(9, 7) + 8;
    /// <summary>rd'/rs2' at bits 4:2, mapped to x8..x15.</summary>
    public int Rs2P => (int)B(4, 2) + 8;

    /// <summary>CI-format 6-bit signed immediate.</summary>
    public long ImmCI => InstructionWord.SignExtend(B(12, 12) << 5 | B(6, 2), 6);
    /// <summary>CI-format 6-bit unsigned shift amount.</summary>
    public int Shamt => (int)(B(12, 12) << 5 | B(6, 2));
    public long ImmLui => InstructionWord.SignExtend((B(12, 12) << 17) | (B(6, 2) << 12), 18);
    public long ImmAddi16sp => InstructionWord.SignExtend(B(12, 12) << 9 | B(6, 6) << 4 | B(5, 5) << 6 | B(4, 3) << 7 | B(2, 2) << 5, 10);
    public long ImmAddi4spn => B(12, 11) << 4 | B(10, 7) << 6 | B(6, 6) << 2 | B(5, 5) << 3;
    /// <summary>c.lw/c.sw offset.</summary>
    public long ImmW => B(12, 10) << 3 | B(6, 6) << 2 | B(5, 5) << 6;
    /// <summary>c.ld/c.sd/c.fld/c.fsd offset.</summary>
    public long ImmD => B(12, 10) << 3 | B(6, 5) << 6;
    public long ImmLwsp => B(12, 12) << 5 | B(6, 4) << 2 | B(3, 2) << 6;
    public long ImmLdsp => B(12, 12) << 5 | B(6, 5) << 3 | B(4, 2) << 6;
    public long ImmSwsp => B(12, 9) << 2 | B(8, 7) << 6;
    public long ImmSdsp => B(12, 10) << 3 | B(9, 7) << 6;
    public long ImmJ => InstructionWord.SignExtend(
        B(12, 12) << 11 | B(11, 11) << 4 | B(10, 9) << 8 | B(8, 8) << 10 | B(7, 7) << 6 | B(6, 6) << 7 | B(5, 3) << 1 | B(2, 2) << 5, 12);
    public long ImmB => InstructionWord.SignExtend(
        B(12, 12) << 8 | B(11, 10) << 3 | B(6, 5) << 6 | B(4, 3) << 1 | B(2, 2) << 5, 9);
}

/// <summary>What a compressed instruction expands to: a base op and its operands.</summary>
public readonly record struct Expansion(Op Op, int Rd, int Rs1, int Rs2, long Imm);

/// <summary>One row of the compressed table: pattern, validity rule, printed form, and the base instruction it expands to.</summary>
/// <param name="Mnemonic">GNU objdump's name for the form.</param>
/// <param name="Mask">Bits fixed by the encoding.</param>
/// <param name="Match">Their values.</param>
/// <param name="Format">Operand layout for the disassembler.</param>
/// <param name="Valid">Rule on the other fields; when it fails the encoding is reserved (null: always valid).</param>
/// <param name="Expand">The base instruction this form stands for (spec 16.8).</param>
/// <param name="FloatRegs">rd/rs2 name FP registers.</param>
/// <param name="PrintReserved">The disassembler prints the row even where <paramref name="Valid"/> fails, as GNU objdump does.</param>
public sealed record CompressedDef(
    string Mnemonic, uint Mask, uint Match, CFormat Format, Func<CompressedWord, bool>? Valid, Func<CompressedWord, Expansion> Expand,
    bool FloatRegs = false, bool PrintReserved = false);

/// <summary>
/// RV64C (unprivileged spec ch. 16, table 16.5-16.7). Every form expands at decode time to the same
/// decoded form as its 32-bit twin (ch. 16.8 gives the mapping), so the interpreter has no code for C.
/// Reserved encodings (rows whose rule fails) decode as illegal. HINT encodings (ch. 16.7) are valid
/// and execute as the base instruction they expand to, which writes only x0 or leaves state unchanged.
/// </summary>
public static class CompressedTable
{
    private const uint Q = 0xe003;                 // funct3 + quadrant
    private const int Sp = 2;

    private static Expansion E(Op op, int rd, int rs1, int rs2, long imm) => new(op, rd, rs1, rs2, imm);

    public static readonly IReadOnlyList<CompressedDef> All = new CompressedDef[]
    {
        // Quadrant 0. All zeros is defined illegal (16.5); objdump calls it c.unimp.
        new("c.unimp",    0xffff, 0x0000, CFormat.None, _ => false, _ => E(Op.Illegal, 0, 0, 0, 0), PrintReserved: true),
        new("c.addi4spn", Q, 0x0000, CFormat.RdSpImm, c => c.ImmAddi4spn != 0, c => E(Op.Addi, c.Rs2P, Sp, 0, c.ImmAddi4spn)),
        new("c.fld",      Q, 0x2000, CFormat.Load, null, c => E(Op.Fld, c.Rs2P, c.Rs1P, 0, c.ImmD), FloatRegs: true),
        new("c.lw",       Q, 0x4000, CFormat.Load, null, c => E(Op.Lw, c.Rs2P, c.Rs1P, 0, c.ImmW)),
        new("c.ld",       Q, 0x6000, CFormat.Load, null, c => E(Op.Ld, c.Rs2P, c.Rs1P, 0, c.ImmD)),
        new("c.fsd",      Q, 0xa000, CFormat.Store, null, c => E(Op.Fsd, 0, c.Rs1P, c.Rs2P, c.ImmD), FloatRegs: true),
        new("c.sw",       Q, 0xc000, CFormat.Store, null, c => E(Op.Sw, 0, c.Rs1P, c.Rs2P, c.ImmW)),
        new("c.sd",       Q, 0xe000, CFormat.Store, null, c => E(Op.Sd, 0, c.Rs1P, c.Rs2P, c.ImmD)),

        // Quadrant 1
        new("c.addi",     Q, 0x0001, CFormat.RdImm, null, c => E(Op.Addi, c.Rd, c.Rd, 0, c.ImmCI)),
        new("c.addiw",    Q, 0x2001, CFormat.RdImm, c => c.Rd != 0, c => E(Op.Addiw, c.Rd, c.Rd, 0, c.ImmCI)),
        new("c.li",       Q, 0x4001, CFormat.RdImm, null, c => E(Op.Addi, c.Rd, 0, 0, c.ImmCI)),
        // nzimm = 0 is reserved, though objdump 2.40 prints it as "c.addi16sp sp,0".
        new("c.addi16sp", 0xef83, 0x6101, CFormat.SpImm, c => c.ImmAddi16sp != 0, c => E(Op.Addi, Sp, Sp, 0, c.ImmAddi16sp), PrintReserved: true),
        new("c.lui",      Q, 0x6001, CFormat.Lui, c => c.ImmLui != 0, c => E(Op.Lui, c.Rd, 0, 0, c.ImmLui)),
        // shamt = 0: a HINT on RV64 (16.7), named c.srli64/c.srai64/c.slli64 by objdump after RV128's shift by 64.
        new("c.srli64",   0xfc7f, 0x8001, CFormat.Rs1, null, c => E(Op.Srli, c.Rs1P, c.Rs1P, 0, 0)),
        new("c.srai64",   0xfc7f, 0x8401, CFormat.Rs1, null, c => E(Op.Srai, c.Rs1P, c.Rs1P, 0, 0)),
        new("c.srli",     0xec03, 0x8001, CFormat.RdShamt, null, c => E(Op.Srli, c.Rs1P, c.Rs1P, 0, c.Shamt)),
        new("c.srai",     0xec03, 0x8401, CFormat.RdShamt, null, c => E(Op.Srai, c.Rs1P, c.Rs1P, 0, c.Shamt)),
        new("c.andi",     0xec03, 0x8801, CFormat.RdImm, null, c => E(Op.Andi, c.Rs1P, c.Rs1P, 0, c.ImmCI)),
        new("c.sub",      0xfc63, 0x8c01, CFormat.RdRs2, null, c => E(Op.Sub, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.xor",      0xfc63, 0x8c21, CFormat.RdRs2, null, c => E(Op.Xor, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.or",       0xfc63, 0x8c41, CFormat.RdRs2, null, c => E(Op.Or, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.and",      0xfc63, 0x8c61, CFormat.RdRs2, null, c => E(Op.And, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.subw",     0xfc63, 0x9c01, CFormat.RdRs2, null, c => E(Op.Subw, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.addw",     0xfc63, 0x9c21, CFormat.RdRs2, null, c => E(Op.Addw, c.Rs1P, c.Rs1P, c.Rs2P, 0)),
        new("c.j",        Q, 0xa001, CFormat.J, null, c => E(Op.Jal, 0, 0, 0, c.ImmJ)),
        new("c.beqz",     Q, 0xc001, CFormat.Branch, null, c => E(Op.Beq, 0, c.Rs1P, 0, c.ImmB)),
        new("c.bnez",     Q, 0xe001, CFormat.Branch, null, c => E(Op.Bne, 0, c.Rs1P, 0, c.ImmB)),

        // Quadrant 2
        new("c.slli64",   0xf07f, 0x0002, CFormat.Rs1, null, c => E(Op.Slli, c.Rd, c.Rd, 0, 0)),
        new("c.slli",     Q, 0x0002, CFormat.RdShamt, null, c => E(Op.Slli, c.Rd, c.Rd, 0, c.Shamt)),
        new("c.fldsp",    Q, 0x2002, CFormat.Load, null, c => E(Op.Fld, c.Rd, Sp, 0, c.ImmLdsp), FloatRegs: true),
        new("c.lwsp",     Q, 0x4002, CFormat.Load, c => c.Rd != 0, c => E(Op.Lw, c.Rd, Sp, 0, c.ImmLwsp)),
        new("c.ldsp",     Q, 0x6002, CFormat.Load, c => c.Rd != 0, c => E(Op.Ld, c.Rd, Sp, 0, c.ImmLdsp)),
        new("c.jr",       0xf07f, 0x8002, CFormat.Rs1, c => c.Rd != 0, c => E(Op.Jalr, 0, c.Rd, 0, 0)),
        new("c.mv",       0xf003, 0x8002, CFormat.RdRs2, null, c => E(Op.Add, c.Rd, 0, c.Rs2, 0)),
        new("c.ebreak",   0xffff, 0x9002, CFormat.None, null, c => E(Op.Ebreak, 0, 0, 0, 0)),
        new("c.jalr",     0xf07f, 0x9002, CFormat.Rs1, null, c => E(Op.Jalr, 1, c.Rd, 0, 0)),
        new("c.add",      0xf003, 0x9002, CFormat.RdRs2, null, c => E(Op.Add, c.Rd, c.Rd, c.Rs2, 0)),
        new("c.fsdsp",    Q, 0xa002, CFormat.Store, null, c => E(Op.Fsd, 0, Sp, c.Rs2, c.ImmSdsp), FloatRegs: true),
        new("c.swsp",     Q, 0xc002, CFormat.Store, null, c => E(Op.Sw, 0, Sp, c.Rs2, c.ImmSwsp)),
        new("c.sdsp",     Q, 0xe002, CFormat.Store, null, c => E(Op.Sd, 0, Sp, c.Rs2, c.ImmSdsp)),
    };

    /// <summary>The row a 16-bit word matches whose validity rule holds, or null (reserved or illegal encoding).</summary>
    public static CompressedDef? Lookup(uint bits)
    {
        var def = Find(bits, out bool valid);
        return valid ? def : null;
    }

    /// <summary>
    /// The first row whose pattern matches (null if none), and whether its validity rule holds.
    /// A row whose rule fails is reserved: the first matching row decides (c.addi16sp shadows c.lui for rd=2).
    /// </summary>
    public static CompressedDef? Find(uint bits, out bool valid)
    {
        var c = new CompressedWord(bits);
        foreach (var def in All)
        {
            if ((c.Bits & def.Mask) != def.Match) continue;
            valid = def.Valid is null || def.Valid(c);
            return def;
        }
        valid = false;
        return null;
    }
}
