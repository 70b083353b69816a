using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using RvEmu.Core.Bus;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// The device side of a split virtqueue (virtio 1.2 §2.7): pops descriptor chains from the
/// available ring, validating every index, length and address the guest supplied, and pushes used
/// elements. Guest memory is reached only through <see cref="IGuestMemory"/>. A guest that breaks
/// the ring rules never causes an exception: the queue records <see cref="Error"/> and stops; the
/// transport then sets DEVICE_NEEDS_RESET.
/// </summary>
public sealed class SplitVirtqueue
{
    /// <summary>Size of one descriptor (§2.7.5 struct virtq_desc).</summary>
    public const int DescriptorSize = 16;

    private readonly IGuestMemory _memory;
    private ushort _signalledUsed;
    private bool _pushedSinceNotification;

    public SplitVirtqueue(IGuestMemory memory) => _memory = memory;

    /// <summary>Queue size (number of descriptors and ring entries), a power of 2.</summary>
    public ushort Size { get; private set; }

    /// <summary>Guest physical address of the descriptor table.</summary>
    public ulong DescriptorArea { get; private set; }

    /// <summary>Guest physical address of the available ring (the driver area).</summary>
    public ulong DriverArea { get; private set; }

    /// <summary>Guest physical address of the used ring (the device area).</summary>
    public ulong DeviceArea { get; private set; }

    /// <summary>VIRTIO_F_INDIRECT_DESC was negotiated: descriptors may point to indirect tables.</summary>
    public bool IndirectDescriptors { get; set; }

    /// <summary>VIRTIO_F_EVENT_IDX was negotiated: used_event / avail_event replace the ring flags (§2.7.7, §2.7.10).</summary>
    public bool EventIdx { get; set; }

    /// <summary>The device's next index into the available ring (free-running, wraps at 65536).</summary>
    public ushort LastAvailIndex { get; private set; }

    /// <summary>The device's copy of the used ring's idx.</summary>
    public ushort UsedIndex { get; private set; }

    /// <summary>Why the queue stopped, when the guest broke a rule; null while it is healthy.</summary>
    public string? Error { get; private set; }

    /// <summary>Bytes of the descriptor table, available ring and used ring for a queue of <paramref name="size"/> (§2.7 table).</summary>
    public static ulong DescriptorTableBytes(ushort size) => (ulong)DescriptorSize * size;
    public static ulong AvailRingBytes(ushort size) => 6 + 2UL * size;
    public static ulong UsedRingBytes(ushort size) => 6 + 8UL * size;

    /// <summary>Place the queue; indices are kept (they restart only on <see cref="Reset"/>).</summary>
    public void Configure(ushort size, ulong descriptorArea, ulong driverArea, ulong deviceArea)
    {
        Size = size;
        DescriptorArea = descriptorArea;
        DriverArea = driverArea;
        DeviceArea = deviceArea;
    }

    /// <summary>Back to the state after a device reset: indices 0, no error.</summary>
    public void Reset()
    {
        LastAvailIndex = 0;
        UsedIndex = 0;
        _signalledUsed = 0;
        _pushedSinceNotification = false;
        Error = null;
    }

    /// <summary>Report a guest error found by the device (a malformed request); the first one is kept.</summary>
    public void Fail(string message) => Error ??= message;

    private bool Broken(string message)
    {
        Fail(message);
        return false;
    }

    /// <summary>Null if the configured layout is usable, else why not: the size, alignment (§2.7 table) and that every part lies in RAM.</summary>
    public string? CheckLayout()
    {
        if (Size == 0 || (Size & (Size - 1)) != 0 || Size > 32768) return $"queue size {Size} is not a power of 2 in 1..32768";
        if (DescriptorArea % 16 != 0 || DriverArea % 2 != 0 || DeviceArea % 4 != 0)
            return $"misaligned rings (descriptors 0x{DescriptorArea:x}, available 0x{DriverArea:x}, used 0x{DeviceArea:x})";
        if (!_memory.IsRam(DescriptorArea, DescriptorTableBytes(Size)) || !_memory.IsRam(DriverArea, AvailRingBytes(Size)) ||
            !_memory.IsRam(DeviceArea, UsedRingBytes(Size)))
            return $"rings outside RAM (descriptors 0x{DescriptorArea:x}, available 0x{DriverArea:x}, used 0x{DeviceArea:x})";
        return null;
    }

    /// <summary>
    /// Take the next available descriptor chain. False when the ring is empty or broken (then
    /// <see cref="Error"/> says why and nothing was consumed).
    /// </summary>
    public bool TryPop([NotNullWhen(true)] out DescriptorChain? chain)
    {
        chain = null;
        if (Error is not null || Size == 0) return false;
        if (!ReadU16(DriverArea + 2, out ushort availIdx)) return Broken("available ring idx is outside RAM");
        ushort pending = (ushort)(availIdx - LastAvailIndex);
        if (pending == 0) return false;
        // §2.7.13: the ring holds at most Size entries, so idx can never run further ahead.
        if (pending > Size) return Broken($"available idx moved from {LastAvailIndex} to {availIdx}, more than the queue size {Size}");
        if (!ReadU16(DriverArea + 4 + 2UL * (ulong)(LastAvailIndex % Size), out ushort head)) return Broken("available ring entry is outside RAM");
        if (head >= Size) return Broken($"available ring names descriptor {head}, queue size is {Size}");
        var c = new DescriptorChain(_memory, head);
        if (!Walk(c)) return false;
        LastAvailIndex++;
        chain = c;
        return true;
    }

    /// <summary>Follow a chain from its head through NEXT links and at most one indirect table (§2.7.5, §2.7.5.3).</summary>
    private bool Walk(DescriptorChain chain)
    {
        ulong table = DescriptorArea;
        ulong tableSize = Size;
        ulong index = chain.Head;
        bool inIndirect = false;
        int visitedInTable = 0, buffers = 0;
        ulong total = 0;
        Span<byte> d = stackalloc byte[DescriptorSize];
        while (true)
        {
            // Visiting more entries than the table holds means the NEXT links loop.
            if (++visitedInTable > (long)tableSize) return Broken("descriptor chain loops");
            if (!_memory.Read(table + index * DescriptorSize, d)) return Broken($"descriptor {index} is outside RAM");
            ulong addr = BinaryPrimitives.ReadUInt64LittleEndian(d);
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(d[8..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(d[12..]);
            ushort next = BinaryPrimitives.ReadUInt16LittleEndian(d[14..]);

            if ((flags & VirtioConstants.DescIndirect) != 0)
            {
                // §2.7.5.3.1: only when negotiated, never nested, never with NEXT; the device must
                // accept it after zero or more direct descriptors (§2.7.5.3.2) and ignore its WRITE flag.
                if (!IndirectDescriptors) return Broken("INDIRECT descriptor but VIRTIO_F_INDIRECT_DESC was not negotiated");
                if (inIndirect) return Broken("INDIRECT descriptor inside an indirect table");
                if ((flags & VirtioConstants.DescNext) != 0) return Broken("descriptor has both INDIRECT and NEXT");
                if (len == 0 || len % DescriptorSize != 0) return Broken($"indirect table length {len} is not a non-zero multiple of 16");
                if (!_memory.IsRam(addr, len)) return Broken($"indirect table at 0x{addr:x} (+{len}) is outside RAM");
                table = addr;
                tableSize = len / DescriptorSize;
                index = 0;
                visitedInTable = 0;
                inIndirect = true;
                continue;
            }

            if (len == 0) return Broken("zero-length buffer");
            if (!_memory.IsRam(addr, len)) return Broken($"buffer at 0x{addr:x} (+{len}) is outside RAM");
            bool writable = (flags & VirtioConstants.DescWrite) != 0;
            // §2.7.4.2: device-writable descriptors come after all device-readable ones.
            if (!writable && chain.Writable.Count > 0) return Broken("device-readable descriptor after a device-writable one");
            // §2.7.5.3.1: no chain longer than the queue size; §2.7.5.1: at most 2^32 bytes in total.
            if (++buffers > Size) return Broken($"descriptor chain longer than the queue size {Size}");
            total += len;
            if (total > uint.MaxValue) return Broken("descriptor chain longer than 2^32 bytes");
            chain.Add(new GuestBuffer(addr, len), writable);

            if ((flags & VirtioConstants.DescNext) == 0) return true;
            index = next;
            if (index >= tableSize) return Broken($"next descriptor {next} is beyond the table of {tableSize}");
        }
    }

    /// <summary>Return a chain to the driver (§2.7.8): the used element first, then the used idx.</summary>
    public void PushUsed(ushort head, uint writtenLength)
    {
        if (Error is not null || Size == 0) return;
        Span<byte> e = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(e, head);
        BinaryPrimitives.WriteUInt32LittleEndian(e[4..], writtenLength);
        if (!_memory.Write(DeviceArea + 4 + 8UL * (ulong)(UsedIndex % Size), e)) { Fail("used ring is outside RAM"); return; }
        UsedIndex++;
        if (!WriteU16(DeviceArea + 2, UsedIndex)) { Fail("used ring is outside RAM"); return; }
        _pushedSinceNotification = true;
    }

    /// <summary>
    /// Whether the used elements pushed since the last call need a used buffer notification:
    /// without EVENT_IDX unless the available ring's flags say NO_INTERRUPT (§2.7.7.2); with it
    /// when the used idx passed used_event (the vring_need_event rule of §2.7.7.2 and §2.7.10).
    /// </summary>
    public bool TakeNotification()
    {
        if (!_pushedSinceNotification || Error is not null) return false;
        _pushedSinceNotification = false;
        if (EventIdx)
        {
            ushort old = _signalledUsed, now = UsedIndex;
            _signalledUsed = now;
            if (!ReadU16(DriverArea + 4 + 2UL * Size, out ushort usedEvent)) return Broken("available ring is outside RAM");
            return (ushort)(now - usedEvent - 1) < (ushort)(now - old);
        }
        if (!ReadU16(DriverArea, out ushort flags)) return Broken("available ring is outside RAM");
        return (flags & VirtioConstants.AvailNoInterrupt) == 0;
    }

    /// <summary>With EVENT_IDX, ask to be notified when the driver adds the next entry (avail_event, §2.7.10).</summary>
    public void PublishAvailEvent()
    {
        if (!EventIdx || Error is not null || Size == 0) return;
        if (!WriteU16(DeviceArea + 4 + 8UL * Size, LastAvailIndex)) Fail("used ring is outside RAM");
    }

    private bool ReadU16(ulong address, out ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        bool ok = _memory.Read(address, b);
        value = BinaryPrimitives.ReadUInt16LittleEndian(b);
        return ok;
    }

    private bool WriteU16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        return _memory.Write(address, b);
    }
}
