using System.Reflection;
using System.Reflection.Emit;
using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Float;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Jit;

/// <summary>
/// Compiles a region of one code page to CIL (a <see cref="DynamicMethod"/> that the host JIT turns into
/// machine code). A region is the set of instructions reached from its entry through fallthrough, branches
/// and JAL inside the page, up to <see cref="MaxInstructions"/>; loops inside it become host loops.
/// <para>
/// What the code keeps exact: guest registers live in host locals, loaded at entry and stored back at every
/// exit; each basic block checks before it runs that it fits the budget, so a region retires exactly the
/// instructions the interpreter would in the same chunk; every load and store inlines the TLB fast path and
/// calls the interpreter's own slow path (with the exact retired count published first) otherwise; an
/// instruction that traps or ends the chunk leaves with its pc and the count before it, and the interpreter
/// handles it as its own. CSR instructions call the interpreter's handler and leave when their write ends the
/// chunk (<c>Hart.CsrWriteEndsChunk</c>). Instructions that change privilege or translation or wait (xRET, WFI,
/// SFENCE.VMA, FENCE.I, ECALL, EBREAK, PAUSE) are never compiled: the region ends before them.
/// </para>
/// </summary>
internal static unsafe class JitCompiler
{
    /// <summary>Most instructions in one region (bounds compile time and code size).</summary>
    public const int MaxInstructions = 128;

    private const int PageSize = MemoryRegion.PageSize;

    private static readonly FieldInfo TlbField = Field("_tlb");
    private static readonly FieldInfo ChunkRetiredField = Field("_chunkRetired");
    private static readonly FieldInfo JitPcField = Field(nameof(Hart._jitPc));
    private static readonly FieldInfo JitNextPcField = Field(nameof(Hart._jitNextPc));
    private static readonly FieldInfo HelpersField = typeof(JitBlock).GetField(nameof(JitBlock.Helpers))!;
    private static readonly MethodInfo LoadSlow = Method("LoadSlow");
    private static readonly MethodInfo StoreSlow = Method("StoreSlow");
    private static readonly MethodInfo ExecuteFloat = Method("ExecuteFloat");
    private static readonly FieldInfo MstatusField = Field("_mstatus");
    private static readonly FieldInfo FpRegistersField = Field("_f");
    private static readonly FieldInfo FflagsField = Field("_fflags");
    private static readonly FieldInfo FrmField = Field("_frm");
    /// <summary>By op: the <see cref="FloatInstructions"/> method named as the op, which a compiled F/D instruction calls.</summary>
    private static readonly MethodInfo?[] FloatMethods = Enumerable.Range(0, (int)Op.Count)
        .Select(i => FloatInstructions.IsArithmetic((Op)i)
            ? typeof(FloatInstructions).GetMethod(((Op)i).ToString()) ?? throw new MissingMethodException(nameof(FloatInstructions), ((Op)i).ToString())
            : null)
        .ToArray();
    private static readonly MethodInfo ExecuteAtomic = Method("ExecuteAtomic");
    private static readonly MethodInfo JitCsr = Method(nameof(Hart.JitCsr));
    private static readonly MethodInfo JitCallNested = Method(nameof(Hart.JitCallNested));
    private static readonly MethodInfo MemoryBarrier = typeof(Interlocked).GetMethod(nameof(Interlocked.MemoryBarrier))!;

    /// <summary>The hart's TLB set: load entries (tag, addend), then as many store entries.</summary>
    private const int TlbEntryShift = Hart.TlbEntryShift, TlbEntries = Hart.TlbSize, StoreTlbOffset = TlbEntries << TlbEntryShift;

    private static FieldInfo Field(string name) =>
        typeof(Hart).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new MissingFieldException(nameof(Hart), name);

    private static MethodInfo Method(string name) =>
        typeof(Hart).GetMethod(name, BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new MissingMethodException(nameof(Hart), name);

    /// <summary>True for instructions a region contains; any other ends the region before it.</summary>
    public static bool IsCompiled(Op op) => op switch
    {
        Op.Undecoded or Op.Illegal or Op.JitEntry or Op.EndOfRun or Op.FenceI or Op.Pause or Op.Ecall or Op.Ebreak => false,
        >= Op.Mret and <= Op.SfenceVma => false,
        >= Op.Count => false,
        _ => true,
    };

    private static bool IsFloat(Op op) => op is >= Op.Flw and < Op.Count;
    private static bool EndsBlock(Op op) => op.IsConditionalBranch() || op is Op.Jal or Op.Jalr;

    /// <summary>Decode the instruction at <paramref name="offset"/> of a page; false if it crosses the page's end.</summary>
    private static bool TryDecode(byte* page, int offset, out DecodedInsn d)
    {
        uint lo = *(ushort*)(page + offset);
        if (InstructionWord.IsCompressed(lo)) { d = Decoder.Decode(lo); return true; }
        d = default;
        if (offset + 4 > PageSize) return false;
        d = Decoder.Decode(lo | (uint)*(ushort*)(page + offset + 2) << 16);
        return true;
    }

    /// <summary>
    /// Compile the region entered at <paramref name="entry"/> (a page offset) of <paramref name="codePage"/>,
    /// whose first instruction the harts decoded as <paramref name="original"/>.
    /// Null if that instruction cannot be compiled or the bytes no longer match it.
    /// </summary>
    public static JitBlock? Compile(CodePage codePage, int entry, in DecodedInsn original)
    {
        byte* page = codePage.Region.Host + (codePage.PagePhys - codePage.Region.Base);
        var region = Discover(page, entry);
        if (!region.Insns.TryGetValue(entry, out var first) || first.Raw != original.Raw) return null;
        // Cover the region by the page's code range, then check its bytes again: a store before the range
        // grew may have changed them unnoticed; one after it drops the page and this region with it.
        int start = region.Insns.Keys.First(), end = region.Insns.Keys.Last() + 4;
        codePage.NoteCode(start, end);
        System.Threading.Interlocked.MemoryBarrier();
        foreach (var (off, d) in region.Insns)
            if (!TryDecode(page, off, out var again) || again.Raw != d.Raw) return null;
        return new Emitter(region, original, entry).Emit();
    }

    /// <summary>
    /// Compile a small region once, off the harts' path: the first region of a run otherwise also pays for loading
    /// Reflection.Emit and warming the host JIT (about 20 ms, while the hart interprets the hot loop it asked for).
    /// The engine's thread does it as it starts, while the machine is still being built.
    /// </summary>
    public static void WarmUp()
    {
        // loop: c.addi a0,1; c.ld a1,8(a2); c.sd a1,16(a2); fld ft1,24(a2); fadd.d ft0,ft1,ft2; fsd ft0,32(a2);
        //       divu a3,a0,a1; bne a0,a1,loop; c.jr ra  (loads, stores, F/D, a helper call, a loop and an exit)
        ReadOnlySpan<ushort> code =
        [
            0x0505, 0x660c, 0xea0c, 0x3087, 0x0186, 0xf053, 0x0220, 0x3027, 0x0206, 0x56b3, 0x02b5, 0x15e3, 0xfeb5, 0x8082,
        ];
        using var memory = new MemoryRegion("jit warm-up", 0, PageSize);
        code.CopyTo(new Span<ushort>(memory.Host, code.Length));
        Compile(memory.DecodePage(0, out _), 0, Decoder.Decode(code[0]));
    }

    /// <summary>The instructions of a region by page offset, and the offsets that start a basic block.</summary>
    private sealed class Region
    {
        public readonly SortedDictionary<int, DecodedInsn> Insns = new();
        public readonly HashSet<int> Leaders = new();
        public readonly Dictionary<int, int> BlockLength = new();
        /// <summary>Where calls (JAL or JALR that links) in the region return to: a JALR that goes there stays in the region.</summary>
        public readonly SortedSet<int> ReturnSites = new();
    }

    private static Region Discover(byte* page, int entry)
    {
        var r = new Region();
        var work = new Stack<int>();
        // A call (JAL or JALR that links): its return site joins the region, so that the callee's return (a JALR,
        // see EmitInstruction) continues there instead of leaving, whether the callee ran inside this region or
        // nested (Hart.JitCallNested).
        void AddReturnSite(int off, DecodedInsn d)
        {
            int back = off + d.Length;
            if (d.Rd == Decoder.SinkRegister || back >= PageSize) return;
            r.ReturnSites.Add(back);
            r.Leaders.Add(back);
            work.Push(back);
        }
        r.Leaders.Add(entry);
        work.Push(entry);
        while (work.Count > 0 && r.Insns.Count < MaxInstructions)
        {
            int off = work.Pop();
            bool fallenInto = false;
            while (off >= 0 && off < PageSize && r.Insns.Count < MaxInstructions)
            {
                if (r.Insns.ContainsKey(off))
                {
                    // Two paths meet here: a block must start, so that each block has one way in.
                    if (fallenInto) r.Leaders.Add(off);
                    break;
                }
                if (!TryDecode(page, off, out var d) || !IsCompiled(d.Op)) break;
                r.Insns.Add(off, d);
                if (d.Op.IsConditionalBranch() || d.Op == Op.Jal)
                {
                    long target = off + d.Imm;
                    if (target >= 0 && target < PageSize)
                    {
                        r.Leaders.Add((int)target);
                        work.Push((int)target);
                    }
                    if (d.Op == Op.Jal)
                    {
                        AddReturnSite(off, d);
                        break;
                    }
                    r.Leaders.Add(off + d.Length);
                }
                else if (d.Op == Op.Jalr)
                {
                    AddReturnSite(off, d);
                    break;
                }
                off += d.Length;
                fallenInto = true;
            }
        }
        // An instruction whose predecessor in page order does not fall into it (it follows a jump, or sits inside
        // another instruction's bytes after a jump into the middle) starts a block of its own.
        int previous = -1;
        foreach (var (off, d) in r.Insns)
        {
            if (previous < 0 || previous + r.Insns[previous].Length != off || EndsBlock(r.Insns[previous].Op)) r.Leaders.Add(off);
            previous = off;
        }
        // A block runs from its leader to a control transfer, or up to the next leader or the region's edge.
        foreach (int leader in r.Leaders)
        {
            if (!r.Insns.ContainsKey(leader)) continue;
            int count = 0, off = leader;
            while (r.Insns.TryGetValue(off, out var d) && (off == leader || !r.Leaders.Contains(off)))
            {
                count++;
                if (EndsBlock(d.Op)) break;
                off += d.Length;
            }
            r.BlockLength[leader] = count;
        }
        return r;
    }

    /// <summary>Writes the CIL of one region.</summary>
    private sealed class Emitter
    {
        private readonly Region _r;
        private readonly DecodedInsn _original;
        private readonly DynamicMethod _method;
        private readonly ILGenerator _il;
        private readonly Dictionary<int, Label> _labels = new();
        private readonly LocalBuilder?[] _reg = new LocalBuilder?[32];
        /// <summary>Registers the region may write: only these go back to the register file at an exit.</summary>
        private readonly bool[] _written = new bool[32];
        private readonly LocalBuilder _n, _tlb, _va, _value, _entry, _exitPc, _exitResult;
        /// <summary>With F/D instructions: the FP register file, fflags at entry plus what they raised (ORed into fflags at the exit), a dynamic rounding mode.</summary>
        private readonly LocalBuilder? _fregs, _flags, _rm;
        private readonly Label _epilogue;
        private readonly List<Action> _outOfLine = new();
        private readonly List<DecodedInsn> _helpers = new();

        // Arguments: 0 the JitBlock (closed over), 1 hart, 2 x, 3 pcBase, 4 budget, 5 retiredBase.
        private const short ArgBlock = 0, ArgHart = 1, ArgX = 2, ArgPcBase = 3, ArgBudget = 4, ArgRetiredBase = 5;

        /// <summary>Retired count before the current block (the local n) plus this, is the count before the current instruction.</summary>
        private int _k;
        private int _blockLength;

        private readonly int _entry0;

        public Emitter(Region region, DecodedInsn original, int entry)
        {
            _r = region;
            _entry0 = entry;
            _original = original;
            _method = new DynamicMethod($"rv_{original.Raw:x}", typeof(long),
                new[] { typeof(JitBlock), typeof(Hart), typeof(ulong*), typeof(ulong), typeof(long), typeof(long) },
                typeof(Hart), skipVisibility: true);
            _il = _method.GetILGenerator(256 + 64 * region.Insns.Count);
            _n = _il.DeclareLocal(typeof(long));
            _tlb = _il.DeclareLocal(typeof(byte*));
            _va = _il.DeclareLocal(typeof(ulong));
            _value = _il.DeclareLocal(typeof(ulong));
            _entry = _il.DeclareLocal(typeof(byte*));
            _exitPc = _il.DeclareLocal(typeof(ulong));
            _exitResult = _il.DeclareLocal(typeof(long));
            _epilogue = _il.DefineLabel();
            foreach (int off in region.Insns.Keys) _labels[off] = _il.DefineLabel();
            if (region.Insns.Values.Any(d => IsFloat(d.Op)))
            {
                _fregs = _il.DeclareLocal(typeof(byte*));
                _flags = _il.DeclareLocal(typeof(uint));
                _rm = _il.DeclareLocal(typeof(int));
            }
            foreach (var d in region.Insns.Values)
            {
                Use(d.Rd);
                Use(d.Rs1);
                Use(d.Rs2);
            }
        }

        private void Use(int r)
        {
            if (r is > 0 and < 32) _reg[r] ??= _il.DeclareLocal(typeof(ulong));
        }

        public JitBlock Emit()
        {
            var il = _il;
            // A call with no budget returns at once: the compiler thread makes one to have the host JIT compile
            // the method there, not on the hart's thread.
            var go = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_S, (byte)ArgBudget);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Conv_I8);
            il.Emit(OpCodes.Bgt, go);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Conv_I8);
            il.Emit(OpCodes.Ret);
            il.MarkLabel(go);
            for (int i = 1; i < 32; i++)
            {
                if (_reg[i] is null) continue;
                LoadGuestRegisterFromMemory(i);
                il.Emit(OpCodes.Stloc, _reg[i]!);
            }
            HartFieldTo(TlbField, _tlb);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Conv_I8);
            il.Emit(OpCodes.Stloc, _n);
            if (_fregs is not null)
            {
                HartFieldTo(FpRegistersField, _fregs);
                // The flags accrued so far, so that the arithmetic sees NX (FloatFlags.HostResultSuffices).
                HartFieldTo(FflagsField, _flags!);
            }
            // Blocks are laid out in page order; the entry may be any of them.
            if (_r.Insns.Keys.First() != _entry0) il.Emit(OpCodes.Br, _labels[_entry0]);

            var offsets = _r.Insns.Keys.ToArray();
            for (int i = 0; i < offsets.Length; i++)
            {
                int off = offsets[i];
                int nextEmitted = i + 1 < offsets.Length ? offsets[i + 1] : -1;
                var d = _r.Insns[off];
                // A leader's label comes before its budget check: every way into the block passes it.
                il.MarkLabel(_labels[off]);
                if (_r.Leaders.Contains(off)) StartBlock(off);
                EmitInstruction(off, d, nextEmitted);
                _k++;
            }
            // An out-of-line path may add another (a slow path's own fault exit): run until none is left.
            for (int i = 0; i < _outOfLine.Count; i++) _outOfLine[i]();

            // The one exit: registers back to the register file, the pc to the hart.
            il.MarkLabel(_epilogue);
            for (int i = 1; i < 32; i++)
            {
                if (_reg[i] is null || !_written[i]) continue;
                StoreGuestRegisterToMemory(i);
            }
            if (_flags is not null) FlagsToHart();
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            il.Emit(OpCodes.Ldloc, _exitPc);
            il.Emit(OpCodes.Stfld, JitPcField);
            il.Emit(OpCodes.Ldloc, _exitResult);
            il.Emit(OpCodes.Ret);

            var block = new JitBlock(_helpers.ToArray(), _r.Insns.Count) { Original = _original };
            var function = (JitFunction)_method.CreateDelegate(typeof(JitFunction), block);
            function(null!, null, 0, 0, 0); // compile now, on this thread
            block.SetFunction(function);
            return block;
        }

        /// <summary>A leader: check the budget for the whole block, then run it.</summary>
        private void StartBlock(int off)
        {
            _k = 0;
            _blockLength = _r.BlockLength[off];
            var il = _il;
            var stop = il.DefineLabel();
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Ldc_I8, (long)_blockLength);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ldarg_S, (byte)ArgBudget);
            il.Emit(OpCodes.Bgt, stop);
            _outOfLine.Add(() =>
            {
                il.MarkLabel(stop);
                ExitTo(off, 0);
            });
        }

        // ---- exits ----

        /// <summary>Leave to the page offset <paramref name="targetOffset"/> with n + <paramref name="extra"/> retired.</summary>
        private void ExitTo(long targetOffset, int extra)
        {
            PushPc(targetOffset);
            ExitWithPcOnStack(extra);
        }

        private void ExitWithPcOnStack(int extra)
        {
            var il = _il;
            il.Emit(OpCodes.Stloc, _exitPc);
            il.Emit(OpCodes.Ldloc, _n);
            if (extra != 0)
            {
                il.Emit(OpCodes.Ldc_I8, (long)extra);
                il.Emit(OpCodes.Add);
            }
            il.Emit(OpCodes.Stloc, _exitResult);
            il.Emit(OpCodes.Br, _epilogue);
        }

        /// <summary>The instruction at <paramref name="off"/> (the k-th of its block) did not complete: hand it to the interpreter's trap path.</summary>
        private void ExitPending(int off, int length, int k)
        {
            var il = _il;
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            PushPc(off + length);
            il.Emit(OpCodes.Stfld, JitNextPcField);
            PushPc(off);
            il.Emit(OpCodes.Stloc, _exitPc);
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Ldc_I8, (long)k);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Not);
            il.Emit(OpCodes.Stloc, _exitResult);
            il.Emit(OpCodes.Br, _epilogue);
        }

        /// <summary>Continue at page offset <paramref name="target"/> after a block ended (n already counts it).</summary>
        private void GoTo(long target, int nextEmitted)
        {
            if (target >= 0 && target < PageSize && _r.Insns.ContainsKey((int)target))
            {
                if (target != nextEmitted) _il.Emit(OpCodes.Br, _labels[(int)target]);
            }
            else
            {
                ExitTo(target, 0);
            }
        }

        /// <summary>After an instruction that does not transfer control: into the next one.</summary>
        private void FallThrough(int next, int nextEmitted)
        {
            if (!_r.Insns.ContainsKey(next))
            {
                ExitTo(next, _k + 1);
            }
            else if (_r.Leaders.Contains(next))
            {
                AddToN(_blockLength);
                if (next != nextEmitted) _il.Emit(OpCodes.Br, _labels[next]);
            }
            else if (next != nextEmitted)
            {
                _il.Emit(OpCodes.Br, _labels[next]);
            }
        }

        private void AddToN(int count)
        {
            _il.Emit(OpCodes.Ldloc, _n);
            _il.Emit(OpCodes.Ldc_I8, (long)count);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, _n);
        }

        // ---- operands ----

        private void PushPc(long offset)
        {
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgPcBase);
            _il.Emit(OpCodes.Ldc_I8, offset);
            _il.Emit(OpCodes.Add);
        }

        private void Get(int r)
        {
            if (r == 0 || r >= 32) { _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Conv_I8); }
            else _il.Emit(OpCodes.Ldloc, _reg[r]!);
        }

        /// <summary>Store the value on the stack to integer register <paramref name="r"/> (the sink, 32, discards it).</summary>
        private void Set(int r)
        {
            if (r == 0 || r >= 32) { _il.Emit(OpCodes.Pop); return; }
            _il.Emit(OpCodes.Stloc, _reg[r]!);
            _written[r] = true;
        }

        private void LoadGuestRegisterFromMemory(int r)
        {
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgX);
            _il.Emit(OpCodes.Ldc_I4, r * 8);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldind_I8);
        }

        private void StoreGuestRegisterToMemory(int r)
        {
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgX);
            _il.Emit(OpCodes.Ldc_I4, r * 8);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldloc, _reg[r]!);
            _il.Emit(OpCodes.Stind_I8);
        }

        /// <summary>hart._chunkRetired = retiredBase + n + k: the exact count a slow path or handler publishes.</summary>
        private void PublishRetired()
        {
            var il = _il;
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            il.Emit(OpCodes.Ldarg_S, (byte)ArgRetiredBase);
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ldc_I8, (long)_k);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stfld, ChunkRetiredField);
        }

        /// <summary>What an ALU result needs before it is a 64-bit register value.</summary>
        private enum Result { Full, Flag, Word }

        /// <summary>rd = rs1 op (rs2 or imm): Flag turns a comparison's int32 0/1 into 0/1, Word sign-extends the low 32 bits.</summary>
        private void Alu(DecodedInsn d, OpCode op, bool immediate, Result result = Result.Full)
        {
            Get(d.Rs1);
            if (immediate) _il.Emit(OpCodes.Ldc_I8, (long)d.Imm); else Get(d.Rs2);
            _il.Emit(op);
            if (result == Result.Flag) _il.Emit(OpCodes.Conv_U8);
            if (result == Result.Word) { _il.Emit(OpCodes.Conv_I4); _il.Emit(OpCodes.Conv_I8); }
            Set(d.Rd);
        }

        private void ShiftImm(DecodedInsn d, OpCode op, bool word)
        {
            Get(d.Rs1);
            if (word) _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Ldc_I4, (int)d.Imm);
            _il.Emit(op);
            if (word) _il.Emit(OpCodes.Conv_I8);
            Set(d.Rd);
        }

        /// <summary>Register shifts: the count is rs2's low 6 bits (5 for W forms), masked explicitly since CIL leaves larger counts undefined.</summary>
        private void ShiftReg(DecodedInsn d, OpCode op, bool word)
        {
            Get(d.Rs1);
            if (word) _il.Emit(OpCodes.Conv_U4);
            Get(d.Rs2);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Ldc_I4, word ? 31 : 63);
            _il.Emit(OpCodes.And);
            _il.Emit(op);
            if (word) _il.Emit(OpCodes.Conv_I8);
            Set(d.Rd);
        }

        private void CallBinary(DecodedInsn d, string helper)
        {
            Get(d.Rs1);
            Get(d.Rs2);
            _il.Emit(OpCodes.Call, Method(helper));
            Set(d.Rd);
        }

        // ---- instructions ----

        private void EmitInstruction(int off, DecodedInsn d, int nextEmitted)
        {
            var il = _il;
            int next = off + d.Length;
            switch (d.Op)
            {
                case Op.Lui: il.Emit(OpCodes.Ldc_I8, (long)d.Imm); Set(d.Rd); break;
                case Op.Auipc: PushPc(off + d.Imm); Set(d.Rd); break;

                case Op.Jal:
                    PushPc(next);
                    Set(d.Rd);
                    AddToN(_blockLength);
                    long target = off + d.Imm;
                    if (d.Rd != Decoder.SinkRegister && !(target >= 0 && target < PageSize && _r.Insns.ContainsKey((int)target)))
                    {
                        // A call out of the region (to another page, mostly) runs the callee nested, as an indirect call.
                        PushPc(target);
                        il.Emit(OpCodes.Stloc, _va);
                        NestedCall();
                        ReturnOrExit();
                        return;
                    }
                    GoTo(target, nextEmitted);
                    return;
                case Op.Jalr:
                    // Target first: rd may be rs1.
                    Get(d.Rs1);
                    il.Emit(OpCodes.Ldc_I8, (long)d.Imm);
                    il.Emit(OpCodes.Add);
                    il.Emit(OpCodes.Ldc_I8, ~1L);
                    il.Emit(OpCodes.And);
                    il.Emit(OpCodes.Stloc, _va);
                    PushPc(next);
                    Set(d.Rd);
                    AddToN(_blockLength);
                    // An indirect call runs the callee's region nested (Hart.JitCallNested).
                    if (d.Rd != Decoder.SinkRegister) NestedCall();
                    ReturnOrExit();
                    return;

                case Op.Beq: Branch(off, d, OpCodes.Beq, nextEmitted); return;
                case Op.Bne: Branch(off, d, OpCodes.Bne_Un, nextEmitted); return;
                case Op.Blt: Branch(off, d, OpCodes.Blt, nextEmitted); return;
                case Op.Bge: Branch(off, d, OpCodes.Bge, nextEmitted); return;
                case Op.Bltu: Branch(off, d, OpCodes.Blt_Un, nextEmitted); return;
                case Op.Bgeu: Branch(off, d, OpCodes.Bge_Un, nextEmitted); return;

                case Op.Lb: Load(off, d, 1, OpCodes.Ldind_I1, OpCodes.Conv_I1); break;
                case Op.Lh: Load(off, d, 2, OpCodes.Ldind_I2, OpCodes.Conv_I2); break;
                case Op.Lw: Load(off, d, 4, OpCodes.Ldind_I4, OpCodes.Conv_I4); break;
                case Op.Ld: Load(off, d, 8, OpCodes.Ldind_I8, null); break;
                case Op.Lbu: Load(off, d, 1, OpCodes.Ldind_U1, null); break;
                case Op.Lhu: Load(off, d, 2, OpCodes.Ldind_U2, null); break;
                case Op.Lwu: Load(off, d, 4, OpCodes.Ldind_U4, null); break;
                case Op.Sb: Store(off, d, 1, OpCodes.Stind_I1); break;
                case Op.Sh: Store(off, d, 2, OpCodes.Stind_I2); break;
                case Op.Sw: Store(off, d, 4, OpCodes.Stind_I4); break;
                case Op.Sd: Store(off, d, 8, OpCodes.Stind_I8); break;

                case Op.Addi: Alu(d, OpCodes.Add, immediate: true); break;
                case Op.Slti: Alu(d, OpCodes.Clt, immediate: true, Result.Flag); break;
                case Op.Sltiu: Alu(d, OpCodes.Clt_Un, immediate: true, Result.Flag); break;
                case Op.Xori: Alu(d, OpCodes.Xor, immediate: true); break;
                case Op.Ori: Alu(d, OpCodes.Or, immediate: true); break;
                case Op.Andi: Alu(d, OpCodes.And, immediate: true); break;
                case Op.Slli: ShiftImm(d, OpCodes.Shl, word: false); break;
                case Op.Srli: ShiftImm(d, OpCodes.Shr_Un, word: false); break;
                case Op.Srai: ShiftImm(d, OpCodes.Shr, word: false); break;
                case Op.Add: Alu(d, OpCodes.Add, immediate: false); break;
                case Op.Sub: Alu(d, OpCodes.Sub, immediate: false); break;
                case Op.Sll: ShiftReg(d, OpCodes.Shl, word: false); break;
                case Op.Slt: Alu(d, OpCodes.Clt, immediate: false, Result.Flag); break;
                case Op.Sltu: Alu(d, OpCodes.Clt_Un, immediate: false, Result.Flag); break;
                case Op.Xor: Alu(d, OpCodes.Xor, immediate: false); break;
                case Op.Srl: ShiftReg(d, OpCodes.Shr_Un, word: false); break;
                case Op.Sra: ShiftReg(d, OpCodes.Shr, word: false); break;
                case Op.Or: Alu(d, OpCodes.Or, immediate: false); break;
                case Op.And: Alu(d, OpCodes.And, immediate: false); break;
                case Op.Addiw: Alu(d, OpCodes.Add, immediate: true, Result.Word); break;
                case Op.Slliw: ShiftImm(d, OpCodes.Shl, word: true); break;
                // srliw: a 32-bit logical shift whose result is then sign-extended from bit 31 (spec 4.2.1).
                case Op.Srliw: ShiftImm(d, OpCodes.Shr_Un, word: true); break;
                case Op.Sraiw: ShiftImm(d, OpCodes.Shr, word: true); break;
                case Op.Addw: Alu(d, OpCodes.Add, immediate: false, Result.Word); break;
                case Op.Subw: Alu(d, OpCodes.Sub, immediate: false, Result.Word); break;
                case Op.Sllw: ShiftReg(d, OpCodes.Shl, word: true); break;
                case Op.Srlw: ShiftReg(d, OpCodes.Shr_Un, word: true); break;
                case Op.Sraw: ShiftReg(d, OpCodes.Shr, word: true); break;

                case Op.Fence: il.Emit(OpCodes.Call, MemoryBarrier); break;

                case Op.Mul: Alu(d, OpCodes.Mul, immediate: false); break;
                case Op.Mulh: CallBinary(d, nameof(Hart.JitMulh)); break;
                case Op.Mulhsu: CallBinary(d, nameof(Hart.JitMulhsu)); break;
                case Op.Mulhu: CallBinary(d, nameof(Hart.JitMulhu)); break;
                case Op.Div: CallBinary(d, nameof(Hart.JitDiv)); break;
                case Op.Divu: CallBinary(d, nameof(Hart.JitDivu)); break;
                case Op.Rem: CallBinary(d, nameof(Hart.JitRem)); break;
                case Op.Remu: CallBinary(d, nameof(Hart.JitRemu)); break;
                case Op.Mulw: Alu(d, OpCodes.Mul, immediate: false, Result.Word); break;
                case Op.Divw: CallBinary(d, nameof(Hart.JitDivw)); break;
                case Op.Divuw: CallBinary(d, nameof(Hart.JitDivuw)); break;
                case Op.Remw: CallBinary(d, nameof(Hart.JitRemw)); break;
                case Op.Remuw: CallBinary(d, nameof(Hart.JitRemuw)); break;

                case >= Op.LrW and <= Op.AmomaxuD: CallHandler(off, d, ExecuteAtomic, _k); break;
                case >= Op.Csrrw and <= Op.Csrrci: Csr(off, d); break;
                default: Float(off, d); break; // F and D (IsCompiled admits nothing else)
            }
            FallThrough(next, nextEmitted);
        }

        private void Branch(int off, DecodedInsn d, OpCode branchIfTaken, int nextEmitted)
        {
            var il = _il;
            AddToN(_blockLength);
            long target = off + d.Imm;
            Get(d.Rs1);
            Get(d.Rs2);
            if (target >= 0 && target < PageSize && _r.Insns.ContainsKey((int)target))
            {
                il.Emit(branchIfTaken, _labels[(int)target]);
            }
            else
            {
                var taken = il.DefineLabel();
                il.Emit(branchIfTaken, taken);
                _outOfLine.Add(() =>
                {
                    il.MarkLabel(taken);
                    ExitTo(target, 0);
                });
            }
            GoTo(off + d.Length, nextEmitted);
        }

        /// <summary>_entry = the TLB entry for _va in the load (or store) TLB.</summary>
        private void TlbEntryFor(bool store)
        {
            var il = _il;
            il.Emit(OpCodes.Ldloc, _tlb);
            if (store)
            {
                il.Emit(OpCodes.Ldc_I4, StoreTlbOffset);
                il.Emit(OpCodes.Add);
            }
            il.Emit(OpCodes.Ldloc, _va);
            il.Emit(OpCodes.Ldc_I4_S, (sbyte)12);
            il.Emit(OpCodes.Shr_Un);
            il.Emit(OpCodes.Ldc_I8, (long)(TlbEntries - 1));
            il.Emit(OpCodes.And);
            il.Emit(OpCodes.Ldc_I4_S, (sbyte)TlbEntryShift);
            il.Emit(OpCodes.Shl);
            il.Emit(OpCodes.Conv_I);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, _entry);
        }

        /// <summary>va = rs1 + imm; branch to <paramref name="miss"/> unless the TLB entry's tag matches (alignment folded into the tag, as the interpreter).</summary>
        private void TlbCheck(DecodedInsn d, int size, bool store, Label miss)
        {
            var il = _il;
            Get(d.Rs1);
            if (d.Imm != 0)
            {
                il.Emit(OpCodes.Ldc_I8, (long)d.Imm);
                il.Emit(OpCodes.Add);
            }
            il.Emit(OpCodes.Stloc, _va);
            TlbEntryFor(store);
            il.Emit(OpCodes.Ldloc, _entry);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Ldloc, _va);
            il.Emit(OpCodes.Ldc_I8, (long)~(0xfffUL ^ (ulong)(size - 1)));
            il.Emit(OpCodes.And);
            il.Emit(OpCodes.Bne_Un, miss);
            // Host address = addend + va.
            il.Emit(OpCodes.Ldloc, _entry);
            il.Emit(OpCodes.Ldc_I4_8);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Ldloc, _va);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Conv_I);
        }

        private void Load(int off, DecodedInsn d, int size, OpCode hostLoad, OpCode? signExtendSlow)
        {
            var il = _il;
            var miss = il.DefineLabel();
            var done = il.DefineLabel();
            TlbCheck(d, size, store: false, miss);
            il.Emit(hostLoad);
            // ldind.i1/i2/i4 push sign-extended int32, ldind.u* zero-extended: widen accordingly.
            if (hostLoad == OpCodes.Ldind_I1 || hostLoad == OpCodes.Ldind_I2 || hostLoad == OpCodes.Ldind_I4) il.Emit(OpCodes.Conv_I8);
            else if (hostLoad != OpCodes.Ldind_I8) il.Emit(OpCodes.Conv_U8);
            il.Emit(OpCodes.Stloc, _value);
            il.MarkLabel(done);
            il.Emit(OpCodes.Ldloc, _value);
            Set(d.Rd);
            int k = _k;
            _outOfLine.Add(() =>
            {
                var fault = il.DefineLabel();
                il.MarkLabel(miss);
                PublishRetiredAt(k);
                il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
                il.Emit(OpCodes.Ldloc, _va);
                il.Emit(OpCodes.Ldc_I4, size);
                il.Emit(OpCodes.Ldloca, _value);
                il.Emit(OpCodes.Call, LoadSlow);
                il.Emit(OpCodes.Brfalse, fault);
                if (signExtendSlow is { } ext)
                {
                    // The slow path returns the bytes zero-extended.
                    il.Emit(OpCodes.Ldloc, _value);
                    il.Emit(ext);
                    il.Emit(OpCodes.Conv_I8);
                    il.Emit(OpCodes.Stloc, _value);
                }
                il.Emit(OpCodes.Br, done);
                il.MarkLabel(fault);
                ExitPending(off, d.Length, k);
            });
        }

        private void Store(int off, DecodedInsn d, int size, OpCode hostStore)
        {
            var il = _il;
            var miss = il.DefineLabel();
            var done = il.DefineLabel();
            TlbCheck(d, size, store: true, miss);
            Get(d.Rs2);
            if (size < 8) il.Emit(OpCodes.Conv_U4);
            il.Emit(hostStore);
            il.MarkLabel(done);
            int k = _k;
            _outOfLine.Add(() =>
            {
                var fault = il.DefineLabel();
                il.MarkLabel(miss);
                PublishRetiredAt(k);
                il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
                il.Emit(OpCodes.Ldloc, _va);
                il.Emit(OpCodes.Ldc_I4, size);
                Get(d.Rs2);
                il.Emit(OpCodes.Call, StoreSlow);
                il.Emit(OpCodes.Brfalse, fault);
                il.Emit(OpCodes.Br, done);
                il.MarkLabel(fault);
                ExitPending(off, d.Length, k);
            });
        }

        /// <summary>
        /// F, D and A run through the interpreter's own handlers, given the decoded instruction. Those read and
        /// write the register file, so the registers involved go to memory first and the destination comes back.
        /// </summary>
        private void CallHandler(int off, DecodedInsn d, MethodInfo handler, int k)
        {
            var il = _il;
            int index = _helpers.Count;
            _helpers.Add(d);
            foreach (int r in new[] { d.Rs1, d.Rs2, d.Rd })
                if (r is > 0 and < 32) StoreGuestRegisterToMemory(r);
            PublishRetiredAt(k);
            var fault = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            il.Emit(OpCodes.Ldc_I4, (int)d.Op);
            il.Emit(OpCodes.Ldarg_S, (byte)ArgBlock);
            il.Emit(OpCodes.Ldfld, HelpersField);
            il.Emit(OpCodes.Ldc_I4, index);
            il.Emit(OpCodes.Ldelema, typeof(DecodedInsn));
            il.Emit(OpCodes.Call, handler);
            il.Emit(OpCodes.Brfalse, fault);
            if (d.Rd is > 0 and < 32)
            {
                // The handler wrote the register file itself; the local must follow (it is stored back at an
                // exit only if the region also writes it, and then holds the latest value).
                LoadGuestRegisterFromMemory(d.Rd);
                il.Emit(OpCodes.Stloc, _reg[d.Rd]!);
            }
            _outOfLine.Add(() =>
            {
                il.MarkLabel(fault);
                // An AMO, LR or SC on a device completes (rd written) and then ends the chunk: the local must
                // not carry its older value back over the result. After a trap memory holds what was flushed.
                if (d.Rd is > 0 and < 32)
                {
                    LoadGuestRegisterFromMemory(d.Rd);
                    il.Emit(OpCodes.Stloc, _reg[d.Rd]!);
                }
                ExitPending(off, d.Length, k);
            });
        }

        /// <summary>
        /// An F or D instruction. With FS Dirty and a legal rounding mode (the common case) it runs inline: loads
        /// and stores through the TLB fast path, arithmetic through the <see cref="FloatInstructions"/> method of
        /// its op (what the interpreter's <see cref="FloatInstructions.Compute"/> runs), the FP registers in the
        /// register file. Otherwise (FS not Dirty, so FS must change or the instruction is illegal; frm reserved;
        /// a TLB miss) the interpreter's handler runs it out of line.
        /// </summary>
        private void Float(int off, DecodedInsn d)
        {
            var il = _il;
            var slow = il.DefineLabel();
            var done = il.DefineLabel();
            int k = _k;
            _outOfLine.Add(() =>
            {
                il.MarkLabel(slow);
                CallHandler(off, d, ExecuteFloat, k);
                il.Emit(OpCodes.Br, done);
            });
            bool hasRm = FloatInstructions.HasRoundingMode[(int)d.Op];
            if (hasRm && d.Rm is 5 or 6)
            {
                il.Emit(OpCodes.Br, slow); // reserved rounding mode (spec 11.2): the handler raises the exception
                il.MarkLabel(done);
                return;
            }
            // Privileged spec 3.1.6.6: FS Off makes the instruction illegal, Initial or Clean must become Dirty.
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            il.Emit(OpCodes.Ldfld, MstatusField);
            il.Emit(OpCodes.Ldc_I8, (long)Hart.FS);
            il.Emit(OpCodes.And);
            il.Emit(OpCodes.Ldc_I8, (long)Hart.FS);
            il.Emit(OpCodes.Bne_Un, slow);
            switch (d.Op)
            {
                case Op.Fld or Op.Flw:
                    TlbCheck(d, d.Op == Op.Fld ? 8 : 4, store: false, slow);
                    if (d.Op == Op.Fld)
                    {
                        il.Emit(OpCodes.Ldind_I8);
                    }
                    else
                    {
                        il.Emit(OpCodes.Ldind_U4);
                        il.Emit(OpCodes.Conv_U8);
                        il.Emit(OpCodes.Ldc_I8, unchecked((long)FloatInstructions.NaNBox));
                        il.Emit(OpCodes.Or);
                    }
                    il.Emit(OpCodes.Stloc, _value);
                    FpRegisterAddress(d.Rd);
                    il.Emit(OpCodes.Ldloc, _value);
                    il.Emit(OpCodes.Stind_I8);
                    break;
                case Op.Fsd or Op.Fsw:
                    TlbCheck(d, d.Op == Op.Fsd ? 8 : 4, store: true, slow);
                    GetFp(d.Rs2);
                    if (d.Op == Op.Fsd) il.Emit(OpCodes.Stind_I8);
                    else { il.Emit(OpCodes.Conv_U4); il.Emit(OpCodes.Stind_I4); }
                    break;
                default:
                    if (hasRm && d.Rm == 7)
                    {
                        // Dynamic: frm, which may hold a reserved value (illegal, left to the handler).
                        il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
                        il.Emit(OpCodes.Ldfld, FrmField);
                        il.Emit(OpCodes.Stloc, _rm!);
                        il.Emit(OpCodes.Ldloc, _rm!);
                        il.Emit(OpCodes.Ldc_I4_4);
                        il.Emit(OpCodes.Bgt_Un, slow);
                    }
                    bool toFp = FloatInstructions.WritesFpRegister[(int)d.Op];
                    if (toFp) FpRegisterAddress(d.Rd);
                    if (FloatInstructions.ReadsIntegerRs1[(int)d.Op]) Get(d.Rs1); else GetFp(d.Rs1);
                    GetFp(d.Rs2);
                    if (FloatInstructions.ReadsRs3[(int)d.Op]) GetFp(d.Rs3);
                    else { il.Emit(OpCodes.Ldc_I4_0); il.Emit(OpCodes.Conv_I8); }
                    if (!hasRm) il.Emit(OpCodes.Ldc_I4_0);
                    else if (d.Rm == 7) il.Emit(OpCodes.Ldloc, _rm!);
                    else il.Emit(OpCodes.Ldc_I4, (int)d.Rm);
                    il.Emit(OpCodes.Ldloca, _flags!);
                    il.Emit(OpCodes.Call, FloatMethods[(int)d.Op]!);
                    if (toFp) il.Emit(OpCodes.Stind_I8); else Set(d.Rd);
                    break;
            }
            il.MarkLabel(done);
        }

        /// <summary>
        /// Continue at <c>va</c> (where a JALR goes, or where a nested callee returned to): at one of the region's
        /// return sites (its block checks the budget as any other way in does), else leave the region for it.
        /// </summary>
        private void ReturnOrExit()
        {
            var il = _il;
            if (_r.ReturnSites.Count > 0)
            {
                il.Emit(OpCodes.Ldloc, _va);
                il.Emit(OpCodes.Ldarg_S, (byte)ArgPcBase);
                il.Emit(OpCodes.Sub);
                il.Emit(OpCodes.Stloc, _value);
                foreach (int site in _r.ReturnSites)
                {
                    if (!_r.Insns.ContainsKey(site)) continue;
                    il.Emit(OpCodes.Ldloc, _value);
                    il.Emit(OpCodes.Ldc_I8, (long)site);
                    il.Emit(OpCodes.Beq, _labels[site]);
                }
            }
            il.Emit(OpCodes.Ldloc, _va);
            ExitWithPcOnStack(0);
        }

        /// <summary>
        /// After a call's link is set and its block counted: call the target's region nested, then leave
        /// <c>va</c> at where it returned (or at the target, if it did not run). Every register goes to the register
        /// file before (the callee reads any) and comes back after (it writes any); so do fflags and the TLB set.
        /// </summary>
        private void NestedCall()
        {
            var il = _il;
            for (int i = 1; i < 32; i++) if (_reg[i] is not null) StoreGuestRegisterToMemory(i);
            FlagsToHartBeforeCall();
            il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            il.Emit(OpCodes.Ldloc, _va);
            il.Emit(OpCodes.Ldarg_S, (byte)ArgBudget);
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Ldarg_S, (byte)ArgRetiredBase);
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Call, JitCallNested);
            il.Emit(OpCodes.Stloc, _exitResult);
            for (int i = 1; i < 32; i++)
            {
                if (_reg[i] is null) continue;
                LoadGuestRegisterFromMemory(i);
                il.Emit(OpCodes.Stloc, _reg[i]!);
            }
            HartStateBackAfterCall();
            // Nothing run (no region there, or its first block did not fit the budget): va still holds the target.
            var done = il.DefineLabel();
            var fault = il.DefineLabel();
            il.Emit(OpCodes.Ldloc, _exitResult);
            il.Emit(OpCodes.Ldc_I8, 0L);
            il.Emit(OpCodes.Blt, fault);
            il.Emit(OpCodes.Ldloc, _exitResult);
            il.Emit(OpCodes.Ldc_I8, 0L);
            il.Emit(OpCodes.Beq, done);
            // It ran n' > 0 instructions and left for hart._jitPc.
            il.Emit(OpCodes.Ldloc, _n);
            il.Emit(OpCodes.Ldloc, _exitResult);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, _n);
            HartFieldTo(JitPcField, _va);
            il.MarkLabel(done);
            _outOfLine.Add(() =>
            {
                // An instruction in the callee did not complete after ~r of its instructions: leave as it did, with
                // its pc (and next pc) in the hart and the caller's count added.
                il.MarkLabel(fault);
                HartFieldTo(JitPcField, _exitPc);
                il.Emit(OpCodes.Ldloc, _n);
                il.Emit(OpCodes.Ldloc, _exitResult);
                il.Emit(OpCodes.Not);
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Not);
                il.Emit(OpCodes.Stloc, _exitResult);
                il.Emit(OpCodes.Br, _epilogue);
            });
        }

        /// <summary>
        /// A CSR instruction, through the interpreter's handler. It may read or write fflags: the flags this region's
        /// F/D instructions raised go to the hart first (and the count restarts from what it holds after). A write
        /// of mstatus.SUM selects another TLB set, so the region takes the hart's current one again. A write that
        /// changes what the region assumed (satp, PMP, an interrupt made deliverable...) ends the chunk there.
        /// </summary>
        private void Csr(int off, DecodedInsn d)
        {
            FlagsToHartBeforeCall();
            CallHandler(off, d, JitCsr, _k);
            HartStateBackAfterCall();
        }

        /// <summary>
        /// Before a call that may read or write fflags (a CSR handler, a nested region): the flags raised so far go
        /// to the hart, and the local counts afresh.
        /// </summary>
        private void FlagsToHartBeforeCall()
        {
            if (_flags is null) return;
            FlagsToHart();
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Stloc, _flags);
        }

        /// <summary>After such a call: fflags as the hart now holds them, and its current TLB set (a SUM write switches sets).</summary>
        private void HartStateBackAfterCall()
        {
            if (_flags is not null) HartFieldTo(FflagsField, _flags);
            HartFieldTo(TlbField, _tlb);
        }

        /// <summary>local = hart.field.</summary>
        private void HartFieldTo(FieldInfo field, LocalBuilder local)
        {
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            _il.Emit(OpCodes.Ldfld, field);
            _il.Emit(OpCodes.Stloc, local);
        }

        /// <summary>
        /// fflags |= what the region's F/D instructions raised (they run inline only with FS Dirty, so FS needs no
        /// update): at every exit, and before a call that may read or write fflags.
        /// </summary>
        private void FlagsToHart()
        {
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            _il.Emit(OpCodes.Ldarg_S, (byte)ArgHart);
            _il.Emit(OpCodes.Ldfld, FflagsField);
            _il.Emit(OpCodes.Ldloc, _flags!);
            _il.Emit(OpCodes.Or);
            _il.Emit(OpCodes.Conv_U1);
            _il.Emit(OpCodes.Stfld, FflagsField);
        }

        private void FpRegisterAddress(int r)
        {
            _il.Emit(OpCodes.Ldloc, _fregs!);
            _il.Emit(OpCodes.Ldc_I4, r * 8);
            _il.Emit(OpCodes.Add);
        }

        private void GetFp(int r)
        {
            FpRegisterAddress(r);
            _il.Emit(OpCodes.Ldind_I8);
        }

        private void PublishRetiredAt(int k)
        {
            int saved = _k;
            _k = k;
            PublishRetired();
            _k = saved;
        }
    }
}
