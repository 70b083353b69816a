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
    /// <summary>Decoded instructions, indexed by (offset in page) / 2. Shared by every hart (see DecodedInsn.Publish).</summary>
    public readonly DecodedInsn[] Slots = new DecodedInsn[MemoryRegion.SlotsPerPage];

    /// <summary>Compiled regions by slot; a slot whose Op is <see cref="Op.JitEntry"/> has one here. Null until the first.</summary>
    internal JitBlock?[]? Blocks;

    /// <summary>One bit per slot: a compile of a region starting there was asked for (at most once per page lifetime).</summary>
    internal readonly ulong[] Requested = new ulong[MemoryRegion.SlotsPerPage / 64];
}
