using RvEmu.Core.Cpu;

namespace RvEmu.Core.Tracing;

/// <summary>Which instructions' events are kept (--trace-from/--trace-to/--trace-pc/--trace-mode), and whose (--trace-hart).</summary>
public sealed record TraceFilter
{
    /// <summary>First instruction (by count retired) to trace.</summary>
    public ulong From { get; init; }
    /// <summary>Trace up to, not including, this instruction count.</summary>
    public ulong To { get; init; } = ulong.MaxValue;
    /// <summary>Lowest pc traced.</summary>
    public ulong PcLow { get; init; }
    /// <summary>Highest pc traced (inclusive).</summary>
    public ulong PcHigh { get; init; } = ulong.MaxValue;
    /// <summary>Only this privilege mode, or null for all.</summary>
    public PrivilegeMode? Mode { get; init; }

    /// <summary>Harts traced, one bit per hart id (--trace-hart); every hart by default.</summary>
    public ulong Harts { get; init; } = ulong.MaxValue;

    /// <summary>True if events of hart <paramref name="hartId"/> are kept; a negative id (no hart: the machine's I/O thread) always is.</summary>
    public bool AcceptsHart(int hartId) => hartId < 0 || hartId >= 64 || ((Harts >> hartId) & 1) != 0;

    public bool Accepts(ulong retired, ulong pc, PrivilegeMode mode) =>
        retired >= From && retired < To && pc >= PcLow && pc <= PcHigh && (Mode is null || Mode == mode);

    /// <summary>Parse "LO..HI" (hex with 0x, or decimal).</summary>
    public static bool TryParseRange(string text, out ulong lo, out ulong hi)
    {
        lo = hi = 0;
        var parts = text.Split("..");
        return parts.Length == 2 && TryParseNumber(parts[0], out lo) && TryParseNumber(parts[1], out hi) && lo <= hi;
    }

    public static bool TryParseNumber(string text, out ulong value)
    {
        text = text.Trim().Replace("_", "");
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out value);
        return ulong.TryParse(text, out value);
    }
}
