using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;
using RvEmu.Core.Jit;

namespace RvEmu.Core.Cpu;

/// <summary>
/// The hart's side of the JIT (RvEmu.Core.Jit): hot-code detection in the interpreter, and the state a
/// compiled region hands back when it exits. Compiled regions are entered from the interpreter loop only
/// (Hart.Execute.cs, <c>Op.JitEntry</c>), with the same step budget, so chunk ends, interrupts and
/// instruction counts are exactly those of the interpreter.
/// </summary>
public sealed unsafe partial class Hart
{
    private const int HeatSlots = 4096;
    private const int HeatMask = HeatSlots - 1;

    private JitEngine? _jit;
    /// <summary>Per-hart countdowns of taken control transfers by target (hashed): at zero the target is compiled.</summary>
    private ushort* _heat;

    /// <summary>Where a compiled region left off: the next pc, or the pc of the instruction that did not complete.</summary>
    internal ulong _jitPc;
    /// <summary>The pc after the instruction that did not complete (used when it was a device access that ended the chunk).</summary>
    internal ulong _jitNextPc;
    /// <summary>Instructions retired inside compiled regions since reset (a statistic for tests and `rvemu bench`).</summary>
    private long _jitRetired;

    /// <summary>Instructions this hart retired in compiled code.</summary>
    public long JitRetired => _jitRetired;

    /// <summary>
    /// The compiler this hart uses, or null for the interpreter alone (<c>--jit off</c>, the debugger).
    /// Set only while the hart is not running.
    /// </summary>
    public JitEngine? Jit
    {
        get => _jit;
        set
        {
            _jit = value;
            if (value is null) return;
            if (_heat == null) _heat = (ushort*)NativeMemory.Alloc(HeatSlots * sizeof(ushort));
            new Span<ushort>(_heat, HeatSlots).Fill(value.Threshold);
        }
    }

    /// <summary>How deep compiled regions call each other now (<see cref="JitCallNested"/>).</summary>
    private int _jitDepth;

    /// <summary>Most regions on the host stack at once: each level is a few host frames; deeper calls leave.</summary>
    internal const int MaxJitDepth = 8;

    /// <summary>
    /// An indirect call (JALR that links) in a compiled region, to <paramref name="target"/>: run the region
    /// compiled there directly, nested, instead of leaving to the interpreter loop and entering it from there.
    /// The callee gets what is left of the caller's budget and the exact retired count, and returns as it would
    /// to the loop (n &gt; 0 retired and hart._jitPc, 0, or ~n before an instruction that did not complete); the
    /// caller goes on at its own return site if the callee's return lands there. 0 too, as a region returns when
    /// its first block does not fit the budget, when there is no region at the target yet, its page is not in
    /// the fetch TLB (no page walk, nothing raised here), or the regions are nested <see cref="MaxJitDepth"/> deep. This is the jump cache QEMU's TCG looks
    /// indirect jumps up in, keyed by the fetch TLB and the decode cache that already exist.
    /// </summary>
    internal long JitCallNested(ulong target, long budget, long retiredBase)
    {
        if (_jitDepth >= MaxJitDepth || budget <= 0) return 0;
        int i = (int)((target >> 12) & TlbIndexMask);
        if (_fetchTag[i] != (target & ~PageMask)) return 0;
        var page = _fetchRegion[i]!.CurrentCodePage(_fetchPhys[i]);
        if (page is null) return 0;
        int slot = (int)(target & PageMask) >> 1;
        // Op first (acquire): a JitEntry slot's region is visible after it (JitEngine publishes it first).
        if (DecodedInsn.ReadOp(ref page.Slots[slot]) != Op.JitEntry) return 0;
        var block = page.Blocks![slot]!;
        _jitDepth++;
        long r = block.Run(this, _x, target & ~PageMask, budget, retiredBase);
        _jitDepth--;
        return r;
    }

    /// <summary>
    /// Hot-code detection: count a jump or taken branch of the interpreter loop towards compiling its target, which
    /// is on the loop's current fetch page or one the fetch TLB knows (traps and xRETs count theirs with CountTarget).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountJumpTarget(ulong target)
    {
        if (--_heat[(int)(target >> 1) & HeatMask] == 0) RequestCompile(target, _loopPageTag, _loopPage);
    }

    /// <summary>Count a control transfer the loop does not see as a branch (a trap, an xRET) towards compiling its target.</summary>
    private void CountTarget(ulong target)
    {
        if (--_heat[(int)(target >> 1) & HeatMask] == 0) RequestCompile(target, ulong.MaxValue, null);
    }

    /// <summary>
    /// A control transfer to <paramref name="target"/> became hot: ask for a region starting there. The
    /// target's page must already be known to the fetch TLB (it is, when the hart runs there), so this
    /// never walks page tables or raises anything.
    /// </summary>
    private void RequestCompile(ulong target, ulong pageTag, CodePage? codePage)
    {
        _heat[(int)(target >> 1) & HeatMask] = _jit!.Cooldown;
        ulong vpage = target & ~PageMask;
        if (vpage != pageTag || codePage is null)
        {
            int i = (int)((target >> 12) & TlbIndexMask);
            if (_fetchTag[i] != vpage) return;
            codePage = _fetchRegion[i]!.CurrentCodePage(_fetchPhys[i]);
            if (codePage is null) return;
        }
        _jit.Request(codePage, (int)(target & PageMask));
    }

    /// <summary>
    /// A CSR instruction in compiled code (the interpreter's own handler): false if it trapped, or, with
    /// <see cref="EndOfChunk"/> pending, if its write ends the chunk (<see cref="CsrWriteEndsChunk"/>); the region
    /// then leaves with the instruction retired, as after a device access that ends the chunk.
    /// </summary>
    internal bool JitCsr(Op op, ref DecodedInsn d) => ExecuteCsr(op, ref d, out bool endsChunk) && (!endsChunk || Raise(EndOfChunk, 0));

    // ---- operations compiled code calls ----
    // Not inlined into compiled regions: with JitRemuw inlined, one region of a random program (JitRandomLoopTests,
    // seed 60) read a register local truncated to 32 bits in a later instruction (srl s4,s2,s2 after
    // remuw s4,ra,s2): the host JIT's inlining into the DynamicMethod lost the upper half of s2. Calls cost a few
    // nanoseconds on these (rare, slow) operations; the other ops are plain CIL and unaffected.

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitMulh(ulong a, ulong b) => MulH(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitMulhsu(ulong a, ulong b) => MulHsu(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitMulhu(ulong a, ulong b) => MulHu(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitDiv(ulong a, ulong b) => Div(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitDivu(ulong a, ulong b) => DivU(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitRem(ulong a, ulong b) => Rem(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitRemu(ulong a, ulong b) => RemU(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitDivw(ulong a, ulong b) => DivW(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitDivuw(ulong a, ulong b) => DivUW(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitRemw(ulong a, ulong b) => RemW(a, b);
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong JitRemuw(ulong a, ulong b) => RemUW(a, b);
}
