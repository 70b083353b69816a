using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// The interpreter: fetch from the per-page decode cache, one dense switch over <see cref="Op"/>.
/// No allocation, exception or virtual call per instruction; traps are values, not .NET exceptions.
/// </summary>
public sealed unsafe partial class Hart
{
    private long _decodes;

    /// <summary>The running Execute call's step limit and whether it enters compiled regions (see Execute).</summary>
    private long _chunkSteps;
    private bool _chunkUsesJit;

    /// <summary>
    /// The running Execute call's loop state that changes only off the hot path, kept in fields rather than locals
    /// so that the host's callee-saved registers go to what every instruction uses (pc, the budget, the next
    /// instruction): <c>_chunkOrigin - budget</c> is how many instructions of this call retired before the current
    /// one (each trap lowers it); <c>_loopPageTag</c> is the virtual page the loop fetches from (MaxValue: none, or one
    /// to look up again each time) and <c>_loopPage</c> its decode cache.
    /// </summary>
    private long _chunkOrigin;
    private ulong _loopPageTag;
    private CodePage? _loopPage;

    /// <summary>Instructions this hart decoded into the decode cache (statistics).</summary>
    public long Decodes => _decodes;

    /// <summary>
    /// Execute up to <paramref name="maxSteps"/> instructions. Returns early after WFI, xRET, and CSR
    /// writes that change translation or make an interrupt deliverable (<see cref="CsrWriteEndsChunk"/>), so
    /// the caller can poll devices and deliver interrupts. Returns the number of steps taken.
    /// </summary>
    public long Run(long maxSteps)
    {
        if (TakePendingInterrupt()) { }
        if (WaitingForInterrupt) return 0;
        // Per-instruction tracing steps the hart one instruction at a time around the plain loop,
        // so the loop itself has no trace checks (zero cost when tracing is off).
        if (Observer is { WantsInstructions: true } observer) return StepTraced(observer);
        if (_triggersArmed) return StepWithTriggers(maxSteps);
        return Execute(maxSteps, _jit is not null);
    }

    private long StepTraced(IHartObserver observer)
    {
        ulong pc = _pc;
        ulong retiredBefore = InstructionsRetired;
        bool known = TryPeekInstruction(pc, out uint raw);
        if (known) observer.Instruction(this, pc, raw, _priv);
        long steps = Execute(1);
        if (known && InstructionsRetired != retiredBefore) observer.Retired(this);
        return steps;
    }

    /// <summary>The instruction bits at <paramref name="pc"/> as the hart would fetch them, without raising anything.</summary>
    private bool TryPeekInstruction(ulong pc, out uint raw)
    {
        raw = 0;
        var cause = _pendingCause;
        var tval = _pendingTval;
        try
        {
            var page = FetchPage(pc, out _);
            if (page is null || !DecodeAt(pc, page, out var d)) return false;
            raw = d.Raw;
            return true;
        }
        finally
        {
            _pendingCause = cause;
            _pendingTval = tval;
        }
    }

    /// <summary>
    /// Compile the interpreter loop now, on a thread of its own, so that it is ready when the first hart starts.
    /// The loop is not precompiled (<see cref="Execute"/> opts out of ReadyToRun and tiering): its precompiled
    /// code ran a Linux boot's first half second at a fraction of the optimised loop's speed before the runtime
    /// replaced it, while the host JIT takes ~10 ms for it. Started first thing by the CLI, the compile overlaps
    /// the rest of start-up (command line, ELF loading, building the machine) on the second host core.
    /// </summary>
    public static void PrepareInterpreter()
    {
        var thread = new Thread(() =>
        {
            var execute = typeof(Hart).GetMethod(nameof(Execute), BindingFlags.Instance | BindingFlags.NonPublic)!;
            RuntimeHelpers.PrepareMethod(execute.MethodHandle);
        })
        { IsBackground = true, Name = "rvemu warm-up" };
        thread.Start();
    }

    /// <summary>
    /// The interpreter loop proper. With <paramref name="useJit"/>, it enters compiled regions where the decode
    /// cache marks them (<see cref="Op.JitEntry"/>) and counts taken branches to find hot code (Hart.Jit.cs);
    /// without, it is the reference every other path is compared with (tracing, triggers, the debugger).
    /// </summary>
    // Optimised from its first call (see PrepareInterpreter): no precompiled or instrumented tier in between.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Execute(long maxSteps, bool useJit = false)
    {
        // maxSteps and useJit are kept in fields, read off the hot path: as locals they held two of the host's five
        // callee-saved registers for the whole loop while the step counter lived on the stack.
        _chunkSteps = maxSteps;
        _chunkUsesJit = useJit;
        ulong pc = _pc;
        // Counted down, so that one loop-carried counter stays in a register: `budget` is how many more instructions
        // this call may start, and `_chunkOrigin - budget` how many of this chunk's retired before the current one
        // (each trap lowers _chunkOrigin: the trapping instruction did not retire).
        long budget = maxSteps;
        _chunkOrigin = maxSteps - 1;
        _loopPageTag = ulong.MaxValue;
        _loopPage = null;
        ulong v;
        // The instruction to run: in a straight-line run (Hart.Runs.cs), or this hart's lone instruction, and either
        // way followed by an EndOfRun entry, so that stepping to the next entry after an instruction that did not
        // jump is all the loop does until the next dispatch looks the pc up again. One reference, not a current and
        // a next one: with two, RyuJIT had no callee-saved register left for the second and passed it through the
        // stack on every instruction.
        ref DecodedInsn d = ref EndOfRun;

        while (budget > 0)
        {
            budget--;
        dispatch:
            // Loaded again for each instruction (one load off the dependency chains) rather than kept in a register
            // the whole loop long.
            ulong* x = _x;
            // The decode cache is shared by every hart: read Op with acquire semantics so that a slot another
            // hart is filling is seen either as Undecoded or complete (see DecodedInsn.Publish), and read every
            // operand, Length included, only after it. (Reading Length first once let a hart see the new Op with
            // the old Length 0: the instruction ran twice, and SMP Linux crashed in random places.)
            Op op = DecodedInsn.ReadOp(ref d);
            // A jump sets pc to its target before `taken`, and the next pc in sequence is pc + d.Length where it is
            // needed: no second pc variable, which RyuJIT kept on the stack (a store and a load on every taken branch).
            switch (op)
            {
                // The end of a run, or no run: find the instruction at pc in the page's decode cache.
                case Op.EndOfRun:
                {
                    if ((pc & ~PageMask) != _loopPageTag)
                    {
                        var p = FetchPage(pc, out bool wholePage);
                        if (p is null) goto trap;
                        _loopPage = p;
                        // A page PMP makes only partly executable is fetched (and checked) again for every instruction.
                        _loopPageTag = wholePage ? pc & ~PageMask : ulong.MaxValue;
                    }
                    // The slot index is below SlotsPerPage by construction, so skip the bounds check.
                    ref DecodedInsn slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_loopPage!.Slots), (int)(pc & PageMask) >> 1);
                    Op first = DecodedInsn.ReadOp(ref slot);
                    // Start a run here when more than this instruction may run in this call (tracing, triggers and the
                    // debugger step one at a time), unless a compiled region starts here.
                    if (budget > 0 && _loopPageTag != ulong.MaxValue && (!_chunkUsesJit || first != Op.JitEntry))
                    {
                        var run = KeptRun(_loopPage, pc) ?? BuildRun(pc, _loopPage);
                        // No run starts in the page's last parcel (its instruction may cross into the next page):
                        // such a "run" is its EndOfRun entry alone, and the slot is used.
                        if (run.Length > RunEnd)
                        {
                            d = ref MemoryMarshal.GetArrayDataReference(run);
                            goto dispatch;
                        }
                    }
                    // The slot alone: copied, with the Op read above (its operands are read after it, see ReadOp), to
                    // the hart's lone instruction, which an EndOfRun entry follows.
                    d = ref LoneInsn;
                    d = slot;
                    d.Op = first;
                    goto dispatch;
                }

                // First execution from this slot: decode into the cache (one case of the switch, so the
                // common path pays no separate check).
                case Op.Undecoded:
                {
                    // Widen the page's code range before reading the bytes, so a store to them from now on drops the page.
                    int at = (int)(pc & PageMask);
                    _loopPage!.NoteCode(at, at + 4);
                    _decodes++;
                    if (!DecodeAt(pc, _loopPage, out var fresh)) goto trap;
                    // An instruction that crosses into the next page is never cached (d is the lone instruction here).
                    if ((pc & PageMask) != PageMask - 1 || fresh.Length != 4)
                        DecodedInsn.Publish(ref _loopPage.Slots[at >> 1], fresh);
                    d = fresh;
                    goto dispatch;
                }

                // A compiled region starts here: run it, or this slot's own instruction when it cannot be used.
                case Op.JitEntry:
                {
                    var block = _loopPage!.Blocks![(int)(pc & PageMask) >> 1]!;
                    // Regions run only with the JIT on, on a page whose fetch permission covers all of it.
                    // (d is the lone instruction here: see EndOfRun.)
                    if (!_chunkUsesJit || _loopPageTag == ulong.MaxValue) { d = block.Original; goto dispatch; }
                    long r = block.Run(this, x, pc & ~PageMask, budget + 1, _chunkOrigin - budget);
                    if (r > 0)
                    {
                        budget -= r - 1;
                        _jitRetired += r;
                        // Where a region leaves (an indirect jump or return, a jump off its page or out of it) is a
                        // control transfer the interpreter did not see: count it, or code reached only from
                        // compiled code (a return site, a jump table's targets) would never become hot.
                        pc = _jitPc;
                        goto taken;
                    }
                    if (r == 0) { d = block.Original; goto dispatch; } // the budget is smaller than its first block
                    // The instruction after ~r retired ones did not complete on its own: a trap, or a device access
                    // that ended the chunk. Account for it as the interpreter does.
                    budget -= ~r;
                    _jitRetired += ~r;
                    pc = _jitPc;
                    if (_pendingCause != EndOfChunk) goto takeTrap;
                    pc = _jitNextPc;
                    goto endChunk;
                }

                // ---- pairs (Hart.Runs.cs): the first instruction, then the second's case, entered directly ----
                // Each counts the second instruction and steps to it if the budget allows it; if not, the call ends
                // after the first, as it would have without the pair.
                case Op.AddiThenBne:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bne;
                case Op.AddiThenBeq:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Beq;
                case Op.AddiThenBlt:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Blt;
                case Op.AddiThenBge:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bge;
                case Op.AddiThenBltu:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bltu;
                case Op.AddiThenBgeu:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bgeu;
                case Op.AddiwThenBne:
                    x[d.Rd] = (ulong)(int)(x[d.Rs1] + (ulong)d.Imm);
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bne;
                case Op.AddiwThenBlt:
                    x[d.Rd] = (ulong)(int)(x[d.Rs1] + (ulong)d.Imm);
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Blt;
                case Op.AddiwThenBge:
                    x[d.Rd] = (ulong)(int)(x[d.Rs1] + (ulong)d.Imm);
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bge;
                case Op.AddThenBne:
                    x[d.Rd] = x[d.Rs1] + x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bne;
                case Op.AddwThenBne:
                    x[d.Rd] = (ulong)(int)(x[d.Rs1] + x[d.Rs2]);
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bne;
                case Op.AndiThenBeq:
                    x[d.Rd] = x[d.Rs1] & (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Beq;
                case Op.AndiThenBne:
                    x[d.Rd] = x[d.Rs1] & (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Bne;
                case Op.SrliThenBeq:
                    x[d.Rd] = x[d.Rs1] >> (int)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Beq;
                case Op.SrliwThenBeq:
                    x[d.Rd] = (ulong)(int)((uint)x[d.Rs1] >> (int)d.Imm);
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Beq;
                case Op.LuiThenAddi:
                    x[d.Rd] = (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Addi;
                case Op.LuiThenAddiw:
                    x[d.Rd] = (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Addiw;
                case Op.AuipcThenAddi:
                    x[d.Rd] = pc + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Addi;
                case Op.AuipcThenJalr:
                    x[d.Rd] = pc + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Jalr;
                // (x is loaded again after the access, which may have called the slow path: as the loads below do.)
                case Op.LdThenLd:
                    if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Ld;
                case Op.SdThenSd:
                    if (!Store64(x[d.Rs1] + (ulong)d.Imm, x[d.Rs2], _chunkOrigin - budget)) goto trap;
                    x = _x;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Sd;
                case Op.XorThenAndi:
                    x[d.Rd] = x[d.Rs1] ^ x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Andi;
                case Op.XorThenSlli:
                    x[d.Rd] = x[d.Rs1] ^ x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Slli;
                case Op.AndiThenSrli:
                    x[d.Rd] = x[d.Rs1] & (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Srli;
                case Op.AndiThenAdd:
                    x[d.Rd] = x[d.Rs1] & (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Add;
                case Op.SrliThenAndi:
                    x[d.Rd] = x[d.Rs1] >> (int)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Andi;
                case Op.SlliThenSrli:
                    x[d.Rd] = x[d.Rs1] << (int)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Srli;
                case Op.AddiThenAddi:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Addi;
                case Op.AddThenAdd:
                    x[d.Rd] = x[d.Rs1] + x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Add;
                case Op.AddiThenMulw:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Mulw;
                case Op.OriThenMul:
                    x[d.Rd] = x[d.Rs1] | (ulong)(long)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Mul;
                case Op.AddThenLd:
                    x[d.Rd] = x[d.Rs1] + x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Ld;
                case Op.AddThenJalr:
                    x[d.Rd] = x[d.Rs1] + x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Jalr;
                case Op.AddiThenJalr:
                    x[d.Rd] = x[d.Rs1] + (ulong)d.Imm;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Jalr;
                case Op.MulThenJalr:
                    x[d.Rd] = x[d.Rs1] * x[d.Rs2];
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Jalr;
                case Op.LhThenLh:
                    if (!Load16(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = (ulong)(short)v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Lh;
                case Op.LhThenAddi:
                    if (!Load16(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = (ulong)(short)v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Addi;
                case Op.LdThenAdd:
                    if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Add;
                case Op.LdThenBeq:
                    if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Beq;
                case Op.LwThenBlt:
                    if (!Load32(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap;
                    x = _x;
                    x[d.Rd] = (ulong)(int)v;
                    if (budget == 0) break; budget--; pc += d.Length; d = ref Unsafe.Add(ref d, 1); goto case Op.Blt;

                // ---- RV64I ----
                case Op.Lui: x[d.Rd] = (ulong)d.Imm; break;
                case Op.Auipc: x[d.Rd] = pc + (ulong)d.Imm; break;
                case Op.Jal: x[d.Rd] = pc + d.Length; pc += (ulong)d.Imm; goto taken;
                case Op.Jalr: { ulong to = (x[d.Rs1] + (ulong)d.Imm) & ~1UL; x[d.Rd] = pc + d.Length; pc = to; goto taken; }
                case Op.Beq: if (x[d.Rs1] == x[d.Rs2]) goto branch; break;
                case Op.Bne: if (x[d.Rs1] != x[d.Rs2]) goto branch; break;
                case Op.Blt: if ((long)x[d.Rs1] < (long)x[d.Rs2]) goto branch; break;
                case Op.Bge: if ((long)x[d.Rs1] >= (long)x[d.Rs2]) goto branch; break;
                case Op.Bltu: if (x[d.Rs1] < x[d.Rs2]) goto branch; break;
                case Op.Bgeu: if (x[d.Rs1] >= x[d.Rs2]) goto branch; break;

                // A load writes its destination through _x, not x: its slow path is a call, and x live across a call
                // is a copy on the stack that the loop would store for every instruction. (Likewise for the M
                // instructions that call a helper.)
                case Op.Lb: if (!Load8(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = (ulong)(sbyte)v; break;
                case Op.Lh: if (!Load16(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = (ulong)(short)v; break;
                case Op.Lw: if (!Load32(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = (ulong)(int)v; break;
                case Op.Ld: if (!Load64(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = v; break;
                case Op.Lbu: if (!Load8(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = v; break;
                case Op.Lhu: if (!Load16(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = v; break;
                case Op.Lwu: if (!Load32(x[d.Rs1] + (ulong)d.Imm, out v, _chunkOrigin - budget)) goto trap; _x[d.Rd] = v; break;
                case Op.Sb: if (!Store8(x[d.Rs1] + (ulong)d.Imm, x[d.Rs2], _chunkOrigin - budget)) goto trap; break;
                case Op.Sh: if (!Store16(x[d.Rs1] + (ulong)d.Imm, x[d.Rs2], _chunkOrigin - budget)) goto trap; break;
                case Op.Sw: if (!Store32(x[d.Rs1] + (ulong)d.Imm, x[d.Rs2], _chunkOrigin - budget)) goto trap; break;
                case Op.Sd: if (!Store64(x[d.Rs1] + (ulong)d.Imm, x[d.Rs2], _chunkOrigin - budget)) goto trap; break;

                case Op.Addi: x[d.Rd] = x[d.Rs1] + (ulong)d.Imm; break;
                case Op.Slti: x[d.Rd] = (long)x[d.Rs1] < d.Imm ? 1UL : 0UL; break;
                case Op.Sltiu: x[d.Rd] = x[d.Rs1] < (ulong)d.Imm ? 1UL : 0UL; break;
                case Op.Xori: x[d.Rd] = x[d.Rs1] ^ (ulong)d.Imm; break;
                case Op.Ori: x[d.Rd] = x[d.Rs1] | (ulong)(long)d.Imm; break;
                case Op.Andi: x[d.Rd] = x[d.Rs1] & (ulong)d.Imm; break;
                case Op.Slli: x[d.Rd] = x[d.Rs1] << (int)d.Imm; break;
                case Op.Srli: x[d.Rd] = x[d.Rs1] >> (int)d.Imm; break;
                case Op.Srai: x[d.Rd] = (ulong)((long)x[d.Rs1] >> (int)d.Imm); break;
                case Op.Add: x[d.Rd] = x[d.Rs1] + x[d.Rs2]; break;
                case Op.Sub: x[d.Rd] = x[d.Rs1] - x[d.Rs2]; break;
                // C# masks 64-bit shift counts to 6 bits and 32-bit ones to 5, as RV64 does (spec 4.2.2).
                case Op.Sll: x[d.Rd] = x[d.Rs1] << (int)x[d.Rs2]; break;
                case Op.Slt: x[d.Rd] = (long)x[d.Rs1] < (long)x[d.Rs2] ? 1UL : 0UL; break;
                case Op.Sltu: x[d.Rd] = x[d.Rs1] < x[d.Rs2] ? 1UL : 0UL; break;
                case Op.Xor: x[d.Rd] = x[d.Rs1] ^ x[d.Rs2]; break;
                case Op.Srl: x[d.Rd] = x[d.Rs1] >> (int)x[d.Rs2]; break;
                case Op.Sra: x[d.Rd] = (ulong)((long)x[d.Rs1] >> (int)x[d.Rs2]); break;
                case Op.Or: x[d.Rd] = x[d.Rs1] | x[d.Rs2]; break;
                case Op.And: x[d.Rd] = x[d.Rs1] & x[d.Rs2]; break;
                case Op.Addiw: x[d.Rd] = (ulong)(int)(x[d.Rs1] + (ulong)d.Imm); break;
                case Op.Slliw: x[d.Rd] = (ulong)(int)((uint)x[d.Rs1] << (int)d.Imm); break;
                case Op.Srliw: x[d.Rd] = (ulong)(int)((uint)x[d.Rs1] >> (int)d.Imm); break;
                case Op.Sraiw: x[d.Rd] = (ulong)((int)x[d.Rs1] >> (int)d.Imm); break;
                case Op.Addw: x[d.Rd] = (ulong)(int)(x[d.Rs1] + x[d.Rs2]); break;
                case Op.Subw: x[d.Rd] = (ulong)(int)(x[d.Rs1] - x[d.Rs2]); break;
                case Op.Sllw: x[d.Rd] = (ulong)(int)((uint)x[d.Rs1] << (int)x[d.Rs2]); break;
                case Op.Srlw: x[d.Rd] = (ulong)(int)((uint)x[d.Rs1] >> (int)x[d.Rs2]); break;
                case Op.Sraw: x[d.Rd] = (ulong)((int)x[d.Rs1] >> (int)x[d.Rs2]); break;

                // RVWMO (unprivileged ch. 17) on the host: a full host barrier serves every FENCE. x86-64 (TSO)
                // only reorders a store with a later load, ARM64 reorders more; Interlocked.MemoryBarrier orders
                // all of it, for the JIT too. Plain accesses between fences rely on the host's natural-alignment
                // atomicity of 1/2/4/8-byte accesses (both hosts); ordering by address or data dependency alone
                // is not kept on ARM64, as in QEMU's MTTCG, which also orders RISC-V guests only at fences and AMOs.
                case Op.Fence: Interlocked.MemoryBarrier(); break;
                case Op.FenceI: FenceI(); _loopPageTag = ulong.MaxValue; break;
                // PAUSE (Zihintpause) orders nothing (its successor set is empty). Guests put it in spin
                // loops (Linux's cpu_relax): ending the chunk lets a hart thread give its host core to the
                // hart it waits for (see VirtMachine.HartThread) instead of spinning out a whole chunk.
                case Op.Pause: pc += d.Length; goto endChunk;
                case Op.Ecall: Raise(ExceptionCause.EcallFromU + (byte)_priv, 0); goto trap;
                case Op.Ebreak: Raise(ExceptionCause.Breakpoint, pc); goto trap;

                // ---- M (spec 7.1-7.2: division by zero and overflow do not trap) ----
                case Op.Mul: x[d.Rd] = x[d.Rs1] * x[d.Rs2]; break;
                case Op.Mulh: v = MulH(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Mulhsu: v = MulHsu(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Mulhu: v = MulHu(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Div: v = Div(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Divu: v = DivU(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Rem: v = Rem(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Remu: v = RemU(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Mulw: x[d.Rd] = (ulong)(int)(x[d.Rs1] * x[d.Rs2]); break;
                case Op.Divw: v = DivW(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Divuw: v = DivUW(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Remw: v = RemW(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;
                case Op.Remuw: v = RemUW(x[d.Rs1], x[d.Rs2]); _x[d.Rd] = v; break;

                // ---- A ----
                // (Every Op a case of its own, not a range: a range pattern made the switch two range checks and a
                // jump table, three compare-and-branches for every instruction instead of one.)
                case Op.LrW: case Op.ScW: case Op.AmoswapW: case Op.AmoaddW: case Op.AmoxorW: case Op.AmoandW:
                case Op.AmoorW: case Op.AmominW: case Op.AmomaxW: case Op.AmominuW: case Op.AmomaxuW:
                case Op.LrD: case Op.ScD: case Op.AmoswapD: case Op.AmoaddD: case Op.AmoxorD: case Op.AmoandD:
                case Op.AmoorD: case Op.AmominD: case Op.AmomaxD: case Op.AmominuD: case Op.AmomaxuD:
                    _chunkRetired = _chunkOrigin - budget;
                    if (!ExecuteAtomic(op, ref d)) goto trap;
                    break;

                // ---- Zicsr: a write that changes what this loop assumed ends the chunk (CsrWriteEndsChunk) ----
                case Op.Csrrw: case Op.Csrrs: case Op.Csrrc: case Op.Csrrwi: case Op.Csrrsi: case Op.Csrrci:
                    _chunkRetired = _chunkOrigin - budget;
                    if (!ExecuteCsr(op, ref d, out bool endsChunk)) goto trap;
                    if (endsChunk) { pc += d.Length; goto endChunk; }
                    break;

                // ---- privileged ----
                // Where an xRET returns to (the code after a system call or a fault) is a control transfer too.
                case Op.Mret: { if (!DoMret(out ulong to)) goto illegal; pc = to; if (_chunkUsesJit) CountTarget(pc); goto endChunk; }
                case Op.Sret: { if (!DoSret(out ulong to)) goto illegal; pc = to; if (_chunkUsesJit) CountTarget(pc); goto endChunk; }
                case Op.Wfi: if (!DoWfi()) goto illegal; pc += d.Length; goto endChunk;
                case Op.SfenceVma:
                    if (_priv == PrivilegeMode.User || (_priv == PrivilegeMode.Supervisor && (_mstatus & TVM) != 0)) goto illegal;
                    // rs1 = x0: every page, of every address space or (rs2) of one; rs1 alone fences one page in
                    // every address space, which covers the rs1+rs2 form too: fencing more is always allowed (4.2.1).
                    if (d.Rs1 != 0) FlushTlbPage(x[d.Rs1]);
                    else if (d.Rs2 != 0) FlushTlbAsid(x[d.Rs2]);
                    else FlushTlb();
                    _loopPageTag = ulong.MaxValue;
                    break;

                case Op.Illegal: goto illegal;

                default:
                    // F and D live in their own file; anything else here is not implemented.
                    _chunkRetired = _chunkOrigin - budget;
                    if (!ExecuteFloat(op, ref d)) goto trap;
                    break;
            }
            pc += d.Length;
            d = ref Unsafe.Add(ref d, 1);
            continue;

        branch:
            // A taken conditional branch. In a run that also holds its target, step there (Hart.Runs.cs).
            pc += (ulong)d.Imm;
            if (d.RunLink == 0) goto taken;
            if (_chunkUsesJit)
            {
                CountJumpTarget(pc);
                // A region compiled on this page drops the page's runs: leave the run then, so that a loop that was
                // compiled is entered at its next iteration (the lookup finds the region's entry).
                if (_loopPage!.Runs is null) { d = ref EndOfRun; continue; }
            }
            d = ref Unsafe.Add(ref d, d.RunLink);
            continue;

        taken:
            if (_chunkUsesJit) CountJumpTarget(pc);
            // Chaining: a target on the same page whose run is built goes straight on into that run, without the
            // round trip through an EndOfRun entry (a second dispatch, the page check and the slot).
            if ((pc & ~PageMask) == _loopPageTag && KeptRun(_loopPage!, pc) is { Length: > RunEnd } next)
            {
                d = ref MemoryMarshal.GetArrayDataReference(next);
                continue;
            }
            d = ref EndOfRun;
            continue;

        illegal:
            Raise(ExceptionCause.IllegalInstruction, d.Raw);
        trap:
            if (_pendingCause == EndOfChunk)
            {
                // Not a trap: a device access completed and asked the run loop to return (see RequestChunkEnd).
                pc += d.Length;
                goto endChunk;
            }
        takeTrap:
            d = ref EndOfRun;
            _chunkOrigin--;
            TakePendingException(pc);
            pc = _pc;
            _loopPageTag = ulong.MaxValue;
            // A trap handler is entered by traps only, which no branch counts: count them, or hot handlers (system
            // calls, page faults) would never be compiled.
            if (_chunkUsesJit) CountTarget(pc);
        }

    // The loop's fetch page and tag need no reset here: each call starts with none.
    endChunk:
        _pc = pc;
        // Every step taken, less the traps (see _chunkOrigin).
        _instret += (ulong)(_chunkOrigin - budget + 1);
        long steps = _chunkSteps - budget;
        _chunkRetired = 0;
        return steps;
    }

    // M-extension results (spec 7.1-7.2), one definition for the interpreter and the JIT (Hart.Jit.cs).
    // The high multiplies are never inlined: inlined, the host's MULX (which needs RDX) made RyuJIT move the register
    // file pointer out of that register and keep a copy on the stack, stored on every interpreted instruction.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong MulH(ulong a, ulong b) => (ulong)Math.BigMul((long)a, (long)b, out _);
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong MulHu(ulong a, ulong b) => Math.BigMul(a, b, out _);
    private static ulong DivU(ulong a, ulong b) => b == 0 ? ulong.MaxValue : a / b;
    private static ulong RemU(ulong a, ulong b) => b == 0 ? a : a % b;
    private static ulong DivUW(ulong a, ulong b) => (uint)b == 0 ? ulong.MaxValue : (ulong)(int)((uint)a / (uint)b);
    private static ulong RemUW(ulong a, ulong b) => (uint)b == 0 ? (ulong)(int)a : (ulong)(int)((uint)a % (uint)b);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong MulHsu(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out _);
        return (long)a < 0 ? hi - b : hi;
    }

    private static ulong Div(ulong a, ulong b)
    {
        if (b == 0) return ulong.MaxValue;
        if ((long)a == long.MinValue && (long)b == -1) return a;
        return (ulong)((long)a / (long)b);
    }

    private static ulong Rem(ulong a, ulong b)
    {
        if (b == 0) return a;
        if ((long)a == long.MinValue && (long)b == -1) return 0;
        return (ulong)((long)a % (long)b);
    }

    private static ulong DivW(ulong a, ulong b)
    {
        int x = (int)a, y = (int)b;
        if (y == 0) return ulong.MaxValue;
        if (x == int.MinValue && y == -1) return (ulong)(long)x;
        return (ulong)(long)(x / y);
    }

    private static ulong RemW(ulong a, ulong b)
    {
        int x = (int)a, y = (int)b;
        if (y == 0) return (ulong)(long)x;
        if (x == int.MinValue && y == -1) return 0;
        return (ulong)(long)(x % y);
    }

    /// <summary>Zicsr (ch. 9): csrrw with rd=x0 does not read; csrrs/c with rs1=x0 (or uimm 0) do not write.</summary>
    /// <remarks><paramref name="op"/> is the Op the dispatcher read (see <see cref="ExecuteFloat"/>).</remarks>
    private bool ExecuteCsr(Op op, ref DecodedInsn d, out bool endsChunk)
    {
        endsChunk = false;
        int csr = (int)d.Imm;
        ulong* x = _x;
        bool immediate = op >= Op.Csrrwi;
        ulong operand = immediate ? d.Rs1 : x[d.Rs1];
        bool isWriteOnly = op is Op.Csrrw or Op.Csrrwi;
        bool writes = isWriteOnly || d.Rs1 != 0;
        ulong old = 0;
        if (!(isWriteOnly && d.Rd == Decoder.SinkRegister))
        {
            if (!TryReadCsr(csr, out old)) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
        }
        if (writes)
        {
            // mip.SEIP reads as the software bit OR the PLIC's line, but only the software bit takes
            // part in the read-modify-write of CSRRS/CSRRC (privileged spec 3.1.9).
            ulong basis = csr == 0x344 ? old & ~(SEIP & ~_mipSoftware) : old;
            ulong value = op switch
            {
                Op.Csrrw or Op.Csrrwi => operand,
                Op.Csrrs or Op.Csrrsi => basis | operand,
                _ => basis & ~operand,
            };
            if (!TryWriteCsr(csr, value)) return Raise(ExceptionCause.IllegalInstruction, d.Raw);
            endsChunk = CsrWriteEndsChunk(csr);
        }
        x[d.Rd] = old;
        return true;
    }

    /// <summary>
    /// Whether the CSR write that just completed must end the chunk. Every write used to: Linux's trap entry
    /// swaps sscratch and its exit writes sepc and sstatus, so every system call and page fault cost two or
    /// three chunk ends (a return to the run loop, its Sstc update and a yield check), and compiled code was
    /// left each time. Only what the loop or a running region took as fixed needs the end:
    /// <list type="bullet">
    /// <item>satp and the PMP registers: the loop keeps the current fetch page (its translation and execute
    /// permission) across instructions.</item>
    /// <item>the trigger registers: <see cref="Run"/> chooses the loop that checks triggers at the chunk's start.</item>
    /// <item>stimecmp and menvcfg (Sstc): the run loop reconsiders the hart's timer deadline at a chunk end.</item>
    /// <item>what decides whether an interrupt is deliverable (mstatus/sstatus MIE and SIE, mie/sie, mip/sip,
    /// mideleg): only when one now is. Interrupts are taken at chunk starts, so the chunk ends exactly when
    /// the write made one deliverable, and the interrupt is taken before the next instruction, as the
    /// privileged spec requires of an enabling write (3.1.6.1, 3.1.9).</item>
    /// </list>
    /// Translation changes through mstatus (MPRV, MPP, SUM) switch the load/store TLB set in the write itself (MXR
    /// needs nothing, see Translate), and loads and stores (interpreted, or compiled, which take the hart's set
    /// again after every CSR instruction) look the TLB up every time, so they need
    /// no chunk end; nor do the trap registers, scratch registers, fcsr, the counter-enable and delegation
    /// registers, which are read when they are used.
    /// </summary>
    private bool CsrWriteEndsChunk(int csr) => csr switch
    {
        0x180 or (>= 0x3a0 and <= 0x3ef) => true,
        >= 0x7a0 and <= 0x7a4 => true,
        0x14d or 0x30a => true,
        0x100 or 0x104 or 0x144 or 0x300 or 0x303 or 0x304 or 0x344 => PendingInterrupt() >= 0,
        _ => false,
    };

    /// <summary>
    /// FENCE.I (Zifencei): this hart's later fetches see every store any hart made before it. The shared decode
    /// cache never holds stale code for long: no hart has a store-TLB fast path to a page that holds code
    /// (<see cref="CodePageAt"/> takes it from every hart when the page becomes code), so every store to such a
    /// page takes the slow path and drops the page's decoded and compiled code if it overlaps it, as does DMA.
    /// What is left for FENCE.I is this hart's own view: the interpreter looks its page up again (a page dropped
    /// under it while it ran there is replaced now), and the barrier orders the stores before it. QEMU's
    /// fence.i likewise only ends the translation block; its code pages are write-protected in every vCPU's TLB.
    /// (It dropped every decoded page before: Linux runs FENCE.I each time it maps a page executable, and the
    /// boot re-decoded its kernel a dozen times: 10838 pages and 1.2M decodes instead of 597 and 240k.)
    /// </summary>
    private void FenceI() => Interlocked.MemoryBarrier();

    /// <summary>LR/SC and AMOs (unprivileged ch. 8): naturally aligned or an address-misaligned exception.</summary>
    /// <remarks>
    /// Atomic across harts. On RAM an AMO is one host interlocked operation on the guest's bytes; .NET's
    /// Interlocked methods are full barriers on x86-64 and ARM64, which also gives every aq/rl ordering.
    /// LR records its granule in the bus's <see cref="ReservationTable"/> and the value it read; SC succeeds
    /// only if the reservation is still held (no SC of this hart since, no slow-path store, AMO or SC of
    /// another hart, no DMA to the granule) and a compare-and-swap from the reserved value succeeds, which
    /// catches any store another hart made on its TLB fast path that changed the value. Not caught: another
    /// hart storing the very value LR read on its fast path (QEMU's MTTCG has the same limit). In a
    /// constrained LR/SC loop (8.3: no loads or stores between) that execution is indistinguishable from one
    /// where that store came before the LR, which the memory model allows.
    /// On a device there are no host atomics: the read and write happen under the bus's device lock.
    /// </remarks>
    /// <remarks><paramref name="decodedOp"/> is the Op the dispatcher read (see <see cref="ExecuteFloat"/>).</remarks>
    private bool ExecuteAtomic(Op decodedOp, ref DecodedInsn d)
    {
        ulong* x = _x;
        bool word = decodedOp <= Op.AmomaxuW;
        int size = word ? 4 : 8;
        ulong va = x[d.Rs1];
        Op op = word ? decodedOp : decodedOp - (Op.LrD - Op.LrW);
        bool isLr = op == Op.LrW;
        if (!TranslateAtomic(va, size, isLoadOnly: isLr, out ulong pa)) return false;
        var mem = _bus.FindMemory(pa);
        byte* host = mem is null ? null : mem.Host + (pa - mem.Base);

        if (isLr)
        {
            ulong loaded;
            if (host != null) loaded = word ? Volatile.Read(ref *(uint*)host) : Volatile.Read(ref *(ulong*)host);
            else if (!_bus.Read(pa, size, out loaded)) return Raise(ExceptionCause.LoadAccessFault, va);
            _bus.Reservations.Reserve(HartId, pa);
            _reservedValue = loaded;
            x[d.Rd] = word ? (ulong)(int)loaded : loaded;
            return host != null || ContinueAfterDeviceAccess();
        }

        if (mem is { ReadOnly: true }) return Raise(ExceptionCause.StoreAccessFault, va);
        ulong src = x[d.Rs2];
        if (op == Op.ScW)
        {
            bool ok = _bus.Reservations.Consume(HartId, pa);
            if (ok && host != null)
            {
                ok = word
                    ? Interlocked.CompareExchange(ref *(uint*)host, (uint)src, (uint)_reservedValue) == (uint)_reservedValue
                    : Interlocked.CompareExchange(ref *(ulong*)host, src, _reservedValue) == _reservedValue;
                if (ok) AtomicWrote(mem!, pa, size);
            }
            else if (ok && !_bus.Write(pa, size, src))
            {
                return Raise(ExceptionCause.StoreAccessFault, va);
            }
            x[d.Rd] = ok ? 0UL : 1UL;
            return host != null || !ok || ContinueAfterDeviceAccess();
        }

        ulong old;
        if (host != null)
        {
            old = word ? AmoWord(op, ref *(uint*)host, (uint)src) : AmoDouble(op, ref *(ulong*)host, src);
            AtomicWrote(mem!, pa, size);
        }
        else
        {
            lock (_bus.DeviceLock)
            {
                if (!_bus.Read(pa, size, out old)) return Raise(ExceptionCause.StoreAccessFault, va);
                if (!_bus.Write(pa, size, AmoResult(op, old, src, word))) return Raise(ExceptionCause.StoreAccessFault, va);
            }
        }
        x[d.Rd] = word ? (ulong)(int)old : old;
        // An AMO that wrote a device (say, the test finisher) takes effect at this instruction, as a store does.
        return host != null || ContinueAfterDeviceAccess();
    }

    /// <summary>After an atomic write to RAM: decoded code on those bytes is stale, reservations on them are broken.</summary>
    private void AtomicWrote(MemoryRegion mem, ulong pa, int size)
    {
        if (mem.HasCode(pa)) mem.InvalidateCode(pa, (ulong)size);
        _bus.Reservations.Break(pa, (ulong)size);
    }

    /// <summary>A 32-bit AMO on host memory; returns the old value.</summary>
    private static uint AmoWord(Op op, ref uint cell, uint b)
    {
        switch (op)
        {
            case Op.AmoswapW: return Interlocked.Exchange(ref cell, b);
            case Op.AmoaddW: return Interlocked.Add(ref cell, b) - b;
            case Op.AmoandW: return Interlocked.And(ref cell, b);
            case Op.AmoorW: return Interlocked.Or(ref cell, b);
        }
        while (true)
        {
            uint old = Volatile.Read(ref cell);
            uint result = (uint)AmoResult(op, old, b, word: true);
            if (Interlocked.CompareExchange(ref cell, result, old) == old) return old;
        }
    }

    /// <summary>A 64-bit AMO on host memory; returns the old value. <paramref name="op"/> is the W form.</summary>
    private static ulong AmoDouble(Op op, ref ulong cell, ulong b)
    {
        switch (op)
        {
            case Op.AmoswapW: return Interlocked.Exchange(ref cell, b);
            case Op.AmoaddW: return Interlocked.Add(ref cell, b) - b;
            case Op.AmoandW: return Interlocked.And(ref cell, b);
            case Op.AmoorW: return Interlocked.Or(ref cell, b);
        }
        while (true)
        {
            ulong old = Volatile.Read(ref cell);
            ulong result = AmoResult(op, old, b, word: false);
            if (Interlocked.CompareExchange(ref cell, result, old) == old) return old;
        }
    }

    /// <summary>The value an AMO (<paramref name="op"/> in its W form) stores, given memory's old value and rs2.</summary>
    private static ulong AmoResult(Op op, ulong mem, ulong src, bool word)
    {
        ulong a = word ? (ulong)(int)mem : mem, b = word ? (ulong)(int)src : src;
        return op switch
        {
            Op.AmoswapW => b,
            Op.AmoaddW => a + b,
            Op.AmoxorW => a ^ b,
            Op.AmoandW => a & b,
            Op.AmoorW => a | b,
            Op.AmominW => (long)a < (long)b ? a : b,
            Op.AmomaxW => (long)a > (long)b ? a : b,
            Op.AmominuW => (word ? (uint)a < (uint)b : a < b) ? a : b,
            _ => (word ? (uint)a > (uint)b : a > b) ? a : b, // AmomaxuW
        };
    }
}
