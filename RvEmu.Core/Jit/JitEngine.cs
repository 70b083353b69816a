using System.Collections.Concurrent;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Jit;

/// <summary>
/// The machine's JIT: takes requests from harts that found hot code, compiles regions on a background
/// thread (a hart never waits for the compiler: it keeps interpreting), and publishes them in the shared
/// decode cache. One engine serves every hart; compiled code is position-independent (the page's virtual
/// address is an argument), so harts and mappings share it.
/// </summary>
public sealed class JitEngine : IDisposable
{
    /// <summary>Taken control transfers to one target before it is compiled (<c>--jit-threshold</c>).</summary>
    public ushort Threshold { get; }

    /// <summary>The countdown a target restarts from after a request (it may have been refused or be in the queue).</summary>
    internal ushort Cooldown { get; }

    /// <summary>Compile on the requesting hart's thread instead of the background thread (tests: deterministic availability).</summary>
    public bool Synchronous { get; }

    /// <summary>Regions compiled before all compiled and decoded code is dropped and compilation starts afresh (QEMU's tb_flush when its buffer fills).</summary>
    public int MaxRegions { get; }

    /// <summary>
    /// Requests, newest first: code that just became hot is what the harts run now (a Linux boot queues hundreds of
    /// kernel regions; the user program that runs after it should not wait behind them).
    /// </summary>
    private readonly BlockingCollection<CompileRequest> _queue = new(new ConcurrentStack<CompileRequest>(), boundedCapacity: 4096);
    private readonly Thread? _thread;
    private int _regionsSinceFlush;
    private long _regionsCompiled, _regionsRefused, _flushes, _compileTicks, _instructionsCompiled;

    private sealed record CompileRequest(CodePage Page, int Offset);

    public JitEngine(int threshold, bool synchronous = false, int maxRegions = 32768)
    {
        if (threshold < 1 || threshold > 60000) throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be 1..60000");
        Threshold = (ushort)threshold;
        Cooldown = (ushort)Math.Min(60000, threshold * 8);
        Synchronous = synchronous;
        MaxRegions = maxRegions;
        if (!synchronous)
        {
            _thread = new Thread(CompileLoop) { IsBackground = true, Name = "rvemu jit", Priority = ThreadPriority.BelowNormal };
            _thread.Start();
        }
    }

    /// <summary>Regions compiled and published so far.</summary>
    public long RegionsCompiled => Interlocked.Read(ref _regionsCompiled);
    /// <summary>Requests that gave no region (the first instruction cannot be compiled, or the page changed).</summary>
    public long RegionsRefused => Interlocked.Read(ref _regionsRefused);
    /// <summary>Host time spent compiling.</summary>
    public TimeSpan CompileTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _compileTicks));
    /// <summary>Guest instructions in all regions compiled (an instruction in several regions counts in each).</summary>
    public long InstructionsCompiled => Interlocked.Read(ref _instructionsCompiled);
    /// <summary>The last compiler failure (a bug in RvEmu: the region is interpreted instead), or null.</summary>
    public string? LastError { get; private set; }
    /// <summary>Times the code budget was reached and every compiled region dropped.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>A hart asks for a region starting at <paramref name="offset"/> in a page; once per page lifetime per offset.</summary>
    internal void Request(CodePage page, int offset)
    {
        ref ulong word = ref RequestedWord(page, offset, out ulong bit);
        if ((Interlocked.Or(ref word, bit) & bit) != 0) return;
        var request = new CompileRequest(page, offset);
        if (Synchronous) Compile(request);
        else if (!_queue.TryAdd(request)) Interlocked.And(ref word, ~bit); // full: ask again later
    }

    /// <summary>The word and bit of <see cref="CodePage.Requested"/> for the slot at page offset <paramref name="offset"/>.</summary>
    private static ref ulong RequestedWord(CodePage page, int offset, out ulong bit)
    {
        int slot = offset >> 1;
        bit = 1UL << (slot & 63);
        return ref page.Requested[slot >> 6];
    }

    private void CompileLoop()
    {
        try
        {
            JitCompiler.WarmUp();
        }
        catch (Exception e)
        {
            // Only a head start: a failure here (a bug in RvEmu) shows in the statistics and costs nothing else.
            LastError = e.Message;
        }
        try
        {
            foreach (var request in _queue.GetConsumingEnumerable()) Compile(request);
        }
        catch (ObjectDisposedException) { }
    }

    private void Compile(CompileRequest r)
    {
        // A page whose bytes changed has a new CodePage: work for the old one is wasted.
        if (r.Page.Region.CurrentCodePage(r.Page.PagePhys) != r.Page) { Interlocked.Increment(ref _regionsRefused); return; }
        ref DecodedInsn slot = ref r.Page.Slots[r.Offset >> 1];
        // Op first (acquire), then the operands: a hart may be filling the slot right now (DecodedInsn.Publish).
        Op op = DecodedInsn.ReadOp(ref slot);
        if (op == Op.JitEntry) return;
        if (op == Op.Undecoded)
        {
            // Not run yet (the heat counters are hashed, so a target can look hot early): allow a later request.
            ref ulong word = ref RequestedWord(r.Page, r.Offset, out ulong bit);
            Interlocked.And(ref word, ~bit);
            Interlocked.Increment(ref _regionsRefused);
            return;
        }
        var original = slot;
        original.Op = op;

        JitBlock? block;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            block = JitCompiler.Compile(r.Page, r.Offset, original);
            Interlocked.Add(ref _compileTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            if (block is not null) Interlocked.Add(ref _instructionsCompiled, block.InstructionCount);
        }
        catch (Exception e) when (e is InvalidProgramException or NotSupportedException or InvalidOperationException)
        {
            // A compiler bug must not take the guest down: the interpreter keeps running this code.
            LastError = e.Message;
            block = null;
        }
        if (block is null) { Interlocked.Increment(ref _regionsRefused); return; }

        if (Interlocked.Increment(ref _regionsSinceFlush) > MaxRegions)
        {
            // The code budget is spent: drop every decoded and compiled page and start again. Harts running
            // stale pages finish them and fetch afresh, as after FENCE.I.
            Interlocked.Exchange(ref _regionsSinceFlush, 0);
            Interlocked.Increment(ref _flushes);
            r.Page.Region.InvalidateAllCode();
            return;
        }

        lock (r.Page)
        {
            var blocks = r.Page.Blocks ??= new JitBlock?[MemoryRegion.SlotsPerPage];
            Volatile.Write(ref blocks[r.Offset >> 1], block);
        }
        // Publish: the slot's Op becomes JitEntry only if it still holds the instruction the region was compiled
        // from; readers see the block (written above) whenever they see the new Op.
        ref ushort opCell = ref System.Runtime.CompilerServices.Unsafe.As<Op, ushort>(ref slot.Op);
        if (Interlocked.CompareExchange(ref opCell, (ushort)Op.JitEntry, (ushort)op) != (ushort)op)
        {
            Interlocked.Increment(ref _regionsRefused);
            return;
        }
        // The interpreter's runs on this page were built without the region: ones that pass its entry would keep
        // running its code interpreted after falling through into it. Drop them; they are rebuilt on use.
        Volatile.Write(ref r.Page.Runs, null);
        Interlocked.Increment(ref _regionsCompiled);
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _queue.Dispose();
    }
}
