namespace RvEmu.Core.Tracing;

/// <summary>Kinds of events the trace log records (--trace-events).</summary>
[Flags]
public enum TraceEvents
{
    None = 0,
    /// <summary>Every instruction: mode, pc, raw bits, disassembly.</summary>
    Insn = 1 << 0,
    /// <summary>Register and memory writes of every instruction (spike --log-commits style).</summary>
    Commit = 1 << 1,
    /// <summary>Synchronous exceptions and xRET.</summary>
    Trap = 1 << 2,
    /// <summary>Interrupts taken.</summary>
    Irq = 1 << 3,
    /// <summary>Device register accesses.</summary>
    Mmio = 1 << 4,
    /// <summary>Virtio queue notifications, requests and interrupts.</summary>
    Virtio = 1 << 5,
    /// <summary>SBI calls (ecall from S-mode to the firmware).</summary>
    Sbi = 1 << 6,
    /// <summary>Page-table walks.</summary>
    Mmu = 1 << 7,
    /// <summary>Guest mistakes: unmapped accesses, writes to read-only registers, malformed virtqueues.</summary>
    GuestErrors = 1 << 8,

    /// <summary>What --trace records unless told otherwise.</summary>
    Default = Trap | Irq | GuestErrors,
}

/// <summary>Parses the comma-separated --trace-events list.</summary>
public static class TraceEventsParser
{
    private static readonly Dictionary<string, TraceEvents> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["insn"] = TraceEvents.Insn, ["commit"] = TraceEvents.Commit, ["trap"] = TraceEvents.Trap,
        ["irq"] = TraceEvents.Irq, ["mmio"] = TraceEvents.Mmio, ["virtio"] = TraceEvents.Virtio,
        ["sbi"] = TraceEvents.Sbi, ["mmu"] = TraceEvents.Mmu, ["guest-errors"] = TraceEvents.GuestErrors,
        ["default"] = TraceEvents.Default,
        ["all"] = (TraceEvents)((1 << 9) - 1),
    };

    public static IEnumerable<string> KnownNames => Names.Keys;

    /// <summary>Parse "insn,trap,..."; false with the offending word when a name is unknown.</summary>
    public static bool TryParse(string text, out TraceEvents events, out string? unknown)
    {
        events = TraceEvents.None;
        unknown = null;
        foreach (var word in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Names.TryGetValue(word, out var e)) { unknown = word; return false; }
            events |= e;
        }
        return true;
    }
}
