using System.Runtime.CompilerServices;
using RvEmu.Core.Cpu;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Jit;

/// <summary>
/// A compiled region's entry point: runs guest code from the region's first instruction until it leaves the
/// region, runs out of budget, or meets an instruction that does not complete on its own.
/// </summary>
/// <param name="hart">The running hart.</param>
/// <param name="x">The hart's integer register file.</param>
/// <param name="pcBase">The virtual address of the region's page (the same physical page may be mapped at several).</param>
/// <param name="budget">Most instructions to retire: the region stops before a block that would exceed it.</param>
/// <param name="retiredBase">Instructions the hart retired in this chunk before the region (for exact counts in slow paths).</param>
/// <returns>
/// n &gt; 0: n instructions retired, continue at <c>hart._jitPc</c>. 0: none (the budget is below the first block).
/// n &lt; 0: ~n retired, then the instruction at <c>_jitPc</c> raised a trap or ended the chunk (<c>_jitNextPc</c> follows it).
/// </returns>
internal unsafe delegate long JitFunction(Hart hart, ulong* x, ulong pcBase, long budget, long retiredBase);

/// <summary>
/// One compiled region of a code page: a set of basic blocks reached from one entry, as host code.
/// Owned by its <see cref="Bus.CodePage"/>; dropped (and collected) with it.
/// </summary>
internal sealed class JitBlock
{
    /// <summary>The decode of the entry slot before it was marked <see cref="Op.JitEntry"/>: the interpreter runs it when the region cannot.</summary>
    public DecodedInsn Original;

    /// <summary>Decoded instructions the region hands to the interpreter's handlers (F, D, A), by index.</summary>
    public readonly DecodedInsn[] Helpers;

    /// <summary>Guest instructions in the region.</summary>
    public readonly int InstructionCount;

    private JitFunction _function = null!;

    public JitBlock(DecodedInsn[] helpers, int instructionCount)
    {
        Helpers = helpers;
        InstructionCount = instructionCount;
    }

    internal void SetFunction(JitFunction function) => _function = function;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe long Run(Hart hart, ulong* x, ulong pcBase, long budget, long retiredBase) =>
        _function(hart, x, pcBase, budget, retiredBase);
}
