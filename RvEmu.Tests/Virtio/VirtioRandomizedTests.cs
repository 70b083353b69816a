using System.Diagnostics;
using System.Text;
using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioBlockDevice;
using static RvEmu.Devices.Virtio.VirtioConstants;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// Random rings and register writes (fixed seeds): no exception escapes the device, every read
/// matches a shadow copy of the image, and the image changes only where OUT requests succeeded.
/// Random garbage is confined so that it can never form a valid OUT request by chance: junk
/// buffers hold only bytes ≥ 0x80 (their request type is never IN/OUT/FLUSH/GET_ID), and RAM is
/// filled with 0xff before register bursts.
/// </summary>
[TestFixture]
public class VirtioRandomizedTests
{
    private const int Capacity = 256;
    private const int Tail = 77;
    private const ulong JunkZone = VirtioRig.RamBase + 0x30_0000, JunkSize = 0x1_0000;
    private const ulong JunkTables = VirtioRig.RamBase + 0x38_0000;
    private const int Operations = 100_000;

    private static readonly ushort[] QueueSizes = [4, 8, 16, 64, 256];

    private sealed record Expect(ushort Head, byte Status, uint UsedLength, ulong StatusAddr, ulong WritableAddr, int WritableLength, byte[]? Data);

    private Random _rng = null!;
    private VirtioRig _rig = null!;
    private byte[] _shadow = null!;
    private byte[] _serial = null!;
    private int _ops, _requests, _junk, _malformed, _registerWrites, _resets;

    [TestCase(true, 20240601)]
    [TestCase(false, 20240602)]
    public void RandomTraffic_NeverThrows_AndKeepsTheImageConsistent(bool legacy, int seed)
    {
        _rng = new Random(seed);
        _ops = _requests = _junk = _malformed = _registerWrites = _resets = 0;
        _shadow = TempImage.Pattern(Capacity * 512 + Tail, seed);
        using var file = new TempImage(_shadow);
        _shadow = (byte[])_shadow.Clone();
        _serial = Encoding.ASCII.GetBytes(Path.GetFileName(file.Path)[..20]);
        var openWarnings = new List<string>();
        var image = DiskImage.Open(file.Path, readOnly: false, openWarnings.Add);
        Assert.That(openWarnings, Has.Count.EqualTo(1), "size not a multiple of 512");
        var clock = Stopwatch.StartNew();
        using (_rig = new VirtioRig(image, legacy, ramSize: 4 << 20))
        {
            Handshake();
            int iteration = 0;
            while (_ops < Operations)
            {
                int pick = _rng.Next(100);
                if (pick < 76) RequestBatch();
                else if (pick < 88) JunkChain();
                else if (pick < 96) MalformedRequest();
                else RegisterBurst();
                if (++iteration % 200 == 0) CheckImage();
            }
            CheckImage();
        }
        Assert.That(file.Bytes(), Is.EqualTo(_shadow), "the image equals the shadow, tail included");
        TestContext.Out.WriteLine($"{_ops} operations: {_requests} requests, {_junk} junk chains, {_malformed} malformed, {_registerWrites} register accesses, {_resets} resets, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.That(_requests, Is.GreaterThan(1000));
        Assert.That(_resets, Is.GreaterThan(100));
    }

    private void CheckImage()
    {
        var now = new byte[_shadow.Length];
        _rig.Blk!.Image.Read(0, now);
        int diff = now.AsSpan().CommonPrefixLength(_shadow);
        if (diff < _shadow.Length) Assert.Fail($"image differs from the shadow at byte {diff}");
    }

    private void Handshake()
    {
        ushort size = QueueSizes[_rng.Next(QueueSizes.Length)];
        ulong offered = _rig.Transport.OfferedFeatures;
        ulong features = offered & (ulong)_rng.NextInt64() & ~FeatureVersion1;
        if (!_rig.Legacy) features |= FeatureVersion1;
        Assert.That(_rig.Handshake(features, size, queueAlign: _rig.Legacy ? 1u << _rng.Next(2, 13) : 4096), Is.True);
        Assert.That(_rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None), _rig.Transport.BrokenReason);
        _rig.Ack();
        _resets++;
    }

    private bool Negotiated(ulong feature) => (_rig.Transport.NegotiatedFeatures & feature) != 0;

    /// <summary>If the device broke: it must say so (status bit, config interrupt); then reset and set up again.</summary>
    private void RecoverIfBroken()
    {
        if ((_rig.Status & VirtioStatus.DeviceNeedsReset) == 0) return;
        Assert.That(_rig.R(VirtioMmioRegister.InterruptStatus) & InterruptConfigChange, Is.Not.EqualTo(0));
        Assert.That(_rig.Irq.Level, Is.True);
        _rig.Reset();
        Assert.That(_rig.Irq.Level, Is.False);
        Handshake();
    }

    // ---- well-formed requests ----

    private void RequestBatch()
    {
        _rig.ResetAlloc();
        _rig.Ack();
        int want = _rng.Next(1, 5);
        int freeDescriptors = _rig.QueueSize;
        var batch = new List<Expect>();
        for (int i = 0; i < want; i++)
        {
            var e = BuildRequest(ref freeDescriptors);
            if (e is null) break;
            batch.Add(e);
        }
        if (batch.Count == 0) return;

        bool eventIdx = Negotiated(FeatureEventIdx);
        ushort before = _rig.UsedSeen;
        ushort usedEvent = (ushort)(before + _rng.Next(-2, batch.Count + 2));
        ushort flags = (ushort)_rng.Next(2);
        if (eventIdx) _rig.SetUsedEvent(usedEvent);
        _rig.SetAvailFlags(flags);
        _rig.Notify();
        _ops += batch.Count;

        Assert.That(_rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None), _rig.Transport.BrokenReason);
        Assert.That(_rig.UsedIdx, Is.EqualTo((ushort)(before + batch.Count)));
        foreach (var e in batch)
        {
            var (id, len) = _rig.UsedElem(_rig.UsedSeen++);
            Assert.That(id, Is.EqualTo(e.Head));
            Assert.That(len, Is.EqualTo(e.UsedLength));
            var writable = _rig.Get(e.WritableAddr, e.WritableLength);
            Assert.That(writable[^1], Is.EqualTo(e.Status));
            // Plain span checks: NUnit's collection constraints are too slow for this many buffers.
            if (e.Data is not null && !writable.AsSpan(0, e.Data.Length).SequenceEqual(e.Data))
                Assert.Fail($"request {e.Head}: data read differs from the shadow image");
            int untouchedFrom = e.Data?.Length ?? 0;
            if (writable.AsSpan(untouchedFrom, writable.Length - 1 - untouchedFrom).IndexOfAnyExcept((byte)0xcc) >= 0)
                Assert.Fail($"request {e.Head}: device wrote beyond data and status");
        }
        ushort after = (ushort)(before + batch.Count);
        bool expectIrq = eventIdx ? (ushort)(after - usedEvent - 1) < (ushort)(after - before) : flags == 0;
        Assert.That((_rig.R(VirtioMmioRegister.InterruptStatus) & InterruptUsedBuffer) != 0, Is.EqualTo(expectIrq));
    }

    private ulong RandomSector()
    {
        return _rng.Next(10) switch
        {
            < 7 => (ulong)_rng.Next(Capacity + 1),
            7 => (ulong)(Capacity - 4 + _rng.Next(9)),
            8 => ulong.MaxValue - (ulong)_rng.Next(20),
            _ => (ulong)_rng.NextInt64() << _rng.Next(10),
        };
    }

    /// <summary>
    /// What QEMU 7.2 (and so RvEmu) makes of a request type: the OUT bit is the direction, the legacy BARRIER
    /// flag is ignored, so 5 (FLUSH_OUT) is a flush and 0x8000_0001 a write; anything else is unsupported.
    /// </summary>
    private static uint Kind(uint type) => (type & ~(TypeOut | 0x8000_0000u)) switch
    {
        TypeIn => (type & TypeOut) != 0 ? TypeOut : TypeIn,
        TypeFlush => TypeFlush,
        TypeGetId => TypeGetId,
        _ => uint.MaxValue,
    };

    /// <summary>Lay one request in memory with a random split into descriptors; returns what the device must answer.</summary>
    private Expect? BuildRequest(ref int freeDescriptors)
    {
        uint type = _rng.Next(100) switch
        {
            < 40 => TypeIn,
            < 75 => TypeOut,
            < 83 => TypeFlush,
            < 90 => TypeGetId,
            _ => new uint[] { 2, 3, 5, 11, 13, 0x8000_0000, (uint)_rng.Next() }[_rng.Next(7)],
        };
        uint kind = Kind(type);
        ulong sector = RandomSector();
        int dataLength = _rng.Next(17) * 512;
        if (_rng.Next(20) == 0) dataLength += _rng.Next(1, 512);
        if (kind == TypeFlush) dataLength = 0;
        if (kind == TypeGetId) dataLength = _rng.Next(1, 40);

        bool isOut = kind == TypeOut;
        byte[] outData = isOut ? TempImage.Pattern(dataLength, _rng.Next()) : [];
        int readableLength = 16 + outData.Length;
        int writableLength = (isOut || kind == TypeFlush ? _rng.Next(4) : dataLength) + 1;

        bool indirect = Negotiated(FeatureIndirectDesc) && _rng.Next(3) == 0;
        int maxPieces = Math.Min((int)_rig.QueueSize, 8);
        int rp = _rng.Next(1, Math.Min(4, readableLength) + 1);
        int wp = _rng.Next(1, Math.Min(4, writableLength) + 1);
        while (rp + wp > maxPieces) { if (rp > 1) rp--; else wp--; }
        int prefix = indirect ? _rng.Next(rp + wp) : 0;
        int directCost = indirect ? prefix + 1 : rp + wp;
        if (directCost > freeDescriptors) return null;
        freeDescriptors -= directCost;

        // The model: decide the answer, and apply successful writes to the shadow in ring order.
        byte status;
        uint usedLength = 1;
        byte[]? data = null;
        ulong count = (ulong)dataLength / 512;
        bool rangeOk = dataLength % 512 == 0 && sector <= Capacity && count <= Capacity - sector;
        switch (kind)
        {
            case TypeIn:
                status = rangeOk ? StatusOk : StatusIoError;
                if (rangeOk)
                {
                    data = _shadow.AsSpan((int)sector * 512, dataLength).ToArray();
                    usedLength = (uint)dataLength + 1;
                }
                break;
            case TypeOut:
                status = rangeOk ? StatusOk : StatusIoError;
                if (rangeOk) outData.CopyTo(_shadow, (int)sector * 512);
                break;
            case TypeFlush:
                status = StatusOk;
                break;
            case TypeGetId:
                status = StatusOk;
                data = _serial.AsSpan(0, Math.Min(20, writableLength - 1)).ToArray();
                usedLength = (uint)data.Length + 1;
                break;
            default:
                status = StatusUnsupported;
                break;
        }

        ulong r = _rig.Alloc((ulong)readableLength, 1);
        var header = new byte[16];
        BitConverter.TryWriteBytes(header.AsSpan(0), type);
        BitConverter.TryWriteBytes(header.AsSpan(8), sector);
        _rig.Put(r, header);
        if (isOut) _rig.Put(r + 16, outData);
        ulong w = _rig.Alloc((ulong)writableLength, 1);
        _rig.Fill(w, writableLength, 0xcc);

        var segs = new List<Seg>();
        segs.AddRange(Split(r, readableLength, rp, write: false));
        segs.AddRange(Split(w, writableLength, wp, write: true));
        ushort head = indirect ? _rig.PutIndirectChain(segs, prefix) : _rig.PutChain(segs);
        _rig.Offer(head);
        _requests++;
        return new Expect(head, status, usedLength, w + (ulong)writableLength - 1, w, writableLength, data);
    }

    private IEnumerable<Seg> Split(ulong addr, int length, int pieces, bool write)
    {
        var cuts = new SortedSet<int> { 0, length };
        while (cuts.Count < pieces + 1) cuts.Add(_rng.Next(1, length));
        var c = cuts.ToArray();
        for (int i = 0; i < pieces; i++) yield return new Seg(addr + (ulong)c[i], (uint)(c[i + 1] - c[i]), write);
    }

    // ---- garbage ----

    private ulong JunkAddress(out uint maxLength)
    {
        switch (_rng.Next(10))
        {
            case < 7:
                ulong off = (ulong)_rng.Next((int)JunkSize);
                maxLength = (uint)(JunkSize - off);
                return JunkZone + off;
            case 7:
                maxLength = uint.MaxValue;
                return VirtioRig.RamBase + _rig.Ram.Size - (ulong)_rng.Next(1, 64);
            case 8:
                maxLength = uint.MaxValue;
                return (ulong)_rng.NextInt64();
            default:
                maxLength = uint.MaxValue;
                return ulong.MaxValue - (ulong)_rng.Next(64);
        }
    }

    /// <summary>Random descriptors over junk memory; whatever the device makes of them, the image must not change.</summary>
    private void JunkChain()
    {
        // Fresh junk each time: the zone, the last bytes of RAM, and the whole descriptor table
        // (so no stale descriptor of an earlier request can be reached and replayed).
        FillJunk(JunkZone, (int)JunkSize);
        FillJunk(VirtioRig.RamBase + _rig.Ram.Size - 64, 64);
        _rig.Fill(_rig.Desc, 16 * _rig.QueueSize, 0xff);
        int n = _rng.Next(1, _rig.QueueSize + 1);
        for (int i = 0; i < n; i++)
        {
            ushort index = (ushort)_rng.Next(_rig.QueueSize);
            ushort flags = _rng.Next(8) == 0 ? (ushort)_rng.Next(65536) : (ushort)_rng.Next(8);
            ushort next = (ushort)_rng.Next(_rig.QueueSize + 2);
            if ((flags & DescIndirect) != 0 && _rng.Next(2) == 0)
            {
                // A random indirect table of junk-pointing entries, kept outside the junk zone so it is never read as a request.
                int entries = _rng.Next(1, 2 * _rig.QueueSize);
                ulong table = JunkTables + 16UL * (ulong)_rng.Next(64);
                for (int k = 0; k < entries; k++)
                {
                    ulong a = JunkAddress(out uint maxLen);
                    _rig.SetDesc(table, k, a, (uint)_rng.Next(0, (int)Math.Min(maxLen, 600u) + 1), (ushort)_rng.Next(8), (ushort)_rng.Next(entries + 2));
                }
                _rig.SetDesc(_rig.Desc, index, table, (uint)(16 * entries + (_rng.Next(8) == 0 ? 8 : 0)), flags, next);
            }
            else
            {
                ulong a = JunkAddress(out uint maxLen);
                uint len = _rng.Next(10) == 0 ? (uint)_rng.NextInt64(uint.MaxValue) : (uint)_rng.Next(0, (int)Math.Min(maxLen, 600u) + 1);
                _rig.SetDesc(_rig.Desc, index, a, len, flags, next);
            }
        }
        ushort head = _rng.Next(10) == 0 ? (ushort)_rng.Next(65536) : (ushort)_rng.Next(_rig.QueueSize);
        _rig.Offer(head);
        if (_rng.Next(4) == 0) _rig.SetAvailFlags((ushort)_rng.Next(65536));
        Assert.DoesNotThrow(() => _rig.Notify());
        _ops++;
        _junk++;
        if ((_rig.Status & VirtioStatus.DeviceNeedsReset) == 0)
            _rig.UsedSeen = _rig.UsedIdx; // a junk request the device answered (UNSUPP)
        RecoverIfBroken();
    }

    private void FillJunk(ulong addr, int length)
    {
        var junk = _rig.Ram.AsSpan(addr, length);
        _rng.NextBytes(junk);
        foreach (ref byte b in junk) b |= 0x80;
    }

    /// <summary>A well-formed OUT request with one rule broken; the device must refuse all of it.</summary>
    private void MalformedRequest()
    {
        _rig.ResetAlloc();
        ulong h = _rig.PutHeader(TypeOut, (ulong)_rng.Next(Capacity));
        ulong d = _rig.Alloc(512);
        _rig.Fill(d, 512, 0x5a);
        ulong s = _rig.Alloc(1);
        var segs = new List<Seg> { new(h, 16, false), new(d, 512, false), new(s, 1, true) };
        int kind = _rng.Next(8);
        switch (kind)
        {
            case 0: segs[1] = segs[1] with { Addr = (ulong)_rng.Next(0x1000, 0x7fff_0000) }; break;
            case 1: segs[1] = segs[1] with { Len = 0 }; break;
            case 2: segs = [segs[0], segs[2], segs[1]]; break;
            case 3: segs.RemoveAt(2); break;
            case 4: segs[1] = segs[1] with { Addr = VirtioRig.RamBase + _rig.Ram.Size - 100 }; break;
        }
        ushort head = _rig.PutChain(segs);
        switch (kind)
        {
            case 5: // head beyond the table
                _rig.Offer((ushort)(_rig.QueueSize + _rng.Next(1000)));
                break;
            case 6: // next beyond the table
                _rig.Put16(_rig.Desc + 16UL * (ulong)((head + 1) % _rig.QueueSize) + 14, (ushort)(_rig.QueueSize + _rng.Next(100)));
                _rig.Offer(head);
                break;
            case 7: // available idx runs ahead by more than the queue size
                _rig.Put16(_rig.Avail + 4 + 2UL * (ulong)(_rig.AvailIdx % _rig.QueueSize), head);
                _rig.AvailIdx += (ushort)(_rig.QueueSize + 1 + _rng.Next(1000));
                _rig.Put16(_rig.Avail + 2, _rig.AvailIdx);
                break;
            default:
                _rig.Offer(head);
                break;
        }
        Assert.DoesNotThrow(() => _rig.Notify());
        _ops++;
        _malformed++;
        Assert.That(_rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.DeviceNeedsReset), $"malformed kind {kind}");
        RecoverIfBroken();
    }

    private static readonly VirtioMmioRegister[] Registers = Enum.GetValues<VirtioMmioRegister>();

    /// <summary>Random register traffic over RAM that holds nothing a request could be made of.</summary>
    private void RegisterBurst()
    {
        _rig.Reset();
        _rig.Fill(VirtioRig.RamBase, (int)_rig.Ram.Size, 0xff);
        int n = _rng.Next(50, 400);
        for (int i = 0; i < n; i++)
        {
            ulong offset = _rng.Next(5) == 0 ? (ulong)_rng.Next(0x200) : (ulong)Registers[_rng.Next(Registers.Length)] + (ulong)(_rng.Next(8) == 0 ? 4 * _rng.Next(8) : 0);
            int size = _rng.Next(6) == 0 ? 1 << _rng.Next(4) : 4;
            offset &= ~(ulong)(size - 1);
            ulong value = _rng.Next(3) switch
            {
                0 => (ulong)_rng.Next(300),
                1 => 1UL << _rng.Next(64),
                _ => (ulong)_rng.NextInt64(),
            };
            // An exception here fails the test; so does a faulted access.
            bool ok = _rng.Next(5) == 0 ? _rig.Transport.Read(offset, size, out _) : _rig.Transport.Write(offset, size, value);
            if (!ok) Assert.Fail($"access of {size} bytes at 0x{offset:x} faulted");
            while (_rig.Transport.NextDeadline == 0) _rig.Transport.Poll();
            _ops++;
            _registerWrites++;
        }
        _rig.Reset();
        _rig.Fill(VirtioRig.RamBase, (int)_rig.Ram.Size, 0);
        Handshake();
    }
}
