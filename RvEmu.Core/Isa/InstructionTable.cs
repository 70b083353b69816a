namespace RvEmu.Core.Isa;

/// <summary>How an instruction's operands are extracted and printed.</summary>
public enum Format : byte
{
    /// <summary>No operands (ecall, mret...).</summary>
    None,
    /// <summary>rd, rs1, rs2.</summary>
    R,
    /// <summary>rd, rs1, imm (decimal).</summary>
    I,
    /// <summary>rd, rs1, shamt (hex), 6-bit.</summary>
    Shift,
    /// <summary>rd, imm(rs1).</summary>
    Load,
    /// <summary>rs2, imm(rs1).</summary>
    Store,
    /// <summary>rs1, rs2, target.</summary>
    Branch,
    /// <summary>rd, imm[31:12] (hex).</summary>
    U,
    /// <summary>rd, target.</summary>
    Jal,
    /// <summary>rd, imm(rs1).</summary>
    Jalr,
    /// <summary>rd, csr, rs1.</summary>
    Csr,
    /// <summary>rd, csr, uimm.</summary>
    CsrI,
    /// <summary>rd, rs2, (rs1).</summary>
    Amo,
    /// <summary>rd, (rs1).</summary>
    Lr,
    /// <summary>pred, succ.</summary>
    Fence,
    /// <summary>rs1, rs2.</summary>
    Rs1Rs2,
    /// <summary>rs1, omitted when x0.</summary>
    Rs1Opt,
    /// <summary>fd, imm(rs1): FP load.</summary>
    FLoad,
    /// <summary>fs2, imm(rs1): FP store.</summary>
    FStore,
    /// <summary>fd, fs1, fs2, fs3, rm.</summary>
    FR4,
    /// <summary>fd, fs1, fs2, rm.</summary>
    FRrm,
    /// <summary>fd, fs1, fs2 (no rounding mode).</summary>
    FR,
    /// <summary>fd, fs1, rm.</summary>
    FR1rm,
    /// <summary>rd(int), fs1, rm.</summary>
    XFrm,
    /// <summary>rd(int), fs1.</summary>
    XF,
    /// <summary>rd(int), fs1, fs2.</summary>
    XFF,
    /// <summary>fd, rs1(int), rm.</summary>
    FXrm,
    /// <summary>fd, rs1(int).</summary>
    FX,
}

/// <summary>One row of the instruction table: an encoding pattern and what it means.</summary>
/// <param name="Mnemonic">GNU assembler mnemonic (objdump -M no-aliases spelling).</param>
/// <param name="Mask">Bits that are fixed by the encoding.</param>
/// <param name="Match">Their values.</param>
/// <param name="Format">Operand layout.</param>
/// <param name="Op">Execution handler.</param>
/// <param name="Extension">ISA extension letter(s), for misa checks and documentation.</param>
/// <param name="PrintMask">
/// Further bits that GNU objdump requires to equal <paramref name="Match"/> before it prints this mnemonic
/// (it prints <c>.4byte</c> otherwise), where the spec has the hart ignore them: FENCE's rs1/rd/fm,
/// FENCE.I's imm/rs1/rd, and the rounding mode of conversions that are always exact.
/// </param>
public sealed record InstructionDef(string Mnemonic, uint Mask, uint Match, Format Format, Op Op, string Extension, uint PrintMask = 0);

/// <summary>
/// The single declarative table of 32-bit encodings. The decoder, the disassembler and the
/// opcode-overlap test are all derived from it. Masks and matches follow the opcode map in the
/// unprivileged spec, chapter 37 (RV32/64G instruction set listings).
/// </summary>
public static class InstructionTable
{
    // Common masks.
    private const uint OpcodeMask = 0x0000007f;
    private const uint F3 = 0x0000707f;           // opcode + funct3
    private const uint F7F3 = 0xfe00707f;         // opcode + funct3 + funct7
    private const uint F6F3 = 0xfc00707f;         // RV64 shifts: funct6
    private const uint Amo = 0xf800707f;          // funct5 + funct3 + opcode (aq/rl free)
    private const uint LrMask = 0xf9f0707f;       // as Amo, rs2 must be 0
    private const uint Exact = 0xffffffff;
    private const uint F7Rs2 = 0xfff0007f;        // funct7 + rs2 + opcode (rm free)
    private const uint F7Rs2F3 = 0xfff0707f;
    private const uint R4 = 0x0600007f;           // fmt + opcode (rm free)
    private const uint F7Rm = 0xfe00007f;         // funct7 + opcode (rm free)
    private const uint RmField = 0x00007000;

    public static readonly IReadOnlyList<InstructionDef> All = new InstructionDef[]
    {
        // RV32I / RV64I base
        new("lui",    OpcodeMask, 0x00000037, Format.U, Op.Lui, "I"),
        new("auipc",  OpcodeMask, 0x00000017, Format.U, Op.Auipc, "I"),
        new("jal",    OpcodeMask, 0x0000006f, Format.Jal, Op.Jal, "I"),
        new("jalr",   F3, 0x00000067, Format.Jalr, Op.Jalr, "I"),
        new("beq",    F3, 0x00000063, Format.Branch, Op.Beq, "I"),
        new("bne",    F3, 0x00001063, Format.Branch, Op.Bne, "I"),
        new("blt",    F3, 0x00004063, Format.Branch, Op.Blt, "I"),
        new("bge",    F3, 0x00005063, Format.Branch, Op.Bge, "I"),
        new("bltu",   F3, 0x00006063, Format.Branch, Op.Bltu, "I"),
        new("bgeu",   F3, 0x00007063, Format.Branch, Op.Bgeu, "I"),
        new("lb",     F3, 0x00000003, Format.Load, Op.Lb, "I"),
        new("lh",     F3, 0x00001003, Format.Load, Op.Lh, "I"),
        new("lw",     F3, 0x00002003, Format.Load, Op.Lw, "I"),
        new("ld",     F3, 0x00003003, Format.Load, Op.Ld, "I"),
        new("lbu",    F3, 0x00004003, Format.Load, Op.Lbu, "I"),
        new("lhu",    F3, 0x00005003, Format.Load, Op.Lhu, "I"),
        new("lwu",    F3, 0x00006003, Format.Load, Op.Lwu, "I"),
        new("sb",     F3, 0x00000023, Format.Store, Op.Sb, "I"),
        new("sh",     F3, 0x00001023, Format.Store, Op.Sh, "I"),
        new("sw",     F3, 0x00002023, Format.Store, Op.Sw, "I"),
        new("sd",     F3, 0x00003023, Format.Store, Op.Sd, "I"),
        new("addi",   F3, 0x00000013, Format.I, Op.Addi, "I"),
        new("slti",   F3, 0x00002013, Format.I, Op.Slti, "I"),
        new("sltiu",  F3, 0x00003013, Format.I, Op.Sltiu, "I"),
        new("xori",   F3, 0x00004013, Format.I, Op.Xori, "I"),
        new("ori",    F3, 0x00006013, Format.I, Op.Ori, "I"),
        new("andi",   F3, 0x00007013, Format.I, Op.Andi, "I"),
        new("slli",   F6F3, 0x00001013, Format.Shift, Op.Slli, "I"),
        new("srli",   F6F3, 0x00005013, Format.Shift, Op.Srli, "I"),
        new("srai",   F6F3, 0x40005013, Format.Shift, Op.Srai, "I"),
        new("add",    F7F3, 0x00000033, Format.R, Op.Add, "I"),
        new("sub",    F7F3, 0x40000033, Format.R, Op.Sub, "I"),
        new("sll",    F7F3, 0x00001033, Format.R, Op.Sll, "I"),
        new("slt",    F7F3, 0x00002033, Format.R, Op.Slt, "I"),
        new("sltu",   F7F3, 0x00003033, Format.R, Op.Sltu, "I"),
        new("xor",    F7F3, 0x00004033, Format.R, Op.Xor, "I"),
        new("srl",    F7F3, 0x00005033, Format.R, Op.Srl, "I"),
        new("sra",    F7F3, 0x40005033, Format.R, Op.Sra, "I"),
        new("or",     F7F3, 0x00006033, Format.R, Op.Or, "I"),
        new("and",    F7F3, 0x00007033, Format.R, Op.And, "I"),
        new("addiw",  F3, 0x0000001b, Format.I, Op.Addiw, "I"),
        new("slliw",  F7F3, 0x0000101b, Format.Shift, Op.Slliw, "I"),
        new("srliw",  F7F3, 0x0000501b, Format.Shift, Op.Srliw, "I"),
        new("sraiw",  F7F3, 0x4000501b, Format.Shift, Op.Sraiw, "I"),
        new("addw",   F7F3, 0x0000003b, Format.R, Op.Addw, "I"),
        new("subw",   F7F3, 0x4000003b, Format.R, Op.Subw, "I"),
        new("sllw",   F7F3, 0x0000103b, Format.R, Op.Sllw, "I"),
        new("srlw",   F7F3, 0x0000503b, Format.R, Op.Srlw, "I"),
        new("sraw",   F7F3, 0x4000503b, Format.R, Op.Sraw, "I"),
        // FENCE: fm/pred/succ/rs1/rd are free (unused fields are reserved for hints, spec 2.7);
        // fence.tso is a specific fence listed first so that it wins the lookup.
        new("fence.tso", Exact, 0x8330000f, Format.None, Op.Fence, "I"),
        // Zihintpause: PAUSE is the FENCE hint with pred = W, succ = 0 (Zihintpause ch. 1); a hart that
        // runs it says "I am spinning", so it gets its own Op: the run loop hands the host core over.
        new("pause", Exact, 0x0100000f, Format.None, Op.Pause, "Zihintpause"),
        new("fence",  F3, 0x0000000f, Format.Fence, Op.Fence, "I", PrintMask: 0xf00f8f80),
        new("ecall",  Exact, 0x00000073, Format.None, Op.Ecall, "I"),
        new("ebreak", Exact, 0x00100073, Format.None, Op.Ebreak, "I"),

        // Zifencei
        // imm, rs1 and rd are ignored (Zifencei ch. 3).
        new("fence.i", F3, 0x0000100f, Format.None, Op.FenceI, "Zifencei", PrintMask: Exact),

        // M
        new("mul",    F7F3, 0x02000033, Format.R, Op.Mul, "M"),
        new("mulh",   F7F3, 0x02001033, Format.R, Op.Mulh, "M"),
        new("mulhsu", F7F3, 0x02002033, Format.R, Op.Mulhsu, "M"),
        new("mulhu",  F7F3, 0x02003033, Format.R, Op.Mulhu, "M"),
        new("div",    F7F3, 0x02004033, Format.R, Op.Div, "M"),
        new("divu",   F7F3, 0x02005033, Format.R, Op.Divu, "M"),
        new("rem",    F7F3, 0x02006033, Format.R, Op.Rem, "M"),
        new("remu",   F7F3, 0x02007033, Format.R, Op.Remu, "M"),
        new("mulw",   F7F3, 0x0200003b, Format.R, Op.Mulw, "M"),
        new("divw",   F7F3, 0x0200403b, Format.R, Op.Divw, "M"),
        new("divuw",  F7F3, 0x0200503b, Format.R, Op.Divuw, "M"),
        new("remw",   F7F3, 0x0200603b, Format.R, Op.Remw, "M"),
        new("remuw",  F7F3, 0x0200703b, Format.R, Op.Remuw, "M"),

        // A: aq/rl (bits 26:25) are printed as a suffix by the disassembler.
        new("lr.w",      LrMask, 0x1000202f, Format.Lr, Op.LrW, "A"),
        new("sc.w",      Amo, 0x1800202f, Format.Amo, Op.ScW, "A"),
        new("amoswap.w", Amo, 0x0800202f, Format.Amo, Op.AmoswapW, "A"),
        new("amoadd.w",  Amo, 0x0000202f, Format.Amo, Op.AmoaddW, "A"),
        new("amoxor.w",  Amo, 0x2000202f, Format.Amo, Op.AmoxorW, "A"),
        new("amoand.w",  Amo, 0x6000202f, Format.Amo, Op.AmoandW, "A"),
        new("amoor.w",   Amo, 0x4000202f, Format.Amo, Op.AmoorW, "A"),
        new("amomin.w",  Amo, 0x8000202f, Format.Amo, Op.AmominW, "A"),
        new("amomax.w",  Amo, 0xa000202f, Format.Amo, Op.AmomaxW, "A"),
        new("amominu.w", Amo, 0xc000202f, Format.Amo, Op.AmominuW, "A"),
        new("amomaxu.w", Amo, 0xe000202f, Format.Amo, Op.AmomaxuW, "A"),
        new("lr.d",      LrMask, 0x1000302f, Format.Lr, Op.LrD, "A"),
        new("sc.d",      Amo, 0x1800302f, Format.Amo, Op.ScD, "A"),
        new("amoswap.d", Amo, 0x0800302f, Format.Amo, Op.AmoswapD, "A"),
        new("amoadd.d",  Amo, 0x0000302f, Format.Amo, Op.AmoaddD, "A"),
        new("amoxor.d",  Amo, 0x2000302f, Format.Amo, Op.AmoxorD, "A"),
        new("amoand.d",  Amo, 0x6000302f, Format.Amo, Op.AmoandD, "A"),
        new("amoor.d",   Amo, 0x4000302f, Format.Amo, Op.AmoorD, "A"),
        new("amomin.d",  Amo, 0x8000302f, Format.Amo, Op.AmominD, "A"),
        new("amomax.d",  Amo, 0xa000302f, Format.Amo, Op.AmomaxD, "A"),
        new("amominu.d", Amo, 0xc000302f, Format.Amo, Op.AmominuD, "A"),
        new("amomaxu.d", Amo, 0xe000302f, Format.Amo, Op.AmomaxuD, "A"),

        // Zicsr
        // "unimp" is csrrw zero, cycle, zero: a write to a read-only CSR, so illegal either way (2.8);
        // listed before csrrw so that the disassembler names it as objdump does.
        new("unimp",  Exact, 0xc0001073, Format.None, Op.Illegal, "Zicsr"),
        new("csrrw",  F3, 0x00001073, Format.Csr, Op.Csrrw, "Zicsr"),
        new("csrrs",  F3, 0x00002073, Format.Csr, Op.Csrrs, "Zicsr"),
        new("csrrc",  F3, 0x00003073, Format.Csr, Op.Csrrc, "Zicsr"),
        new("csrrwi", F3, 0x00005073, Format.CsrI, Op.Csrrwi, "Zicsr"),
        new("csrrsi", F3, 0x00006073, Format.CsrI, Op.Csrrsi, "Zicsr"),
        new("csrrci", F3, 0x00007073, Format.CsrI, Op.Csrrci, "Zicsr"),

        // Privileged
        new("mret",       Exact, 0x30200073, Format.None, Op.Mret, "Priv"),
        new("sret",       Exact, 0x10200073, Format.None, Op.Sret, "Priv"),
        new("wfi",        Exact, 0x10500073, Format.None, Op.Wfi, "Priv"),
        new("sfence.vma", 0xfe007fff, 0x12000073, Format.Rs1Rs2, Op.SfenceVma, "Priv"),
        // Known to objdump but not part of this hart (N extension, debug mode, priv spec 1.9): illegal.
        new("uret",       Exact, 0x00200073, Format.None, Op.Illegal, "N"),
        new("dret",       Exact, 0x7b200073, Format.None, Op.Illegal, "Sdext"),
        new("sfence.vm",  0xfff07fff, 0x10400073, Format.Rs1Opt, Op.Illegal, "Priv-1.9"),

        // F
        new("flw",       F3, 0x00002007, Format.FLoad, Op.Flw, "F"),
        new("fsw",       F3, 0x00002027, Format.FStore, Op.Fsw, "F"),
        new("fmadd.s",   R4, 0x00000043, Format.FR4, Op.FmaddS, "F"),
        new("fmsub.s",   R4, 0x00000047, Format.FR4, Op.FmsubS, "F"),
        new("fnmsub.s",  R4, 0x0000004b, Format.FR4, Op.FnmsubS, "F"),
        new("fnmadd.s",  R4, 0x0000004f, Format.FR4, Op.FnmaddS, "F"),
        new("fadd.s",    F7Rm, 0x00000053, Format.FRrm, Op.FaddS, "F"),
        new("fsub.s",    F7Rm, 0x08000053, Format.FRrm, Op.FsubS, "F"),
        new("fmul.s",    F7Rm, 0x10000053, Format.FRrm, Op.FmulS, "F"),
        new("fdiv.s",    F7Rm, 0x18000053, Format.FRrm, Op.FdivS, "F"),
        new("fsqrt.s",   F7Rs2, 0x58000053, Format.FR1rm, Op.FsqrtS, "F"),
        new("fsgnj.s",   F7F3, 0x20000053, Format.FR, Op.FsgnjS, "F"),
        new("fsgnjn.s",  F7F3, 0x20001053, Format.FR, Op.FsgnjnS, "F"),
        new("fsgnjx.s",  F7F3, 0x20002053, Format.FR, Op.FsgnjxS, "F"),
        new("fmin.s",    F7F3, 0x28000053, Format.FR, Op.FminS, "F"),
        new("fmax.s",    F7F3, 0x28001053, Format.FR, Op.FmaxS, "F"),
        new("fcvt.w.s",  F7Rs2, 0xc0000053, Format.XFrm, Op.FcvtWS, "F"),
        new("fcvt.wu.s", F7Rs2, 0xc0100053, Format.XFrm, Op.FcvtWuS, "F"),
        new("fcvt.l.s",  F7Rs2, 0xc0200053, Format.XFrm, Op.FcvtLS, "F"),
        new("fcvt.lu.s", F7Rs2, 0xc0300053, Format.XFrm, Op.FcvtLuS, "F"),
        new("fmv.x.w",   F7Rs2F3, 0xe0000053, Format.XF, Op.FmvXW, "F"),
        new("fclass.s",  F7Rs2F3, 0xe0001053, Format.XF, Op.FclassS, "F"),
        new("feq.s",     F7F3, 0xa0002053, Format.XFF, Op.FeqS, "F"),
        new("flt.s",     F7F3, 0xa0001053, Format.XFF, Op.FltS, "F"),
        new("fle.s",     F7F3, 0xa0000053, Format.XFF, Op.FleS, "F"),
        new("fcvt.s.w",  F7Rs2, 0xd0000053, Format.FXrm, Op.FcvtSW, "F"),
        new("fcvt.s.wu", F7Rs2, 0xd0100053, Format.FXrm, Op.FcvtSWu, "F"),
        new("fcvt.s.l",  F7Rs2, 0xd0200053, Format.FXrm, Op.FcvtSL, "F"),
        new("fcvt.s.lu", F7Rs2, 0xd0300053, Format.FXrm, Op.FcvtSLu, "F"),
        new("fmv.w.x",   F7Rs2F3, 0xf0000053, Format.FX, Op.FmvWX, "F"),

        // D
        new("fld",       F3, 0x00003007, Format.FLoad, Op.Fld, "D"),
        new("fsd",       F3, 0x00003027, Format.FStore, Op.Fsd, "D"),
        new("fmadd.d",   R4, 0x02000043, Format.FR4, Op.FmaddD, "D"),
        new("fmsub.d",   R4, 0x02000047, Format.FR4, Op.FmsubD, "D"),
        new("fnmsub.d",  R4, 0x0200004b, Format.FR4, Op.FnmsubD, "D"),
        new("fnmadd.d",  R4, 0x0200004f, Format.FR4, Op.FnmaddD, "D"),
        new("fadd.d",    F7Rm, 0x02000053, Format.FRrm, Op.FaddD, "D"),
        new("fsub.d",    F7Rm, 0x0a000053, Format.FRrm, Op.FsubD, "D"),
        new("fmul.d",    F7Rm, 0x12000053, Format.FRrm, Op.FmulD, "D"),
        new("fdiv.d",    F7Rm, 0x1a000053, Format.FRrm, Op.FdivD, "D"),
        new("fsqrt.d",   F7Rs2, 0x5a000053, Format.FR1rm, Op.FsqrtD, "D"),
        new("fsgnj.d",   F7F3, 0x22000053, Format.FR, Op.FsgnjD, "D"),
        new("fsgnjn.d",  F7F3, 0x22001053, Format.FR, Op.FsgnjnD, "D"),
        new("fsgnjx.d",  F7F3, 0x22002053, Format.FR, Op.FsgnjxD, "D"),
        new("fmin.d",    F7F3, 0x2a000053, Format.FR, Op.FminD, "D"),
        new("fmax.d",    F7F3, 0x2a001053, Format.FR, Op.FmaxD, "D"),
        new("fcvt.s.d",  F7Rs2, 0x40100053, Format.FR1rm, Op.FcvtSD, "D"),
        new("fcvt.d.s",  F7Rs2, 0x42000053, Format.FR1rm, Op.FcvtDS, "D", PrintMask: RmField),
        new("fcvt.w.d",  F7Rs2, 0xc2000053, Format.XFrm, Op.FcvtWD, "D"),
        new("fcvt.wu.d", F7Rs2, 0xc2100053, Format.XFrm, Op.FcvtWuD, "D"),
        new("fcvt.l.d",  F7Rs2, 0xc2200053, Format.XFrm, Op.FcvtLD, "D"),
        new("fcvt.lu.d", F7Rs2, 0xc2300053, Format.XFrm, Op.FcvtLuD, "D"),
        new("fmv.x.d",   F7Rs2F3, 0xe2000053, Format.XF, Op.FmvXD, "D"),
        new("fclass.d",  F7Rs2F3, 0xe2001053, Format.XF, Op.FclassD, "D"),
        new("feq.d",     F7F3, 0xa2002053, Format.XFF, Op.FeqD, "D"),
        new("flt.d",     F7F3, 0xa2001053, Format.XFF, Op.FltD, "D"),
        new("fle.d",     F7F3, 0xa2000053, Format.XFF, Op.FleD, "D"),
        new("fcvt.d.w",  F7Rs2, 0xd2000053, Format.FXrm, Op.FcvtDW, "D", PrintMask: RmField),
        new("fcvt.d.wu", F7Rs2, 0xd2100053, Format.FXrm, Op.FcvtDWu, "D", PrintMask: RmField),
        new("fcvt.d.l",  F7Rs2, 0xd2200053, Format.FXrm, Op.FcvtDL, "D"),
        new("fcvt.d.lu", F7Rs2, 0xd2300053, Format.FXrm, Op.FcvtDLu, "D"),
        new("fmv.d.x",   F7Rs2F3, 0xf2000053, Format.FX, Op.FmvDX, "D"),
    };

    private static readonly InstructionDef[][] ByOpcode = BuildIndex();

    private static InstructionDef[][] BuildIndex()
    {
        var buckets = new List<InstructionDef>[128];
        for (int i = 0; i < 128; i++) buckets[i] = new List<InstructionDef>();
        foreach (var def in All) buckets[def.Match & 0x7f].Add(def);
        return buckets.Select(b => b.ToArray()).ToArray();
    }

    private static readonly Dictionary<Op, Format> FormatByOp = BuildFormats();

    private static Dictionary<Op, Format> BuildFormats()
    {
        var map = new Dictionary<Op, Format>();
        foreach (var def in All) map.TryAdd(def.Op, def.Format);
        return map;
    }

    /// <summary>The register an instruction writes: 'x' or 'f' and its number, or ('-', 0) for none.</summary>
    public static (char File, int Index) Destination(in DecodedInsn d)
    {
        if (!FormatByOp.TryGetValue(d.Op, out var format)) return ('-', 0);
        int rd = d.Rd == Decoder.SinkRegister ? 0 : d.Rd;
        return format switch
        {
            Format.R or Format.I or Format.Shift or Format.Load or Format.U or Format.Jal or Format.Jalr or Format.Csr
                or Format.CsrI or Format.Amo or Format.Lr or Format.XFrm or Format.XF or Format.XFF
                => rd == 0 ? ('-', 0) : ('x', rd),
            Format.FLoad or Format.FR4 or Format.FRrm or Format.FR or Format.FR1rm or Format.FXrm or Format.FX => ('f', d.Rd),
            _ => ('-', 0),
        };
    }

    /// <summary>The table row matching a 32-bit word, or null if the encoding is not in the table.</summary>
    public static InstructionDef? Lookup(uint bits)
    {
        foreach (var def in ByOpcode[bits & 0x7f])
            if ((bits & def.Mask) == def.Match) return def;
        return null;
    }
}
