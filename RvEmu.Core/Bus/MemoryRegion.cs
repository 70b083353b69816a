using System.Runtime.InteropServices;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Bus;

/// <summary>
/// A block of host memory mapped into the guest physical address space (RAM or ROM), with the
/// per-page caches of decoded instructions that live on it. Unsafe code is confined here and in
/// the hart's memory fast path.
/// </summary>
public sealed unsafe class MemoryRegion : IDisposable
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    /// <summary>Decode-cache slots per page: one per 2-byte parcel, since instructions may start at any even address.</summary>
    public const int SlotsPerPage = PageSize / 2;

    public string Name { get; }
    public ulong Base { get; }
    public ulong Size { get; }
    public bool ReadOnly { get; }
    /// <summary>Host address of the region's first byte.</summary>
    public byte* Host { get; private set; }

    private readonly CodePage?[] _decodeCache;

    public MemoryRegion(string name, ulong @base, ulong size, bool readOnly = false)
    {
        if (size == 0 || (size & (PageSize - 1)) != 0) throw new ArgumentException($"{name}: size must be a non-zero multiple of 4 KiB");
        if ((@base & (PageSize - 1)) != 0) throw new ArgumentException($"{name}: base must be 4 KiB aligned");
        Name = name;
        Base = @base;
        Size = size;
        ReadOnly = readOnly;
        Host = (byte*)NativeMemory.AllocZeroed((nuint)size);
        _decodeCache = new CodePage?[size >> PageShift];
    }

    public bool Contains(ulong address) => address - Base < Size;

    /// <summary>True if [address, address+length) lies inside the region (overflow-safe).</summary>
    public bool Contains(ulong address, ulong length) => address - Base < Size && length <= Size - (address - Base);

    public Span<byte> AsSpan(ulong address, int length) => new(Host + (address - Base), length);

    /// <summary>
    /// The decode cache of the page holding <paramref name="address"/>, created empty on first use;
    /// <paramref name="created"/> says this call made it (the page has just become code).
    /// </summary>
    public CodePage DecodePage(ulong address, out bool created)
    {
        ulong page = (address - Base) >> PageShift;
        created = false;
        var current = Volatile.Read(ref _decodeCache[page]);
        if (current is not null) return current;
        // The budget is spent: start afresh, as QEMU flushes its whole translation cache when the buffer fills.
        if (Volatile.Read(ref _livePages) >= MaxCodePages) InvalidateAllCode();
        // Two harts entering a new page at once must share one CodePage, or one's compiled regions are lost.
        var fresh = new CodePage(this, Base + (page << PageShift));
        current = Interlocked.CompareExchange(ref _decodeCache[page], fresh, null);
        if (current is not null) return current;
        created = true;
        Interlocked.Increment(ref _codePagesCreated);
        Interlocked.Increment(ref _livePages);
        return fresh;
    }

    private long _codePagesCreated, _codeFlushes;
    private int _livePages;

    /// <summary>
    /// The decode-cache budget: at most this many pages hold decoded (and compiled) code at once; the next page
    /// to become code drops them all first. A page costs 32 KiB of decoded slots, plus the interpreter's runs and
    /// compiled regions where it has them; Linux's boot uses about 600 pages, so the default (2048 pages, 64 MiB
    /// of slots) only caps guests that run code from all over their memory. Settable before the guest starts.
    /// </summary>
    public int MaxCodePages { get; set; } = 2048;

    /// <summary>How many decode caches of pages were created (statistics: a page is created again after its code changed).</summary>
    public long CodePagesCreated => Interlocked.Read(ref _codePagesCreated);

    /// <summary>Pages that hold decoded code now (approximate while harts create and drop pages at the same time).</summary>
    public int LiveCodePages => Volatile.Read(ref _livePages);

    /// <summary>Times every decoded page was dropped at once (the decode-cache budget or the JIT's code budget).</summary>
    public long CodeFlushes => Interlocked.Read(ref _codeFlushes);

    /// <summary>The live decode cache of the page holding <paramref name="address"/>, or null (the JIT checks its work is not stale).</summary>
    public CodePage? CurrentCodePage(ulong address) => Volatile.Read(ref _decodeCache[(address - Base) >> PageShift]);

    /// <summary>True if instructions have been decoded from the page holding <paramref name="address"/>.</summary>
    public bool HasCode(ulong address) => _decodeCache[(address - Base) >> PageShift] is not null;

    /// <summary>Drop cached decodes for pages overlapping [address, address+length): the bytes changed.</summary>
    public void InvalidateCode(ulong address, ulong length)
    {
        if (length == 0) return;
        ulong first = (address - Base) >> PageShift, last = (address - Base + length - 1) >> PageShift;
        for (ulong p = first; p <= last && p < (ulong)_decodeCache.Length; p++)
        {
            var page = Volatile.Read(ref _decodeCache[p]);
            if (page is null) continue;
            long pageStart = (long)(p << PageShift), start = (long)(address - Base) - pageStart;
            if (page.Overlaps(start, start + (long)length) && Interlocked.CompareExchange(ref _decodeCache[p], null, page) == page)
                Interlocked.Decrement(ref _livePages);
        }
    }

    /// <summary>
    /// Drop every cached decode and compiled region (a code budget is spent). Harts running on a dropped page finish
    /// with it and fetch afresh when they leave it, or at FENCE.I, which is all Zifencei asks of a stale page.
    /// </summary>
    public void InvalidateAllCode()
    {
        Array.Clear(_decodeCache);
        Volatile.Write(ref _livePages, 0);
        Interlocked.Increment(ref _codeFlushes);
    }

    public void Dispose()
    {
        if (Host != null) NativeMemory.Free(Host);
        Host = null;
    }
}
