using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>F and D extensions (unprivileged spec ch. 11-12). Not implemented yet: every FP instruction is illegal.</summary>
public sealed partial class Hart
{
    /// <summary>Whether F and D are implemented (reported in misa and the device tree).</summary>
    public const bool FloatingPointImplemented = false;

    /// <summary>Execute an F/D instruction. False with an exception raised when illegal.</summary>
    private bool ExecuteFloat(ref DecodedInsn d) => Raise(ExceptionCause.IllegalInstruction, d.Raw);
}
