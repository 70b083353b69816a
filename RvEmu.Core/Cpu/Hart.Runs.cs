using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// Straight-line runs for the interpreter. Stepping from one decode-cache slot to the next needs the last
/// instruction's length (a load) before the next slot's address is known, so every instruction waited for the
/// one before it: about 9 host cycles each, whatever it did. A run is a copy of the decoded instructions that
/// follow each other from a start slot, laid out back to back, so the loop walks an array and the host's
/// out-of-order core overlaps the instructions. A run continues past conditional branches (a taken one leaves
/// it) and stops after anything that jumps, traps by design, or may change what the loop took as fixed (CSR
/// accesses, fences, xRET, WFI), before an instruction that crosses into the next page, before the entry of a
/// compiled region (a new region drops its page's runs, see JitEngine), and at <see cref="MaxRunLength"/>. Runs
/// belong to their <see cref="CodePage"/> and are dropped with it when its bytes change, so they are exactly as
/// fresh as the decode cache they were copied from.
/// </summary>
public sealed unsafe partial class Hart
{
    /// <summary>The longest run: long enough to cover a loop body, short enough that building one ahead wastes little.</summary>
    internal const int MaxRunLength = 32;

    /// <summary>The EndOfRun entry after a run's instructions, which sends the loop back to the decode cache.</summary>
    internal const int RunEnd = 1;

    /// <summary>
    /// The instruction the loop runs on its own, outside any run (a copy of its decode-cache slot), and the
    /// EndOfRun entry after it, where the loop also starts (see <see cref="Op.EndOfRun"/>).
    /// </summary>
    private LoneEntries _lone = new() { End = new() { Op = Op.EndOfRun } };

    // Fields of the hart (addresses the loop computes, not loads), in the order the loop steps through them.
    private ref DecodedInsn LoneInsn => ref _lone.Insn;
    private ref DecodedInsn EndOfRun => ref _lone.End;

    [StructLayout(LayoutKind.Sequential)]
    private struct LoneEntries
    {
        public DecodedInsn Insn;
        public DecodedInsn End;
    }

    /// <summary>
    /// Build the run that starts at <paramref name="pc"/> on <paramref name="codePage"/> (whose fetch permission
    /// covers the whole page) and keep it there; the loop looks kept runs up itself. Instructions ahead of
    /// <paramref name="pc"/> are decoded here, without raising anything: a slot that will not decode is
    /// <see cref="Op.Illegal"/>, which traps only if it runs. Two harts building the same run build the same copy.
    /// </summary>
    private DecodedInsn[] BuildRun(ulong pc, CodePage codePage)
    {
        var runs = Volatile.Read(ref codePage.Runs);
        if (runs is null)
        {
            runs = new DecodedInsn[]?[MemoryRegion.SlotsPerPage];
            runs = Interlocked.CompareExchange(ref codePage.Runs, runs, null) ?? runs;
        }

        Span<DecodedInsn> buffer = stackalloc DecodedInsn[MaxRunLength];
        int n = 0;
        bool startsAtRegion = false;
        int offset = (int)(pc & PageMask);
        // An instruction in the page's last parcel may cross into the next page: the loop fetches it on its own.
        while (n < MaxRunLength && offset < MemoryRegion.PageSize - 2)
        {
            ref DecodedInsn slot = ref codePage.Slots[offset >> 1];
            Op op = DecodedInsn.ReadOp(ref slot);
            DecodedInsn d;
            if (op == Op.Undecoded)
            {
                codePage.NoteCode(offset, offset + 4);
                _decodes++;
                DecodeAt((pc & ~PageMask) | (uint)offset, codePage, out d); // within the page: cannot fail
                DecodedInsn.Publish(ref slot, d);
            }
            else if (op == Op.JitEntry)
            {
                // A compiled region starts here: a run that reached it would run its code interpreted.
                if (n > 0) break;
                startsAtRegion = true;
                d = codePage.Blocks![offset >> 1]!.Original;
            }
            else
            {
                d = slot;
                d.Op = op;
            }
            buffer[n++] = d;
            if (EndsRun(d.Op)) break;
            offset += d.Length;
        }
        LinkBranchesWithinRun(buffer[..n], pc);
        for (int i = 0; i + 1 < n; i++) buffer[i].Op = PairOf(buffer[i].Op, buffer[i + 1].Op);
        // Then the EndOfRun entry that sends the loop back to the decode cache.
        var run = new DecodedInsn[n + RunEnd];
        buffer[..n].CopyTo(run);
        for (int i = n; i < run.Length; i++) run[i].Op = Op.EndOfRun;
        // A run that starts at a compiled region (built for a call that does not enter regions) is not kept: the loop
        // chains taken branches into kept runs without looking at the slot, and would go around the region.
        if (!startsAtRegion) Volatile.Write(ref runs[(int)(pc & PageMask) >> 1], run);
        return run;
    }

    /// <summary>
    /// Give each conditional branch of a run whose target is an instruction of the same run its distance in entries
    /// (<see cref="DecodedInsn.RunLink"/>), so that a loop whose body fits in one run goes round without leaving it:
    /// the loop steps to the target entry instead of looking the target up (the page's run table, then the run).
    /// </summary>
    private static void LinkBranchesWithinRun(Span<DecodedInsn> run, ulong start)
    {
        Span<ulong> at = stackalloc ulong[MaxRunLength];
        ulong pc = start;
        for (int i = 0; i < run.Length; i++)
        {
            at[i] = pc;
            pc += run[i].Length;
        }
        for (int i = 0; i < run.Length; i++)
        {
            // (RunLink is 0 as decoded: the decoder leaves a branch's Rs3 zero.)
            if (!run[i].Op.IsConditionalBranch()) continue;
            int target = at[..run.Length].IndexOf(at[i] + (ulong)run[i].Imm);
            if (target >= 0) run[i].RunLink = (sbyte)(target - i);
        }
    }

    /// <summary>
    /// The pair op for two consecutive instructions of a run, or <paramref name="first"/> alone. The loop runs a pair
    /// as the first instruction and then the second one's case directly: one dispatch (an indirect jump through the
    /// switch's table, the host's costliest step per guest instruction) for two instructions. The second entry keeps
    /// its own op and operands, so the pair needs no room of its own, and every instruction still counts one step.
    /// The pairs are the common ones: an ALU instruction and the branch that tests it (loop counters, flag tests),
    /// the assembler's two-instruction constants, addresses and far calls, and the stores and loads that save and
    /// restore registers. A trap in either half is taken as in any run: the loop's pc and entry are the trapping
    /// instruction's, and the budget has counted it.
    /// </summary>
    private static Op PairOf(Op first, Op second) => (first, second) switch
    {
        (Op.Addi, Op.Bne) => Op.AddiThenBne,
        (Op.Addi, Op.Beq) => Op.AddiThenBeq,
        (Op.Addi, Op.Blt) => Op.AddiThenBlt,
        (Op.Addi, Op.Bge) => Op.AddiThenBge,
        (Op.Addi, Op.Bltu) => Op.AddiThenBltu,
        (Op.Addi, Op.Bgeu) => Op.AddiThenBgeu,
        (Op.Addiw, Op.Bne) => Op.AddiwThenBne,
        (Op.Addiw, Op.Blt) => Op.AddiwThenBlt,
        (Op.Addiw, Op.Bge) => Op.AddiwThenBge,
        (Op.Add, Op.Bne) => Op.AddThenBne,
        (Op.Addw, Op.Bne) => Op.AddwThenBne,
        (Op.Andi, Op.Beq) => Op.AndiThenBeq,
        (Op.Andi, Op.Bne) => Op.AndiThenBne,
        (Op.Srli, Op.Beq) => Op.SrliThenBeq,
        (Op.Srliw, Op.Beq) => Op.SrliwThenBeq,
        (Op.Lui, Op.Addi) => Op.LuiThenAddi,
        (Op.Lui, Op.Addiw) => Op.LuiThenAddiw,
        (Op.Auipc, Op.Addi) => Op.AuipcThenAddi,
        (Op.Auipc, Op.Jalr) => Op.AuipcThenJalr,
        (Op.Ld, Op.Ld) => Op.LdThenLd,
        (Op.Sd, Op.Sd) => Op.SdThenSd,
        (Op.Xor, Op.Andi) => Op.XorThenAndi,
        (Op.Xor, Op.Slli) => Op.XorThenSlli,
        (Op.Andi, Op.Srli) => Op.AndiThenSrli,
        (Op.Andi, Op.Add) => Op.AndiThenAdd,
        (Op.Srli, Op.Andi) => Op.SrliThenAndi,
        (Op.Slli, Op.Srli) => Op.SlliThenSrli,
        (Op.Addi, Op.Addi) => Op.AddiThenAddi,
        (Op.Add, Op.Add) => Op.AddThenAdd,
        (Op.Addi, Op.Mulw) => Op.AddiThenMulw,
        (Op.Ori, Op.Mul) => Op.OriThenMul,
        (Op.Add, Op.Ld) => Op.AddThenLd,
        (Op.Add, Op.Jalr) => Op.AddThenJalr,
        (Op.Addi, Op.Jalr) => Op.AddiThenJalr,
        (Op.Mul, Op.Jalr) => Op.MulThenJalr,
        (Op.Lh, Op.Lh) => Op.LhThenLh,
        (Op.Lh, Op.Addi) => Op.LhThenAddi,
        (Op.Ld, Op.Add) => Op.LdThenAdd,
        (Op.Ld, Op.Beq) => Op.LdThenBeq,
        (Op.Lw, Op.Blt) => Op.LwThenBlt,
        _ => first,
    };

    /// <summary>The run kept on <paramref name="page"/> that starts at <paramref name="pc"/>, or null if none is built yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodedInsn[]? KeptRun(CodePage page, ulong pc)
    {
        var runs = page.Runs;
        // The slot index is below SlotsPerPage by construction, so skip the bounds check.
        return runs is null ? null : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(runs), (int)(pc & PageMask) >> 1);
    }

    /// <summary>Instructions after which the loop does not simply go on to the next one (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EndsRun(Op op) => op switch
    {
        Op.Jal or Op.Jalr or Op.Illegal => true,
        Op.FenceI or Op.Ecall or Op.Ebreak or Op.Pause => true,
        >= Op.Csrrw and <= Op.Csrrci => true,
        Op.Mret or Op.Sret or Op.Wfi or Op.SfenceVma => true,
        _ => false,
    };
}
