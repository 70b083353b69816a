using System.Buffers.Binary;

namespace RvEmu.Core.Bus;

/// <summary>
/// The physical address space: memory regions (RAM, ROM) and MMIO devices, each over a half-open
/// range [base, base+size). This is the slow path; the hart's TLB reaches memory regions directly.
/// </summary>
/// <remarks>
/// Concurrency (several harts on host threads): RAM is shared without locks, as real memory is; the
/// harts' own code orders it (see Hart.ExecuteAtomic). Devices are serialised by one lock,
/// <see cref="DeviceLock"/>, held for every register access and every poll: device models are small
/// state machines written as single-threaded code, a device access is rare next to RAM accesses, and an
/// uncontended lock costs tens of nanoseconds, so a lock per device would buy nothing but lock-order
/// hazards (a virtio notify raises a PLIC line that drives a hart line). QEMU serialises its devices
/// the same way (the big QEMU lock). DMA that a device does inside a register write runs under the lock.
/// </remarks>
public sealed class PhysicalBus : IGuestMemory
{
    /// <summary>Held for every device register access and device poll (see remarks). Re-entrant.</summary>
    public object DeviceLock { get; } = new();

    /// <summary>The LR/SC reservations of the harts on this bus; DMA writes break them.</summary>
    public ReservationTable Reservations { get; } = new();

    /// <summary>The harts whose store TLBs must forget a page that becomes code (see <see cref="PageBecameCode"/>).</summary>
    private Cpu.Hart[] _harts = Array.Empty<Cpu.Hart>();

    internal void AttachHart(Cpu.Hart hart)
    {
        lock (DeviceLock) _harts = _harts.Append(hart).ToArray();
    }

    internal void DetachHart(Cpu.Hart hart)
    {
        lock (DeviceLock) _harts = _harts.Where(h => h != hart).ToArray();
    }

    /// <summary>
    /// The host page <paramref name="hostPage"/> of RAM now holds decoded code: no hart may keep writing it on
    /// its store-TLB fast path, so that every store reaches the slow path, which invalidates the code (QEMU
    /// write-protects a page in every vCPU's TLB when it translates code from it: tlb_protect_code).
    /// </summary>
    internal void PageBecameCode(nint hostPage)
    {
        foreach (var hart in Volatile.Read(ref _harts)) hart.ForgetStoresTo(hostPage);
    }

    private readonly record struct Mapping(ulong Base, ulong Size, IMmioDevice Device);

    private MemoryRegion[] _memory = Array.Empty<MemoryRegion>();
    private Mapping[] _devices = Array.Empty<Mapping>();

    /// <summary>Observer of device accesses (the trace log); null when nobody listens.</summary>
    public IBusObserver? Observer { get; set; }

    public IReadOnlyList<MemoryRegion> MemoryRegions => _memory;

    public void AddMemory(MemoryRegion region)
    {
        CheckFree(region.Base, region.Size, region.Name);
        int at = 0;
        while (at < _memory.Length && _memory[at].Base < region.Base) at++;
        _memory = InsertedAt(_memory, at, region);
    }

    public void AddDevice(ulong @base, ulong size, IMmioDevice device)
    {
        if (size == 0 || @base + size < @base) throw new ArgumentException($"{device.Name}: bad range");
        CheckFree(@base, size, device.Name);
        int at = 0;
        while (at < _devices.Length && _devices[at].Base < @base) at++;
        _devices = InsertedAt(_devices, at, new Mapping(@base, size, device));
    }

    /// <summary>A copy of <paramref name="items"/> with <paramref name="item"/> at <paramref name="at"/> (the tables stay sorted by base).</summary>
    /// <remarks>A loop and Array.Copy rather than LINQ: machine creation is on the start-up path, and LINQ over
    /// these types is jitted there (ReadyToRun has no code for those instantiations).</remarks>
    private static T[] InsertedAt<T>(T[] items, int at, T item)
    {
        var result = new T[items.Length + 1];
        Array.Copy(items, result, at);
        result[at] = item;
        Array.Copy(items, at, result, at + 1, items.Length - at);
        return result;
    }

    private void CheckFree(ulong @base, ulong size, string name)
    {
        foreach (var r in _memory)
            if (@base < r.Base + r.Size && r.Base < @base + size) throw new ArgumentException($"{name} overlaps {r.Name}");
        foreach (var m in _devices)
            if (@base < m.Base + m.Size && m.Base < @base + size) throw new ArgumentException($"{name} overlaps {m.Device.Name}");
    }

    /// <summary>The memory region whose host memory holds <paramref name="host"/>, or null.</summary>
    public unsafe MemoryRegion? FindMemoryHosting(byte* host)
    {
        foreach (var r in _memory)
            if ((ulong)(host - r.Host) < r.Size) return r;
        return null;
    }

    /// <summary>The memory region containing <paramref name="address"/>, or null.</summary>
    public MemoryRegion? FindMemory(ulong address)
    {
        foreach (var r in _memory)
            if (r.Contains(address)) return r;
        return null;
    }

    /// <summary>The device mapped at <paramref name="address"/> and the offset into it.</summary>
    public IMmioDevice? FindDevice(ulong address, out ulong offset)
    {
        foreach (var m in _devices)
        {
            if (address - m.Base < m.Size)
            {
                offset = address - m.Base;
                return m.Device;
            }
        }
        offset = 0;
        return null;
    }

    /// <summary>Physical read of 1, 2, 4 or 8 bytes. False means an access fault.</summary>
    public unsafe bool Read(ulong address, int size, out ulong value)
    {
        var mem = FindMemory(address);
        if (mem is not null)
        {
            if (!mem.Contains(address, (ulong)size)) { value = 0; return false; }
            byte* p = mem.Host + (address - mem.Base);
            value = size switch { 1 => *p, 2 => *(ushort*)p, 4 => *(uint*)p, _ => *(ulong*)p };
            return true;
        }
        var dev = FindDevice(address, out ulong offset);
        if (dev is null || (address & (ulong)(size - 1)) != 0)
        {
            value = 0;
            Observer?.GuestError($"read of {size} bytes at unmapped or misaligned physical address 0x{address:x}");
            return false;
        }
        lock (DeviceLock)
        {
            bool ok = dev.Read(offset, size, out value);
            Observer?.DeviceAccess(dev, offset, size, value, isWrite: false, ok);
            return ok;
        }
    }

    /// <summary>Physical write of 1, 2, 4 or 8 bytes. False means an access fault. Invalidates decoded code it overwrites.</summary>
    public unsafe bool Write(ulong address, int size, ulong value)
    {
        var mem = FindMemory(address);
        if (mem is not null)
        {
            if (mem.ReadOnly || !mem.Contains(address, (ulong)size)) return false;
            if (mem.HasCode(address)) mem.InvalidateCode(address, (ulong)size);
            Reservations.Break(address, (ulong)size);
            byte* p = mem.Host + (address - mem.Base);
            switch (size)
            {
                case 1: *p = (byte)value; break;
                case 2: *(ushort*)p = (ushort)value; break;
                case 4: *(uint*)p = (uint)value; break;
                default: *(ulong*)p = value; break;
            }
            return true;
        }
        var dev = FindDevice(address, out ulong offset);
        if (dev is null || (address & (ulong)(size - 1)) != 0)
        {
            Observer?.GuestError($"write of {size} bytes at unmapped or misaligned physical address 0x{address:x}");
            return false;
        }
        lock (DeviceLock)
        {
            bool ok = dev.Write(offset, size, value);
            Observer?.DeviceAccess(dev, offset, size, value, isWrite: true, ok);
            return ok;
        }
    }

    // IGuestMemory: DMA into RAM regions only (ROM is read-only to DMA as well).

    bool IGuestMemory.Read(ulong address, Span<byte> destination)
    {
        var mem = FindMemory(address);
        if (mem is null || !mem.Contains(address, (ulong)destination.Length)) return false;
        mem.AsSpan(address, destination.Length).CopyTo(destination);
        return true;
    }

    bool IGuestMemory.Write(ulong address, ReadOnlySpan<byte> source)
    {
        var mem = FindMemory(address);
        if (mem is null || mem.ReadOnly || !mem.Contains(address, (ulong)source.Length)) return false;
        mem.InvalidateCode(address, (ulong)source.Length);
        source.CopyTo(mem.AsSpan(address, source.Length));
        // A write by another bus master breaks a reservation on the bytes it changes (unprivileged 8.2).
        Reservations.Break(address, (ulong)source.Length);
        return true;
    }

    bool IGuestMemory.IsRam(ulong address, ulong length)
    {
        var mem = FindMemory(address);
        return mem is not null && !mem.ReadOnly && mem.Contains(address, length);
    }

    /// <summary>Load bytes into memory regardless of read-only (used by loaders to fill ROM and RAM).</summary>
    public bool Load(ulong address, ReadOnlySpan<byte> data)
    {
        var mem = FindMemory(address);
        if (mem is null || !mem.Contains(address, (ulong)data.Length)) return false;
        mem.InvalidateCode(address, (ulong)data.Length);
        data.CopyTo(mem.AsSpan(address, data.Length));
        return true;
    }

    /// <summary>Little-endian helpers for devices and tests working on guest memory.</summary>
    public ulong ReadUInt64(ulong address) { Span<byte> b = stackalloc byte[8]; return ((IGuestMemory)this).Read(address, b) ? BinaryPrimitives.ReadUInt64LittleEndian(b) : 0; }
}

/// <summary>Receives bus events for the trace log. Implementations must be cheap when their event kind is off.</summary>
public interface IBusObserver
{
    void DeviceAccess(IMmioDevice device, ulong offset, int size, ulong value, bool isWrite, bool ok);
    void GuestError(string message);
}
