namespace RvEmu.Core.Bus;

/// <summary>
/// A device mapped into the physical address space. The bus passes offsets relative to the
/// device's base; an access is 1, 2, 4 or 8 bytes and the access is naturally aligned.
/// Devices see only the bus: interrupts leave a device through <see cref="IIrqLine"/>,
/// DMA goes through <see cref="IGuestMemory"/>.
/// </summary>
public interface IMmioDevice
{
    /// <summary>Short name for traces and errors ("uart", "clint").</summary>
    string Name { get; }

    /// <summary>Read a register. Return false to make the access fault (for example an unsupported width).</summary>
    bool Read(ulong offset, int size, out ulong value);

    /// <summary>Write a register. Return false to make the access fault.</summary>
    bool Write(ulong offset, int size, ulong value);

    /// <summary>The datasheet name of the register at <paramref name="offset"/>, for traces; null if unknown.</summary>
    string? RegisterName(ulong offset) => null;
}

/// <summary>An interrupt line: level-triggered, driven by one device.</summary>
public interface IIrqLine
{
    /// <summary>Drive the line high (true) or low.</summary>
    void Set(bool level);
}

/// <summary>
/// Guest physical memory as a DMA master sees it: RAM only, bounds-checked, never throwing.
/// Writes invalidate any decoded instructions cached for the bytes they change.
/// </summary>
public interface IGuestMemory
{
    /// <summary>Copy guest memory at <paramref name="address"/> into <paramref name="destination"/>. False if any byte is outside RAM.</summary>
    bool Read(ulong address, Span<byte> destination);

    /// <summary>Copy <paramref name="source"/> into guest memory. False (and nothing written) if any byte is outside RAM.</summary>
    bool Write(ulong address, ReadOnlySpan<byte> source);

    /// <summary>True if [address, address+length) lies entirely in one RAM region.</summary>
    bool IsRam(ulong address, ulong length);
}

/// <summary>A device that needs to be told about the passage of time or host events, on the hart thread.</summary>
public interface IPolledDevice
{
    /// <summary>Called between instruction chunks on the emulation thread; devices update their lines here.</summary>
    void Poll();

    /// <summary>
    /// The mtime value at which this device next needs <see cref="Poll"/> (a timer compare), or
    /// <see cref="ulong.MaxValue"/>. A hart waiting in WFI sleeps until the earliest deadline or a host event.
    /// </summary>
    ulong NextDeadline => ulong.MaxValue;
}
