using System.Buffers.Binary;
using RvEmu.Core.Bus;
using RvEmu.Devices.Virtio;

namespace RvEmu.Tests.Virtio;

/// <summary>An interrupt line that remembers its level and counts rising edges.</summary>
public sealed class RecordingIrq : IIrqLine
{
    public bool Level { get; private set; }
    public int Raised { get; private set; }

    public void Set(bool level)
    {
        if (level && !Level) Raised++;
        Level = level;
    }
}

/// <summary>A temporary raw image file, deleted on dispose.</summary>
public sealed class TempImage : IDisposable
{
    public string Path { get; }

    public TempImage(byte[] content, string? name = null)
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rvemu-virtio-tests");
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, name ?? $"disk-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(Path, content);
    }

    public static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    public byte[] Bytes() => File.ReadAllBytes(Path);

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
    }
}

/// <summary>One guest buffer of a hand-built chain.</summary>
public readonly record struct Seg(ulong Addr, uint Len, bool Write);

/// <summary>What a block request came back with.</summary>
public sealed record BlkResult(bool Completed, byte Status, uint UsedLength, ushort UsedId, byte[] Data);

/// <summary>
/// A guest driver written by hand: RAM on a real <see cref="PhysicalBus"/>, one virtio-mmio slot
/// driven through IMmioDevice Read/Write, rings laid out in guest memory as the spec says.
/// </summary>
public sealed class VirtioRig : IDisposable
{
    public const ulong RamBase = 0x8000_0000;
    public const ulong RingBase = RamBase + 0x1_0000;
    public const ulong DataBase = RamBase + 0x10_0000;

    public readonly PhysicalBus Bus = new();
    public readonly MemoryRegion Ram;
    public readonly RecordingIrq Irq = new();
    public readonly List<string> Warnings = new();
    public readonly VirtioMmioTransport Transport;
    public readonly VirtioBlockDevice? Blk;
    public readonly bool Legacy;

    public ushort QueueSize { get; private set; }
    public ulong Desc { get; private set; }
    public ulong Avail { get; private set; }
    public ulong Used { get; private set; }
    public ushort AvailIdx { get; set; }
    public ushort UsedSeen { get; set; }
    public uint QueueAlign { get; private set; } = 4096;

    private ulong _alloc = DataBase;
    private ushort _nextDesc;

    public IGuestMemory Mem => Bus;

    public VirtioRig(DiskImage? image, bool legacy, ulong ramSize = 8 << 20)
    {
        Ram = new MemoryRegion("ram", RamBase, ramSize);
        Bus.AddMemory(Ram);
        Legacy = legacy;
        if (image is not null) Blk = new VirtioBlockDevice(image, Warnings.Add);
        Transport = new VirtioMmioTransport(Bus, Irq, Blk, legacy, Warnings.Add);
    }

    public void Dispose()
    {
        Blk?.Dispose();
        Ram.Dispose();
    }

    // ---- registers ----

    public uint R(VirtioMmioRegister reg)
    {
        if (!Transport.Read((ulong)reg, 4, out ulong v)) Assert.Fail($"read of {reg} faulted");
        return (uint)v;
    }

    public void W(VirtioMmioRegister reg, uint value)
    {
        if (!Transport.Write((ulong)reg, 4, value)) Assert.Fail($"write of {reg} faulted");
    }

    public ulong Config(int offset, int size)
    {
        Assert.That(Transport.Read((ulong)VirtioMmioRegister.Config + (ulong)offset, size, out ulong v), Is.True);
        return v;
    }

    public VirtioStatus Status => (VirtioStatus)R(VirtioMmioRegister.Status);

    public ulong DeviceFeatures()
    {
        W(VirtioMmioRegister.DeviceFeaturesSel, 0);
        ulong lo = R(VirtioMmioRegister.DeviceFeatures);
        W(VirtioMmioRegister.DeviceFeaturesSel, 1);
        ulong hi = R(VirtioMmioRegister.DeviceFeatures);
        return lo | hi << 32;
    }

    public void WriteDriverFeatures(ulong features)
    {
        W(VirtioMmioRegister.DriverFeaturesSel, 0);
        W(VirtioMmioRegister.DriverFeatures, (uint)features);
        W(VirtioMmioRegister.DriverFeaturesSel, 1);
        W(VirtioMmioRegister.DriverFeatures, (uint)(features >> 32));
    }

    /// <summary>
    /// The initialization sequence of §3.1.1 with the queue set-up of §4.2.3.2 (modern) or §4.2.4
    /// (legacy). <paramref name="features"/> null accepts everything offered.
    /// Returns false if the device refused FEATURES_OK.
    /// </summary>
    public bool Handshake(ulong? features = null, ushort queueSize = 16, uint queueAlign = 4096, bool driverOk = true)
    {
        W(VirtioMmioRegister.Status, 0);
        W(VirtioMmioRegister.Status, (uint)VirtioStatus.Acknowledge);
        W(VirtioMmioRegister.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver));
        ulong offered = DeviceFeatures();
        WriteDriverFeatures(features ?? offered);
        var s = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk;
        W(VirtioMmioRegister.Status, (uint)s);
        if ((Status & VirtioStatus.FeaturesOk) == 0) return false;
        SetUpQueue(queueSize, queueAlign);
        if (driverOk) W(VirtioMmioRegister.Status, (uint)(s | VirtioStatus.DriverOk));
        return true;
    }

    public void SetUpQueue(ushort queueSize, uint queueAlign = 4096)
    {
        QueueSize = queueSize;
        QueueAlign = queueAlign;
        AvailIdx = 0;
        UsedSeen = 0;
        _nextDesc = 0;
        Fill(RingBase, 0x2_0000, 0);
        W(VirtioMmioRegister.QueueSel, 0);
        W(VirtioMmioRegister.QueueNum, queueSize);
        if (Legacy)
        {
            // §2.7.2: descriptors, available ring, padding to QueueAlign, used ring.
            Desc = RingBase;
            Avail = Desc + 16UL * queueSize;
            Used = (Avail + 6 + 2UL * queueSize + queueAlign - 1) & ~((ulong)queueAlign - 1);
            W(VirtioMmioRegister.GuestPageSize, 4096);
            W(VirtioMmioRegister.QueueAlign, queueAlign);
            W(VirtioMmioRegister.QueuePfn, (uint)(RingBase / 4096));
        }
        else
        {
            // Three separate areas at their minimum alignments (§2.7 table).
            Desc = RingBase;
            Avail = RingBase + 0x8000 + 2;
            Used = RingBase + 0xc000 + 4;
            W(VirtioMmioRegister.QueueDescLow, (uint)Desc);
            W(VirtioMmioRegister.QueueDescHigh, (uint)(Desc >> 32));
            W(VirtioMmioRegister.QueueDriverLow, (uint)Avail);
            W(VirtioMmioRegister.QueueDriverHigh, (uint)(Avail >> 32));
            W(VirtioMmioRegister.QueueDeviceLow, (uint)Used);
            W(VirtioMmioRegister.QueueDeviceHigh, (uint)(Used >> 32));
            W(VirtioMmioRegister.QueueReady, 1);
        }
    }

    public void Reset() => W(VirtioMmioRegister.Status, 0);

    public void Ack() => W(VirtioMmioRegister.InterruptAck, R(VirtioMmioRegister.InterruptStatus));

    // ---- guest memory ----

    public void Put(ulong addr, ReadOnlySpan<byte> data)
    {
        if (!Mem.Write(addr, data)) Assert.Fail($"test wrote outside RAM at 0x{addr:x}");
    }

    public byte[] Get(ulong addr, int length)
    {
        var b = new byte[length];
        if (!Mem.Read(addr, b)) Assert.Fail($"test read outside RAM at 0x{addr:x}");
        return b;
    }

    public void Fill(ulong addr, int length, byte value) => Ram.AsSpan(addr, length).Fill(value);

    public void Put16(ulong addr, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); Put(addr, b); }
    public void Put32(ulong addr, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); Put(addr, b); }
    public void Put64(ulong addr, ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); Put(addr, b); }
    public ushort Get16(ulong addr) => BinaryPrimitives.ReadUInt16LittleEndian(Get(addr, 2));
    public uint Get32(ulong addr) => BinaryPrimitives.ReadUInt32LittleEndian(Get(addr, 4));

    public ulong Alloc(ulong size, ulong align = 16)
    {
        _alloc = (_alloc + align - 1) & ~(align - 1);
        ulong a = _alloc;
        _alloc += size;
        if (_alloc > RamBase + Ram.Size) Assert.Fail("test data area exhausted");
        return a;
    }

    public void ResetAlloc() => _alloc = DataBase;

    // ---- rings ----

    public void SetDesc(ulong table, int index, ulong addr, uint len, ushort flags, ushort next)
    {
        ulong d = table + 16UL * (ulong)index;
        Put64(d, addr);
        Put32(d + 8, len);
        Put16(d + 12, flags);
        Put16(d + 14, next);
    }

    /// <summary>Lay a chain in the descriptor table at consecutive free indices (wrapping); returns its head.</summary>
    public ushort PutChain(IReadOnlyList<Seg> segs)
    {
        ushort head = _nextDesc;
        for (int i = 0; i < segs.Count; i++)
        {
            ushort idx = (ushort)((head + i) % QueueSize);
            ushort next = (ushort)((head + i + 1) % QueueSize);
            bool last = i == segs.Count - 1;
            SetDesc(Desc, idx, segs[i].Addr, segs[i].Len, (ushort)((last ? 0 : VirtioConstants.DescNext) | (segs[i].Write ? VirtioConstants.DescWrite : 0)), last ? (ushort)0 : next);
        }
        _nextDesc = (ushort)((head + segs.Count) % QueueSize);
        return head;
    }

    /// <summary>Lay <paramref name="segs"/> in an indirect table and a single descriptor pointing at it (after an optional direct prefix).</summary>
    public ushort PutIndirectChain(IReadOnlyList<Seg> segs, int directPrefix = 0)
    {
        var indirect = segs.Skip(directPrefix).ToList();
        ulong table = Alloc(16UL * (ulong)indirect.Count);
        for (int i = 0; i < indirect.Count; i++)
        {
            bool last = i == indirect.Count - 1;
            SetDesc(table, i, indirect[i].Addr, indirect[i].Len, (ushort)((last ? 0 : VirtioConstants.DescNext) | (indirect[i].Write ? VirtioConstants.DescWrite : 0)), last ? (ushort)0 : (ushort)(i + 1));
        }
        var direct = segs.Take(directPrefix).ToList();
        ushort head = _nextDesc;
        for (int i = 0; i < direct.Count; i++)
        {
            ushort idx = (ushort)((head + i) % QueueSize);
            SetDesc(Desc, idx, direct[i].Addr, direct[i].Len, (ushort)(VirtioConstants.DescNext | (direct[i].Write ? VirtioConstants.DescWrite : 0)), (ushort)((head + i + 1) % QueueSize));
        }
        ushort pointer = (ushort)((head + direct.Count) % QueueSize);
        SetDesc(Desc, pointer, table, (uint)(16 * indirect.Count), VirtioConstants.DescIndirect, 0);
        _nextDesc = (ushort)((pointer + 1) % QueueSize);
        return head;
    }

    /// <summary>Place a head in the next available ring slot and publish it (§2.7.13).</summary>
    public void Offer(ushort head)
    {
        Put16(Avail + 4 + 2UL * (ulong)(AvailIdx % QueueSize), head);
        AvailIdx++;
        Put16(Avail + 2, AvailIdx);
    }

    public void Notify(uint queue = 0) => W(VirtioMmioRegister.QueueNotify, queue);

    public ushort UsedIdx => Get16(Used + 2);
    public (uint Id, uint Len) UsedElem(ushort i) => (Get32(Used + 4 + 8UL * (ulong)(i % QueueSize)), Get32(Used + 8 + 8UL * (ulong)(i % QueueSize)));
    public ushort AvailEvent => Get16(Used + 4 + 8UL * QueueSize);
    public void SetUsedEvent(ushort v) => Put16(Avail + 4 + 2UL * QueueSize, v);
    public void SetAvailFlags(ushort v) => Put16(Avail, v);

    // ---- block requests ----

    public ulong PutHeader(uint type, ulong sector)
    {
        ulong h = Alloc(16);
        Put32(h, type);
        Put32(h + 4, 0);
        Put64(h + 8, sector);
        return h;
    }

    /// <summary>
    /// Build a block request (header, data split into <paramref name="pieces"/> descriptors, status),
    /// offer it, notify, and collect the answer. <paramref name="outData"/> for OUT; <paramref name="inLength"/> for IN/GET_ID.
    /// </summary>
    public BlkResult Request(uint type, ulong sector, byte[]? outData = null, int inLength = 0, int pieces = 1, bool indirect = false, int directPrefix = 0)
    {
        ResetAlloc();
        ulong header = PutHeader(type, sector);
        var segs = new List<Seg> { new(header, 16, false) };
        int dataLen = outData?.Length ?? inLength;
        ulong data = 0;
        if (dataLen > 0)
        {
            data = Alloc((ulong)dataLen);
            if (outData is not null) Put(data, outData);
            else Fill(data, dataLen, 0xcc);
            int piece = (dataLen + pieces - 1) / pieces;
            for (int off = 0; off < dataLen; off += piece)
                segs.Add(new Seg(data + (ulong)off, (uint)Math.Min(piece, dataLen - off), outData is null));
        }
        ulong status = Alloc(1);
        Fill(status, 1, 0xee);
        segs.Add(new Seg(status, 1, true));
        ushort head = indirect ? PutIndirectChain(segs, directPrefix) : PutChain(segs);
        Offer(head);
        Notify();
        while (Transport.NextDeadline == 0) Transport.Poll();
        bool completed = UsedIdx != UsedSeen;
        (uint id, uint len) = completed ? UsedElem(UsedSeen) : (0u, 0u);
        if (completed) UsedSeen++;
        return new BlkResult(completed, Get(status, 1)[0], len, (ushort)id, dataLen > 0 ? Get(data, dataLen) : Array.Empty<byte>());
    }
}
