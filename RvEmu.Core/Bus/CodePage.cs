using RvEmu.Core.Isa;
using RvEmu.Core.Jit;

namespace RvEmu.Core.Bus;

/// <summary>
/// What the harts know about one 4 KiB physical page of code: its decoded instructions (one slot per
/// 2-byte parcel) and the compiled regions that start on it. The whole object is dropped when the page's
/// bytes change (<see cref="MemoryRegion.InvalidateCode"/>) or on FENCE.I, so decoded and compiled code
/// die together and are collected.
/// </summary>
public sealed class CodePage
{
    public CodePage(MemoryRegion region, ulong pagePhys)
    {
        Region = region;
        PagePhys = pagePhys;
    }

    /// <summary>The memory the page lies in.</summary>
    public readonly MemoryRegion Region;

    /// <summary>The page's physical address.</summary>
    public readonly ulong PagePhys;

    /// <summary>Decoded instructions, indexed by (offset in page) / 2. Shared by every hart (see DecodedInsn.Publish).</summary>
    public readonly DecodedInsn[] Slots = GC.AllocateArray<DecodedInsn>(MemoryRegion.SlotsPerPage, pinned: true);

    /// <summary>
    /// The interpreter's straight-line runs by start slot (Hart.Runs.cs): copies of consecutive decoded slots, so the
    /// loop steps through an array instead of finding each next slot from the last one's length. Null until the first.
    /// </summary>
    internal DecodedInsn[]?[]? Runs;

    /// <summary>Compiled regions by slot; a slot whose Op is <see cref="Op.JitEntry"/> has one here. Null until the first.</summary>
    internal JitBlock?[]? Blocks;

    /// <summary>
    /// The byte range [CodeStart, CodeEnd) of the page that holds every instruction decoded or compiled from it.
    /// Only a write into that range drops the page (QEMU likewise invalidates only the translations a write
    /// overlaps): data that shares a page with code, as a program's .bss after its .text, stays cheap to write.
    /// It only grows, before the bytes are read, so every cached instruction is inside it.
    /// </summary>
    private int _codeStart = MemoryRegion.PageSize, _codeEnd;

    public int CodeStart => Volatile.Read(ref _codeStart);
    public int CodeEnd => Volatile.Read(ref _codeEnd);

    /// <summary>Widen the code range to cover [start, end) (page offsets; end may pass the page for a page-crossing instruction).</summary>
    public void NoteCode(int start, int end)
    {
        int s;
        while (start < (s = Volatile.Read(ref _codeStart)) && Interlocked.CompareExchange(ref _codeStart, start, s) != s) { }
        int e;
        while (end > (e = Volatile.Read(ref _codeEnd)) && Interlocked.CompareExchange(ref _codeEnd, end, e) != e) { }
    }

    /// <summary>True if a write to [start, end) (page offsets) may change a cached instruction.</summary>
    public bool Overlaps(long start, long end) => start < CodeEnd && end > CodeStart;

    /// <summary>One bit per slot: a compile of a region starting there was asked for (at most once per page lifetime).</summary>
    internal readonly ulong[] Requested = new ulong[MemoryRegion.SlotsPerPage / 64];
}
