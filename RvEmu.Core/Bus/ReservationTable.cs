namespace RvEmu.Core.Bus;

/// <summary>
/// The LR/SC reservations of every hart on one bus (unprivileged spec 8.2, "Zalrsc"), kept where every
/// writer of memory can reach them: harts break each other's reservations with their slow-path stores,
/// AMOs and SCs, and DMA masters break them through <see cref="PhysicalBus"/>.
/// </summary>
/// <remarks>
/// A reservation is one naturally aligned 8-byte granule (the reservation set the spec lets an
/// implementation choose, 8.2). Each slot is written by its own hart (LR, SC) and cleared by anyone with a
/// compare-exchange, so a break racing with the owner's SC is never lost: either the SC sees the slot
/// cleared and fails, or it consumed the reservation first and the breaking write is ordered after it.
/// Plain stores that hit a hart's TLB fast path do not come here; the SC catches them by comparing the
/// value it reserved (see Hart.ExecuteAtomic).
/// </remarks>
public sealed class ReservationTable
{
    /// <summary>The value of an empty slot: no aligned granule has this address.</summary>
    public const ulong None = ulong.MaxValue;

    /// <summary>Slots are 64 bytes apart so harts on different host cores do not share a cache line.</summary>
    private const int Stride = 8;

    /// <summary>Hart ids RvEmu supports on one bus (the virt board has at most 8; room for more).</summary>
    public const int MaxHarts = 64;

    private readonly long[] _slots;
    private int _harts;

    public ReservationTable()
    {
        _slots = new long[MaxHarts * Stride];
        Array.Fill(_slots, unchecked((long)None));
    }

    /// <summary>Make room for hart <paramref name="hartId"/> (called once per hart as the machine is built).</summary>
    public void Register(int hartId)
    {
        if ((uint)hartId >= MaxHarts) throw new ArgumentOutOfRangeException(nameof(hartId), $"hart ids must be below {MaxHarts}");
        if (hartId >= _harts) _harts = hartId + 1;
    }

    /// <summary>The granule an LR of <paramref name="hartId"/> reserved: replaces any earlier reservation.</summary>
    public void Reserve(int hartId, ulong address) =>
        Volatile.Write(ref _slots[hartId * Stride], unchecked((long)(address & ~7UL)));

    /// <summary>
    /// SC: true if <paramref name="hartId"/> still holds the granule of <paramref name="address"/>. The
    /// reservation is consumed either way ("an SC must fail if there is another SC between the LR and the SC").
    /// </summary>
    public bool Consume(int hartId, ulong address) =>
        (ulong)Interlocked.Exchange(ref _slots[hartId * Stride], unchecked((long)None)) == (address & ~7UL);

    /// <summary>Drop every reservation whose granule overlaps [address, address+length): those bytes were written.</summary>
    public void Break(ulong address, ulong length)
    {
        if (length == 0) return;
        ulong first = address & ~7UL, last = (address + length - 1) & ~7UL;
        for (int h = 0; h < _harts; h++)
        {
            ref long slot = ref _slots[h * Stride];
            ulong g = (ulong)Volatile.Read(ref slot);
            if (g != None && g >= first && g <= last)
                Interlocked.CompareExchange(ref slot, unchecked((long)None), unchecked((long)g));
        }
    }

    /// <summary>Clear the reservation of <paramref name="hartId"/> (reset, trap: privileged 3.3.2 lets xRET/traps keep it, reset does not).</summary>
    public void Clear(int hartId) => Volatile.Write(ref _slots[hartId * Stride], unchecked((long)None));

    /// <summary>The granule <paramref name="hartId"/> holds, or <see cref="None"/> (for tests and the debugger).</summary>
    public ulong Held(int hartId) => (ulong)Volatile.Read(ref _slots[hartId * Stride]);
}
