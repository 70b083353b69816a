namespace RvEmu.Core.Isa;

/// <summary>
/// The execution handler an instruction dispatches to. Compressed instructions expand to the same
/// values as their 32-bit twins, so there is no execute code for C.
/// Value 0 marks an undecoded slot in the decode cache.
/// </summary>
public enum Op : ushort
{
    Undecoded = 0,
    Illegal,
    /// <summary>A compiled region starts here (RvEmu.Core.Jit); the slot's own decode is kept in the region.</summary>
    JitEntry,
    /// <summary>Not an instruction: ends an interpreter run (Hart.Runs.cs), and stands for "no run" in the loop.</summary>
    EndOfRun,

    // RV64I (unprivileged spec ch. 2 and 4)
    Lui, Auipc, Jal, Jalr,
    Beq, Bne, Blt, Bge, Bltu, Bgeu,
    Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu,
    Sb, Sh, Sw, Sd,
    Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
    Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
    Addiw, Slliw, Srliw, Sraiw,
    Addw, Subw, Sllw, Srlw, Sraw,
    Fence, FenceI, Ecall, Ebreak,
    Pause, // Zihintpause

    // M (ch. 7)
    Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
    Mulw, Divw, Divuw, Remw, Remuw,

    // A (ch. 8)
    LrW, ScW, AmoswapW, AmoaddW, AmoxorW, AmoandW, AmoorW, AmominW, AmomaxW, AmominuW, AmomaxuW,
    LrD, ScD, AmoswapD, AmoaddD, AmoxorD, AmoandD, AmoorD, AmominD, AmomaxD, AmominuD, AmomaxuD,

    // Zicsr (ch. 9)
    Csrrw, Csrrs, Csrrc, Csrrwi, Csrrsi, Csrrci,

    // Privileged (privileged spec 3.3)
    Mret, Sret, Wfi, SfenceVma,

    // F and D (ch. 11, 12)
    Flw, Fsw, Fld, Fsd,
    FmaddS, FmsubS, FnmsubS, FnmaddS, FaddS, FsubS, FmulS, FdivS, FsqrtS,
    FsgnjS, FsgnjnS, FsgnjxS, FminS, FmaxS,
    FcvtWS, FcvtWuS, FcvtLS, FcvtLuS, FmvXW, FclassS,
    FeqS, FltS, FleS,
    FcvtSW, FcvtSWu, FcvtSL, FcvtSLu, FmvWX,
    FmaddD, FmsubD, FnmsubD, FnmaddD, FaddD, FsubD, FmulD, FdivD, FsqrtD,
    FsgnjD, FsgnjnD, FsgnjxD, FminD, FmaxD,
    FcvtSD, FcvtDS,
    FcvtWD, FcvtWuD, FcvtLD, FcvtLuD, FmvXD, FclassD,
    FeqD, FltD, FleD,
    FcvtDW, FcvtDWu, FcvtDL, FcvtDLu, FmvDX,

    /// <summary>Number of ops decoded from instructions; the run-only pairs below come after it.</summary>
    Count,

    // Pairs, in interpreter runs only (Hart.Runs.cs): the first instruction of a pair whose second instruction's case
    // the loop enters directly, without a dispatch. An ALU instruction, then the conditional branch that tests it.
    AddiThenBne, AddiThenBeq, AddiThenBlt, AddiThenBge, AddiThenBltu, AddiThenBgeu,
    AddiwThenBne, AddiwThenBlt, AddiwThenBge,
    AddThenBne, AddwThenBne, AndiThenBeq, AndiThenBne, SrliThenBeq, SrliwThenBeq,
    // Constants and far calls, as the assembler writes them (li, la, call).
    LuiThenAddi, LuiThenAddiw, AuipcThenAddi, AuipcThenJalr,
    // Saving and restoring registers (function prologues and epilogues).
    LdThenLd, SdThenSd,
    // Two ALU instructions (a CRC's xor, mask and shift, bit-field extraction, index arithmetic).
    XorThenAndi, XorThenSlli, AndiThenSrli, AndiThenAdd, SrliThenAndi, SlliThenSrli, AddiThenAddi, AddThenAdd,
    AddiThenMulw, OriThenMul,
    // An address, then the load it is for.
    AddThenLd,
    // A return value, then the return; an address, then the indirect call.
    AddThenJalr, AddiThenJalr, MulThenJalr,
    // A load, then what uses it (a matrix's operands, a list's next pointer tested, a loaded bound).
    LhThenLh, LhThenAddi, LdThenAdd, LdThenBeq, LwThenBlt,
}

/// <summary>Classes of <see cref="Op"/> that more than one part of the hart needs.</summary>
public static class OpKinds
{
    /// <summary>BEQ, BNE, BLT, BGE, BLTU, BGEU (their Ops are consecutive).</summary>
    public static bool IsConditionalBranch(this Op op) => op is >= Op.Beq and <= Op.Bgeu;
}
