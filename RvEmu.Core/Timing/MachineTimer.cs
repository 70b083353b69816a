using System.Diagnostics;

namespace RvEmu.Core.Timing;

/// <summary>
/// The platform's real-time counter (mtime), ticking at <see cref="Frequency"/> (10 MHz, the
/// timebase-frequency of QEMU's virt board). Either follows the host clock, or in deterministic
/// mode is derived from instructions retired, so that test runs are reproducible.
/// </summary>
public sealed class MachineTimer
{
    public const ulong Frequency = 10_000_000;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ulong _offset;

    /// <summary>When set, mtime = retired instructions / <see cref="InstructionsPerTick"/> + skipped time.</summary>
    public Func<ulong>? InstructionCounter { get; set; }

    /// <summary>Instructions per mtime tick in deterministic mode (10 = a 100 MIPS virtual machine).</summary>
    public ulong InstructionsPerTick { get; set; } = 10;

    public bool Deterministic => InstructionCounter is not null;

    /// <summary>Current mtime.</summary>
    public ulong Now
    {
        get
        {
            if (InstructionCounter is { } count) return count() / InstructionsPerTick + _offset;
            return (ulong)(_clock.Elapsed.Ticks * (long)(Frequency / TimeSpan.TicksPerSecond)) + _offset;
        }
    }

    /// <summary>Set mtime (a guest write to the CLINT's mtime register).</summary>
    public void Set(ulong value) => _offset += value - Now;

    /// <summary>Advance time to <paramref name="target"/> at once (deterministic mode: the hart waits in WFI).</summary>
    public void SkipTo(ulong target)
    {
        ulong now = Now;
        if (target > now) _offset += target - now;
    }

    /// <summary>Host time until mtime reaches <paramref name="target"/>.</summary>
    public TimeSpan Until(ulong target)
    {
        ulong now = Now;
        if (target <= now) return TimeSpan.Zero;
        ulong ticks = target - now;
        return ticks >= (ulong)TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)(ticks * (ulong)TimeSpan.TicksPerSecond / Frequency));
    }
}
