using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// Loads, stores and fetches: a software TLB per access kind in front of Sv39 translation
/// (privileged spec 4.3-4.4) and PMP (3.7), then the physical bus.
/// The fast path is a tag compare and a host load; everything else is the slow path.
/// </summary>
public sealed unsafe partial class Hart
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TlbEntry
    {
        /// <summary>Virtual page address; an invalid entry holds MaxValue, which no aligned address matches.</summary>
        public ulong Tag;
        /// <summary>Host address of the page minus its virtual address.</summary>
        public long Addend;
    }

    internal const int TlbSize = 256;
    /// <summary>log2(sizeof(TlbEntry)): compiled code (RvEmu.Core.Jit) indexes the table itself.</summary>
    internal const int TlbEntryShift = 4;
    private const ulong TlbIndexMask = TlbSize - 1;
    private const ulong PageMask = 0xfff;

    // One TLB set per translation regime, as QEMU keeps one per mmu_idx: U, S, and S with mstatus.SUM set, for
    // each of a few address spaces, and one M set that no address space changes. A trap or xRET switches sets
    // instead of flushing, so a kernel's translations survive a system call, and so does a SUM toggle (Linux sets
    // and clears SUM around every access to user memory: get_user, put_user, copy_to_user).
    // Loads and stores use the set of the mode they translate in (DataMode: MPP's under MPRV, 3.1.6.3), fetches
    // that of the current mode, so MPRV and MPP changes switch the data set too and flush nothing. MXR is no part
    // of the tag: a load TLB entry is made only for a page readable without MXR (see Translate), which stays
    // right whatever MXR becomes.
    // Address spaces: a satp write selects the set group of its (MODE, ASID, PPN), taking the least recently
    // used group and emptying it when none matches. Writing satp does not invalidate translations (4.1.11:
    // "nor does it imply any invalidation of address-translation caches"); keying on the root as well as the
    // ASID keeps an OS that gives every address space ASID 0 exact too. QEMU and Spike flush on every satp
    // write; Linux, which uses ASIDs when satp has them (16 bits here), then keeps its processes' translations
    // across context switches. SFENCE.VMA empties every set, or one ASID's (rs2), or one page in every set (rs1);
    // PMP changes empty every set.
    private const int TlbAddressSpaces = 4;
    /// <summary>Regimes of an address space: U, S, S with SUM.</summary>
    private const int RegimesPerSpace = 3;
    private const int MachineSet = 0;
    private const int TlbSets = 1 + TlbAddressSpaces * RegimesPerSpace;
    /// <summary>Entries per set: TlbSize load entries, TlbSize store entries, TlbSize code-page store entries.</summary>
    private const int TlbTablesPerSet = 3;
    private const int TlbSetStride = TlbTablesPerSet * TlbSize;
    /// <summary>All sets: the M set, then each address space's U, S and S+SUM sets (see TlbSetOf).</summary>
    private TlbEntry* _tlbBase;
    /// <summary>The set loads and stores use now (DataMode's).</summary>
    private TlbEntry* _tlb;
    private TlbEntry* LoadTlb => _tlb;
    private TlbEntry* StoreTlb => _tlb + TlbSize;
    /// <summary>
    /// Stores to pages that hold code never use the store TLB (see CodePageAt); this second table lets them skip
    /// translation on the slow path: a tag compare, then the code check and the write (QEMU's notdirty path).
    /// </summary>
    private TlbEntry* CodeStoreTlb => _tlb + 2 * TlbSize;

    /// <summary>The satp value (MODE, ASID, PPN) each address space's sets hold translations of; MaxValue: none.</summary>
    private readonly ulong[] _spaceSatp = NewSpaceKeys();
    /// <summary>When each address space was last selected (a satp write), for choosing the one to empty.</summary>
    private readonly long[] _spaceUsed = new long[TlbAddressSpaces];
    private long _spaceClock;
    /// <summary>The current address space (index into _spaceSatp).</summary>
    private int _space;

    private static ulong[] NewSpaceKeys()
    {
        var keys = new ulong[TlbAddressSpaces];
        Array.Fill(keys, ulong.MaxValue);
        return keys;
    }

    /// <summary>
    /// The set for <paramref name="mode"/> in the current address space under the current mstatus. SUM only
    /// matters in S-mode (4.3.1: it lets S-mode loads and stores reach U pages).
    /// </summary>
    private int TlbSetOf(PrivilegeMode mode) => mode switch
    {
        PrivilegeMode.Machine => MachineSet,
        PrivilegeMode.Supervisor => 1 + _space * RegimesPerSpace + ((_mstatus & SUM) != 0 ? 2 : 1),
        _ => 1 + _space * RegimesPerSpace,
    };

    // Fetch TLB: virtual page → memory region and physical page, one per set like the data TLB. The decode
    // cache is looked up through the region each time the hart enters a page, so invalidated code never runs.
    // SUM does not change fetches (S-mode never executes U pages, 4.3.1), so S-mode's two sets share one: a SUM
    // toggle keeps the hart's fetch translations, and the interpreter's current page stays the fetch TLB's.
    private readonly ulong[][] _fetchTagSets = NewFetchSets<ulong>();
    private readonly MemoryRegion?[][] _fetchRegionSets = NewFetchSets<MemoryRegion?>();
    private readonly ulong[][] _fetchPhysSets = NewFetchSets<ulong>();

    private static T[][] NewFetchSets<T>()
    {
        var sets = new T[TlbSets][];
        sets[MachineSet] = new T[TlbSize];
        for (int space = 0; space < TlbAddressSpaces; space++)
        {
            int user = 1 + space * RegimesPerSpace;
            sets[user] = new T[TlbSize];
            sets[user + 1] = sets[user + 2] = new T[TlbSize]; // S with SUM fetches as S
        }
        return sets;
    }
    private ulong[] _fetchTag = null!;
    private MemoryRegion?[] _fetchRegion = null!;
    private ulong[] _fetchPhys = null!;

    /// <summary>
    /// Make the current sets those of the current mode, DataMode, mstatus and address space: after any change of
    /// privilege, of mstatus.SUM/MPRV/MPP, or of satp.
    /// </summary>
    private void SelectTlbSets()
    {
        _tlb = _tlbBase + TlbSetOf(DataMode) * TlbSetStride;
        int fetch = TlbSetOf(_priv);
        _fetchTag = _fetchTagSets[fetch];
        _fetchRegion = _fetchRegionSets[fetch];
        _fetchPhys = _fetchPhysSets[fetch];
    }

    /// <summary>
    /// satp now holds <paramref name="satp"/>: select its address space's sets, emptying the least recently used
    /// space's for it when it has none.
    /// </summary>
    private void SelectAddressSpace(ulong satp)
    {
        int space = Array.IndexOf(_spaceSatp, satp);
        if (space < 0)
        {
            space = 0;
            for (int i = 1; i < TlbAddressSpaces; i++)
                if (_spaceUsed[i] < _spaceUsed[space]) space = i;
            EmptyAddressSpace(space);
            _spaceSatp[space] = satp;
            _addressSpaceRefills++;
        }
        _spaceUsed[space] = ++_spaceClock;
        _space = space;
        SelectTlbSets();
    }

    private void EmptyAddressSpace(int space)
    {
        for (int set = 1 + space * RegimesPerSpace; set < 1 + (space + 1) * RegimesPerSpace; set++)
        {
            for (int i = 0; i < TlbSetStride; i++) _tlbBase[set * TlbSetStride + i].Tag = ulong.MaxValue;
            Array.Fill(_fetchTagSets[set], ulong.MaxValue);
        }
    }

    /// <summary>
    /// SFENCE.VMA x0, rs2 (4.2.1): the translations of address space <paramref name="asid"/> go, except that global
    /// mappings may stay: only the sets of a satp with that ASID hold any.
    /// </summary>
    private void FlushTlbAsid(ulong asid)
    {
        for (int space = 0; space < TlbAddressSpaces; space++)
            if (_spaceSatp[space] != ulong.MaxValue && ((_spaceSatp[space] >> 44) & 0xffff) == (asid & 0xffff))
                EmptyAddressSpace(space);
    }

    /// <summary>The value the last LR read (zero-extended), which the SC's compare-and-swap expects (see ExecuteAtomic).</summary>
    private ulong _reservedValue;

    private long _tlbFlushes, _addressSpaceRefills;

    /// <summary>Times this hart dropped every cached translation (statistics).</summary>
    public long TlbFlushes => _tlbFlushes;

    /// <summary>Times a satp write found no sets holding its address space and emptied some for it (statistics).</summary>
    public long AddressSpaceRefills => _addressSpaceRefills;

    /// <summary>Drop every cached translation of every set (sfence.vma, PMP changes, reset).</summary>
    public void FlushTlb()
    {
        _tlbFlushes++;
        for (int i = 0; i < TlbSets * TlbSetStride; i++) _tlbBase[i].Tag = ulong.MaxValue;
        _largePages = false;
        foreach (var tags in _fetchTagSets) Array.Fill(tags, ulong.MaxValue);
    }

    // ---- fast paths (inlined into the interpreter) ----
    // `retired` is the chunk's count of instructions retired before this one. The slow path publishes it,
    // so a device access (which may read mtime, itself derived from instructions under --icount) and any
    // trap see the exact count, without re-executing anything.

    /// <summary>
    /// Where the load slow path leaves its value. Passing the caller's own variable by reference would make it
    /// address-exposed in the interpreter loop (which inlines these), so that every load, fast path included,
    /// went through the stack: a store and a reload between the load and its destination register.
    /// </summary>
    private ulong _slowLoadValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load8(ulong va, out ulong v, long retired)
    {
        TlbEntry* e = LoadTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~PageMask)) { v = *(byte*)(e->Addend + (long)va); return true; }
        _chunkRetired = retired;
        bool ok = LoadSlow(va, 1, out _slowLoadValue);
        v = _slowLoadValue;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load16(ulong va, out ulong v, long retired)
    {
        TlbEntry* e = LoadTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 1))) { v = *(ushort*)(e->Addend + (long)va); return true; }
        _chunkRetired = retired;
        bool ok = LoadSlow(va, 2, out _slowLoadValue);
        v = _slowLoadValue;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load32(ulong va, out ulong v, long retired)
    {
        TlbEntry* e = LoadTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 3))) { v = *(uint*)(e->Addend + (long)va); return true; }
        _chunkRetired = retired;
        bool ok = LoadSlow(va, 4, out _slowLoadValue);
        v = _slowLoadValue;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load64(ulong va, out ulong v, long retired)
    {
        TlbEntry* e = LoadTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 7))) { v = *(ulong*)(e->Addend + (long)va); return true; }
        _chunkRetired = retired;
        bool ok = LoadSlow(va, 8, out _slowLoadValue);
        v = _slowLoadValue;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store8(ulong va, ulong v, long retired)
    {
        TlbEntry* e = StoreTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~PageMask)) { *(byte*)(e->Addend + (long)va) = (byte)v; return true; }
        _chunkRetired = retired;
        return StoreSlow(va, 1, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store16(ulong va, ulong v, long retired)
    {
        TlbEntry* e = StoreTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 1))) { *(ushort*)(e->Addend + (long)va) = (ushort)v; return true; }
        _chunkRetired = retired;
        return StoreSlow(va, 2, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store32(ulong va, ulong v, long retired)
    {
        TlbEntry* e = StoreTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 3))) { *(uint*)(e->Addend + (long)va) = (uint)v; return true; }
        _chunkRetired = retired;
        return StoreSlow(va, 4, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store64(ulong va, ulong v, long retired)
    {
        TlbEntry* e = StoreTlb + ((va >> 12) & TlbIndexMask);
        if (e->Tag == (va & ~(PageMask ^ 7))) { *(ulong*)(e->Addend + (long)va) = v; return true; }
        _chunkRetired = retired;
        return StoreSlow(va, 8, v);
    }

    // ---- slow paths ----

    /// <summary>Privilege used for loads and stores: MPP when mstatus.MPRV is set in M-mode (3.1.6.3).</summary>
    private PrivilegeMode DataMode =>
        _priv == PrivilegeMode.Machine && (_mstatus & MPRV) != 0 ? (PrivilegeMode)((_mstatus & MPP) >> MppShift) : _priv;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool LoadSlow(ulong va, int size, out ulong value)
    {
        value = 0;
        if ((va & (ulong)(size - 1)) != 0)
        {
            // Misaligned loads complete, byte by byte, even across pages (as QEMU's virt CPU).
            bool ok = true;
            for (int i = 0; i < size && ok; i++)
            {
                ok = LoadSlow(va + (ulong)i, 1, out ulong b);
                value |= b << (8 * i);
            }
            if (!ok) value = 0;
            return ok;
        }
        if (!Translate(va, size, AccessType.Load, DataMode, out ulong pa, out bool cacheable)) return false;
        var mem = _bus.FindMemory(pa);
        if (mem is not null)
        {
            byte* host = mem.Host + (pa - mem.Base);
            if (cacheable)
            {
                TlbEntry* e = LoadTlb + ((va >> 12) & TlbIndexMask);
                e->Tag = va & ~PageMask;
                e->Addend = (long)(host - (pa & PageMask)) - (long)(va & ~PageMask);
            }
            value = size switch { 1 => *host, 2 => *(ushort*)host, 4 => *(uint*)host, _ => *(ulong*)host };
            return true;
        }
        if (!_bus.Read(pa, size, out value)) return Raise(ExceptionCause.LoadAccessFault, va);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool StoreSlow(ulong va, int size, ulong value)
    {
        if ((va & (ulong)(size - 1)) != 0)
        {
            // Translate every byte first so that a fault leaves memory unchanged.
            for (int i = 0; i < size; i++)
                if (!Translate(va + (ulong)i, 1, AccessType.Store, DataMode, out _, out _)) return false;
            bool endChunk = false, ok = true;
            for (int i = 0; i < size && ok; i++)
            {
                if (StoreSlow(va + (ulong)i, 1, value >> (8 * i))) continue;
                if (_pendingCause == EndOfChunk) endChunk = true; // finish the remaining bytes first
                else ok = false;
            }
            if (!ok) return false;
            return !endChunk || Raise(EndOfChunk, 0);
        }
        TlbEntry* c = CodeStoreTlb + ((va >> 12) & TlbIndexMask);
        if (c->Tag == (va & ~PageMask))
        {
            byte* h = (byte*)(c->Addend + (long)va);
            var m = _bus.FindMemoryHosting(h)!;
            StoreToRam(m, m.Base + (ulong)(h - m.Host), va, size, value, cacheable: true);
            return true;
        }
        if (!Translate(va, size, AccessType.Store, DataMode, out ulong pa, out bool cacheable)) return false;
        var mem = _bus.FindMemory(pa);
        if (mem is not null && !mem.ReadOnly)
        {
            StoreToRam(mem, pa, va, size, value, cacheable);
            return true;
        }
        if (!_bus.Write(pa, size, value)) return Raise(ExceptionCause.StoreAccessFault, va);
        return ContinueAfterDeviceAccess();
    }

    /// <summary>A store to RAM that the store TLB did not serve: code and reservations first, then a TLB entry and the write.</summary>
    private void StoreToRam(MemoryRegion mem, ulong pa, ulong va, int size, ulong value, bool cacheable)
    {
        // Self-modifying code: drop the page's decoded instructions if the store overlaps them (visible after fence.i, spec ch. 3).
        if (mem.HasCode(pa)) mem.InvalidateCode(pa, (ulong)size);
        // A store breaks every hart's reservation on its granule; fast-path stores are caught by the
        // SC's value compare instead (ReservationTable remarks).
        _bus.Reservations.Break(pa, (ulong)size);
        byte* host = mem.Host + (pa - mem.Base);
        if (cacheable)
        {
            ulong tag = va & ~PageMask;
            long addend = (long)(host - (pa & PageMask)) - (long)tag;
            ulong index = (va >> 12) & TlbIndexMask;
            TlbEntry* c = CodeStoreTlb + index;
            if (!mem.HasCode(pa))
            {
                c->Tag = ulong.MaxValue;
                TlbEntry* e = StoreTlb + index;
                e->Addend = addend;
                Volatile.Write(ref e->Tag, tag);
                // The page may have become code since the check (another hart's CodePageAt): its scan of this
                // TLB may have run before the entry was written, so look again after a full barrier.
                Interlocked.MemoryBarrier();
                if (mem.HasCode(pa)) e->Tag = ulong.MaxValue;
            }
            else
            {
                // Code and data share the page (a program's .bss after its .text, a freed code page reused
                // for data): its stores stay on this path, whose code check is what keeps the decode cache exact.
                c->Addend = addend;
                c->Tag = tag;
            }
        }
        switch (size)
        {
            case 1: *host = (byte)value; break;
            case 2: *(ushort*)host = (ushort)value; break;
            case 4: *(uint*)host = (uint)value; break;
            default: *(ulong*)host = value; break;
        }
    }

    /// <summary>Physical address for an atomic access (LR/SC/AMO) at an aligned <paramref name="va"/>, or false with an exception raised.</summary>
    private bool TranslateAtomic(ulong va, int size, bool isLoadOnly, out ulong pa)
    {
        pa = 0;
        if ((va & (ulong)(size - 1)) != 0)
            return Raise(isLoadOnly ? ExceptionCause.LoadAddressMisaligned : ExceptionCause.StoreAddressMisaligned, va);
        return Translate(va, size, isLoadOnly ? AccessType.Load : AccessType.Store, DataMode, out pa, out _);
    }

    /// <summary>
    /// Virtual to physical, with permission and PMP checks for the <paramref name="size"/> bytes accessed
    /// (naturally aligned, so within one page). <paramref name="cacheable"/> tells whether the
    /// whole 4 KiB page may be entered in the TLB: PMP grants the whole page the same way, and a load's page is
    /// readable without mstatus.MXR (an entry made only because MXR was set would outlive it: MXR is no part of
    /// the TLB's tag).
    /// </summary>
    private bool Translate(ulong va, int size, AccessType type, PrivilegeMode mode, out ulong pa, out bool cacheable)
    {
        cacheable = false;
        pa = va;
        bool readableByMxrOnly = false;
        if (mode != PrivilegeMode.Machine && (_satp >> 60) == 8)
        {
            if (!WalkSv39(va, type, mode, out pa, out readableByMxrOnly)) return false;
        }
        if (PmpAllows(pa & ~PageMask, MemoryRegion.PageSize, type, mode)) cacheable = !readableByMxrOnly;
        // Every byte of the access must lie in the matching entry: a partial match fails (3.7.1.4).
        else if (!PmpAllows(pa, (ulong)size, type, mode)) return Raise(AccessFault(type), va);
        return true;
    }

    private static ExceptionCause AccessFault(AccessType t) => t switch
    {
        AccessType.Fetch => ExceptionCause.InstructionAccessFault,
        AccessType.Load => ExceptionCause.LoadAccessFault,
        _ => ExceptionCause.StoreAccessFault,
    };

    private static ExceptionCause PageFault(AccessType t) => t switch
    {
        AccessType.Fetch => ExceptionCause.InstructionPageFault,
        AccessType.Load => ExceptionCause.LoadPageFault,
        _ => ExceptionCause.StorePageFault,
    };

    // PTE bits (privileged spec 4.3.1, figure 4.18 for Sv39).
    private const ulong PteV = 1, PteR = 2, PteW = 4, PteX = 8, PteU = 16, PteA = 64, PteD = 128;
    private const ulong PpnMask = (1UL << 44) - 1;

    /// <summary>The Sv39 walk, reported to an observer that asks for page walks (the trace log's mmu events).</summary>
    private bool WalkSv39(ulong va, AccessType type, PrivilegeMode mode, out ulong pa, out bool readableByMxrOnly)
    {
        bool ok = WalkSv39Steps(va, type, mode, out pa, out readableByMxrOnly);
        (Observer as IPageWalkObserver)?.PageWalk(this, va, type, mode, pa, ok ? null : _pendingCause);
        return ok;
    }

    /// <summary>The Sv39 walk of privileged spec 4.3.2, with hardware A/D updates (as QEMU does).</summary>
    private bool WalkSv39Steps(ulong va, AccessType type, PrivilegeMode mode, out ulong pa, out bool readableByMxrOnly)
    {
        pa = 0;
        readableByMxrOnly = false;
        // Bits 63:39 must equal bit 38 (4.4.1), else a page fault.
        if (((long)va << 25 >> 25) != (long)va) return Raise(PageFault(type), va);
    restart:
        ulong table = (_satp & PpnMask) << 12;
        for (int level = 2; level >= 0; level--)
        {
            ulong pteAddr = table + ((va >> (12 + 9 * level)) & 511) * 8;
            // Implicit page-table accesses are checked by PMP as S-mode loads (3.7.2). Page tables live in
            // RAM: a PTE address on a device or in nothing is an access fault (the PMA check of 4.3.2 step 2),
            // so a walk never reads or writes device registers.
            var mem = _bus.FindMemory(pteAddr);
            if (mem is null || !PmpAllows(pteAddr, 8, AccessType.Load, PrivilegeMode.Supervisor))
                return Raise(AccessFault(type), va);
            long* ptePtr = (long*)(mem.Host + (pteAddr - mem.Base));
            ulong pte = (ulong)Volatile.Read(ref *ptePtr);
            // Reserved bits 63:54 (N, PBMT, reserved; extensions not implemented) must be zero.
            if ((pte & PteV) == 0 || ((pte & PteR) == 0 && (pte & PteW) != 0) || (pte >> 54) != 0)
                return Raise(PageFault(type), va);
            ulong ppn = (pte >> 10) & PpnMask;
            if ((pte & (PteR | PteX)) == 0)
            {
                if (level == 0) return Raise(PageFault(type), va);
                table = ppn << 12;
                continue;
            }
            // Leaf: permissions (4.3.1, 3.1.6.3 SUM and MXR).
            bool user = (pte & PteU) != 0;
            if (mode == PrivilegeMode.User && !user) return Raise(PageFault(type), va);
            if (mode == PrivilegeMode.Supervisor && user && (type == AccessType.Fetch || (_mstatus & SUM) == 0))
                return Raise(PageFault(type), va);
            bool allowed = type switch
            {
                AccessType.Fetch => (pte & PteX) != 0,
                AccessType.Load => (pte & PteR) != 0 || ((_mstatus & MXR) != 0 && (pte & PteX) != 0),
                _ => (pte & PteW) != 0,
            };
            if (!allowed) return Raise(PageFault(type), va);
            readableByMxrOnly = type == AccessType.Load && (pte & PteR) == 0;
            ulong levelMask = (1UL << (9 * level)) - 1;
            if ((ppn & levelMask) != 0) return Raise(PageFault(type), va); // misaligned superpage
            ulong newPte = pte | PteA | (type == AccessType.Store ? PteD : 0);
            if (newPte != pte)
            {
                if (mem.ReadOnly || !PmpAllows(pteAddr, 8, AccessType.Store, PrivilegeMode.Supervisor))
                    return Raise(AccessFault(type), va);
                // 4.3.2 step 7: the A/D update is atomic with respect to other accesses to the PTE, and must
                // act on the PTE the walk checked: if another hart changed it meanwhile, walk again.
                if (Interlocked.CompareExchange(ref *ptePtr, (long)newPte, (long)pte) != (long)pte) goto restart;
                if (mem.HasCode(pteAddr)) mem.InvalidateCode(pteAddr, 8);
                _bus.Reservations.Break(pteAddr, 8);
            }
            pa = LeafAddress(ppn, level, va);
            if (level > 0) NoteLargePage(va, level);
            return true;
        }
        return Raise(PageFault(type), va);
    }

    // ---- SFENCE.VMA of one page ----
    // The TLBs hold 4 KiB entries, also for translations through a superpage leaf, and SFENCE.VMA with rs1 names
    // any address of the leaf it fences (4.2.1): an entry of another 4 KiB page of the same megapage would
    // survive a one-page flush. So, as QEMU does, every superpage walked since the last full flush widens one
    // aligned virtual range, and a one-page SFENCE.VMA inside it flushes everything. Linux's superpages are its
    // linear map; its SFENCE.VMAs of user and vmalloc pages (tens of thousands in a boot) stay one-page flushes.
    private ulong _largePageBase, _largePageMask;
    private bool _largePages;

    private void NoteLargePage(ulong va, int level)
    {
        ulong mask = ~((1UL << (12 + 9 * level)) - 1);
        if (!_largePages)
        {
            _largePages = true;
            _largePageMask = mask;
        }
        else
        {
            mask &= _largePageMask;
            while (((_largePageBase ^ va) & mask) != 0) mask <<= 1; // widen until one aligned range holds both
            _largePageMask = mask;
        }
        _largePageBase = va & _largePageMask;
    }

    /// <summary>SFENCE.VMA rs1 (any ASID): drop the translations of the page holding <paramref name="va"/> in every mode's set.</summary>
    private void FlushTlbPage(ulong va)
    {
        ulong page = va & ~PageMask;
        if (_largePages && (page & _largePageMask) == _largePageBase) { FlushTlb(); return; }
        int i = (int)((va >> 12) & TlbIndexMask);
        for (int set = 0; set < TlbSets; set++)
        {
            TlbEntry* tables = _tlbBase + set * TlbSetStride;
            for (int t = 0; t < TlbTablesPerSet; t++)
                if (tables[t * TlbSize + i].Tag == page) tables[t * TlbSize + i].Tag = ulong.MaxValue;
            if (_fetchTagSets[set][i] == page) _fetchTagSets[set][i] = ulong.MaxValue;
        }
    }

    // ---- instruction fetch ----

    /// <summary>
    /// The decode cache for the page holding <paramref name="pc"/>, after translation and permission
    /// checks; null with an exception raised when the fetch faults. <paramref name="wholePage"/> is false
    /// when PMP grants execution on only part of the page: then every fetch from it must be checked
    /// again (3.7.1: each access is checked, not each page), so the caller must not remember the page.
    /// </summary>
    private CodePage? FetchPage(ulong pc, out bool wholePage)
    {
        ulong vpage = pc & ~PageMask;
        int i = (int)((pc >> 12) & TlbIndexMask);
        wholePage = true;
        if (_fetchTag[i] != vpage)
        {
            if (!Translate(pc, 2, AccessType.Fetch, _priv, out ulong pa, out bool cacheable)) return null;
            var mem = _bus.FindMemory(pa);
            if (mem is null) { Raise(ExceptionCause.InstructionAccessFault, pc); return null; }
            ulong pagePhys = pa & ~PageMask;
            if (!cacheable)
            {
                _fetchTag[i] = ulong.MaxValue;
                wholePage = false;
                return CodePageAt(mem, pagePhys);
            }
            _fetchTag[i] = vpage;
            _fetchRegion[i] = mem;
            _fetchPhys[i] = pagePhys;
        }
        return CodePageAt(_fetchRegion[i]!, _fetchPhys[i]);
    }

    private CodePage CodePageAt(MemoryRegion mem, ulong pagePhys)
    {
        var page = mem.DecodePage(pagePhys, out bool created);
        if (!created) return page;
        // A page that becomes code must not be written through any hart's store TLB, so that every store to it
        // takes the slow path and drops its decoded instructions (FenceI relies on it). DecodePage published
        // the page with a full barrier before this; StoreSlow checks HasCode after filling an entry: whichever
        // comes second sees the other (see StoreSlow).
        _bus.PageBecameCode((nint)(mem.Host + (pagePhys - mem.Base)));
        return page;
    }

    /// <summary>
    /// Drop every store-TLB entry (all modes) that maps the host page <paramref name="hostPage"/>: the page
    /// became code. Called from any hart's thread; a racing refill by this hart is caught by StoreSlow's recheck.
    /// </summary>
    internal void ForgetStoresTo(nint hostPage)
    {
        TlbEntry* tlb = _tlbBase;
        if (tlb == null) return;
        for (int set = 0; set < TlbSets; set++)
        {
            TlbEntry* store = tlb + set * TlbSetStride + TlbSize;
            for (int i = 0; i < TlbSize; i++)
            {
                ulong tag = store[i].Tag;
                if (tag != ulong.MaxValue && (nint)((long)tag + store[i].Addend) == hostPage)
                    Volatile.Write(ref store[i].Tag, ulong.MaxValue);
            }
        }
    }

    /// <summary>Decode the instruction at <paramref name="pc"/>, on <paramref name="page"/>.</summary>
    /// <returns>False with an exception raised when the second half of a page-crossing instruction faults.</returns>
    private bool DecodeAt(ulong pc, CodePage page, out DecodedInsn d)
    {
        var mem = page.Region;
        byte* p = mem.Host + (page.PagePhys - mem.Base) + (pc & PageMask);
        uint lo = *(ushort*)p;
        if (InstructionWord.IsCompressed(lo))
        {
            d = Decoder.Decode(lo);
            return true;
        }
        uint hi;
        if ((pc & PageMask) != PageMask - 1)
        {
            hi = *(ushort*)(p + 2);
        }
        else
        {
            // The instruction straddles two pages: fetch the upper parcel through translation.
            d = default;
            if (!Translate(pc + 2, 2, AccessType.Fetch, _priv, out ulong pa2, out _)) return false;
            var m2 = _bus.FindMemory(pa2);
            if (m2 is null) return Raise(ExceptionCause.InstructionAccessFault, pc + 2);
            hi = *(ushort*)(m2.Host + (pa2 - m2.Base));
        }
        d = Decoder.Decode(lo | hi << 16);
        return true;
    }

    // ---- debugger access (GDB stub): no TLB fill, no A/D update, no device access ----

    /// <summary>
    /// Translate <paramref name="va"/> as a debugger does (QEMU's cpu_get_phys_page_debug): through the
    /// hart's current Sv39 table when it translates data accesses, else identity. The walk reads the table
    /// without setting A/D bits or filling a TLB, and ignores permissions (a debugger may look at any mapped
    /// page). False when the address is not mapped.
    /// </summary>
    public bool TranslateForDebugger(ulong va, out ulong pa)
    {
        pa = va;
        if (DataMode == PrivilegeMode.Machine || (_satp >> 60) != 8) return true;
        if (((long)va << 25 >> 25) != (long)va) return false;
        ulong table = (_satp & PpnMask) << 12;
        for (int level = 2; level >= 0; level--)
        {
            var mem = _bus.FindMemory(table);
            if (mem is null) return false;
            ulong pteAddr = table + ((va >> (12 + 9 * level)) & 511) * 8;
            if (!mem.Contains(pteAddr, 8)) return false;
            ulong pte = (ulong)Volatile.Read(ref *(long*)(mem.Host + (pteAddr - mem.Base)));
            if ((pte & PteV) == 0 || ((pte & PteR) == 0 && (pte & PteW) != 0)) return false;
            ulong ppn = (pte >> 10) & PpnMask;
            if ((pte & (PteR | PteX)) == 0)
            {
                table = ppn << 12;
                continue;
            }
            pa = LeafAddress(ppn, level, va);
            return true;
        }
        return false;
    }

    /// <summary>The physical address a leaf PTE at <paramref name="level"/> maps <paramref name="va"/> to (a superpage keeps va's low bits, 4.3.2 step 8).</summary>
    private static ulong LeafAddress(ulong ppn, int level, ulong va)
    {
        ulong levelMask = (1UL << (9 * level)) - 1;
        return ((ppn & ~levelMask) << 12) | (va & ((1UL << (12 + 9 * level)) - 1));
    }

    /// <summary>
    /// The part of a debugger access at <paramref name="va"/> (<paramref name="remaining"/> bytes left) that lies in
    /// one page: its memory region, physical address and length. False when unmapped, not memory, or (for
    /// <paramref name="write"/>) read-only.
    /// </summary>
    private bool DebugChunk(ulong va, int remaining, bool write, out MemoryRegion mem, out ulong pa, out int chunk)
    {
        mem = null!;
        chunk = (int)Math.Min((ulong)remaining, MemoryRegion.PageSize - (va & PageMask));
        if (!TranslateForDebugger(va, out pa)) return false;
        var region = _bus.FindMemory(pa);
        if (region is null || (write && region.ReadOnly) || !region.Contains(pa, (ulong)chunk)) return false;
        mem = region;
        return true;
    }

    /// <summary>Read guest memory at virtual <paramref name="va"/> for a debugger: RAM and ROM only, page by page. False if any byte is unmapped or not memory.</summary>
    public bool ReadForDebugger(ulong va, Span<byte> destination)
    {
        for (int done = 0, chunk; done < destination.Length; done += chunk)
        {
            if (!DebugChunk(va + (ulong)done, destination.Length - done, write: false, out var mem, out ulong pa, out chunk)) return false;
            mem.AsSpan(pa, chunk).CopyTo(destination[done..]);
        }
        return true;
    }

    /// <summary>Write guest memory for a debugger (software breakpoints, <c>set var</c>): RAM only; decoded code on those bytes is dropped.</summary>
    public bool WriteForDebugger(ulong va, ReadOnlySpan<byte> source)
    {
        // Check every page first, so that a failure writes nothing.
        for (int done = 0, chunk; done < source.Length; done += chunk)
            if (!DebugChunk(va + (ulong)done, source.Length - done, write: true, out _, out _, out chunk)) return false;
        for (int done = 0, chunk; done < source.Length; done += chunk)
        {
            DebugChunk(va + (ulong)done, source.Length - done, write: true, out var mem, out ulong pa, out chunk);
            source.Slice(done, chunk).CopyTo(mem.AsSpan(pa, chunk));
            mem.InvalidateCode(pa, (ulong)chunk);
            _bus.Reservations.Break(pa, (ulong)chunk);
        }
        return true;
    }

    /// <summary>Read a 32-bit word of guest virtual memory as the hart would (for tests and debuggers); no side effects on failure.</summary>
    public bool TryReadVirtual(ulong va, int size, out ulong value)
    {
        var cause = _pendingCause;
        var tval = _pendingTval;
        bool ok = LoadSlow(va, size, out value);
        _pendingCause = cause;
        _pendingTval = tval;
        return ok;
    }
}

/// <summary>Receives the outcome of every Sv39 page walk; an <see cref="IHartObserver"/> that also implements it gets them.</summary>
public interface IPageWalkObserver
{
    /// <summary>A walk for <paramref name="access"/> at <paramref name="va"/> as <paramref name="mode"/> ended in <paramref name="pa"/>, or raised <paramref name="fault"/>.</summary>
    void PageWalk(Hart hart, ulong va, AccessType access, PrivilegeMode mode, ulong pa, ExceptionCause? fault);
}
