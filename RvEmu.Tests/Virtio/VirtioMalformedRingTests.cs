using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioBlockDevice;
using static RvEmu.Devices.Virtio.VirtioConstants;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// A guest that breaks the ring or register rules: the device never throws, sets
/// DEVICE_NEEDS_RESET, raises a configuration change interrupt (virtio 1.2 §2.1.2, as QEMU's
/// virtio_error), logs one warning, touches neither the image nor the used ring, and works
/// again after the driver resets it.
/// </summary>
[TestFixture]
public class VirtioMalformedRingTests
{
    private const ushort Q = 8;
    private TempImage _file = null!;
    private byte[] _original = null!;

    [SetUp]
    public void SetUp()
    {
        _original = TempImage.Pattern(64 * 512, 77);
        _file = new TempImage(_original);
    }

    [TearDown]
    public void TearDown() => _file.Dispose();

    /// <summary>A well-formed OUT request's segments (header, one sector of data, status), so a missed check would write the image.</summary>
    private static List<Seg> OutRequest(VirtioRig rig, ulong sector = 1)
    {
        rig.ResetAlloc();
        ulong h = rig.PutHeader(TypeOut, sector);
        ulong d = rig.Alloc(512);
        rig.Fill(d, 512, 0x5a);
        ulong s = rig.Alloc(1);
        rig.Fill(s, 1, 0xee);
        return [new(h, 16, false), new(d, 512, false), new(s, 1, true)];
    }

    private static void Submit(VirtioRig rig, ushort head)
    {
        rig.Offer(head);
        rig.Notify();
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        var scenarios = new (string Name, Action<VirtioRig> Break)[]
        {
            ("HeadIndexBeyondQueue", rig =>
            {
                rig.PutChain(OutRequest(rig));
                Submit(rig, Q);
            }),
            ("NextIndexBeyondQueue", rig =>
            {
                ushort head = rig.PutChain(OutRequest(rig));
                rig.Put16(rig.Desc + 16UL * (ulong)(head + 1) + 14, Q + 3);
                Submit(rig, head);
            }),
            ("DescriptorLoop", rig =>
            {
                var segs = OutRequest(rig);
                rig.SetDesc(rig.Desc, 0, segs[0].Addr, 16, DescNext, 1);
                rig.SetDesc(rig.Desc, 1, segs[1].Addr, 512, DescNext, 0);
                Submit(rig, 0);
            }),
            ("IndirectLoop", rig =>
            {
                var segs = OutRequest(rig);
                ulong table = rig.Alloc(32);
                rig.SetDesc(table, 0, segs[0].Addr, 16, DescNext, 1);
                rig.SetDesc(table, 1, segs[1].Addr, 512, DescNext, 0);
                rig.SetDesc(rig.Desc, 0, table, 32, DescIndirect, 0);
                Submit(rig, 0);
            }),
            ("ChainLongerThanQueue", rig =>
            {
                // A loop-free indirect chain of Q + 1 buffers (§2.7.5.3.1: no chain longer than the queue size).
                var segs = OutRequest(rig);
                ulong table = rig.Alloc(16UL * (Q + 1));
                for (int i = 0; i < Q - 1; i++) rig.SetDesc(table, i, segs[0].Addr, 16, DescNext, (ushort)(i + 1));
                rig.SetDesc(table, Q - 1, segs[1].Addr, 512, DescNext, Q);
                rig.SetDesc(table, Q, segs[2].Addr, 1, DescWrite, 0);
                rig.SetDesc(rig.Desc, 0, table, 16u * (Q + 1), DescIndirect, 0);
                Submit(rig, 0);
            }),
            ("BufferOutsideRam", rig =>
            {
                var segs = OutRequest(rig);
                segs[1] = segs[1] with { Addr = 0x1000 };
                Submit(rig, rig.PutChain(segs));
            }),
            ("BufferStraddlingTheEndOfRam", rig =>
            {
                var segs = OutRequest(rig);
                segs[1] = segs[1] with { Addr = VirtioRig.RamBase + rig.Ram.Size - 256 };
                Submit(rig, rig.PutChain(segs));
            }),
            ("BufferAddressWrapsAround", rig =>
            {
                var segs = OutRequest(rig);
                segs[1] = segs[1] with { Addr = ulong.MaxValue - 100 };
                Submit(rig, rig.PutChain(segs));
            }),
            ("ZeroLengthBuffer", rig =>
            {
                var segs = OutRequest(rig);
                segs.Insert(2, new Seg(segs[1].Addr, 0, false));
                Submit(rig, rig.PutChain(segs));
            }),
            ("AvailIndexJumpsPastQueueSize", rig =>
            {
                ushort head = rig.PutChain(OutRequest(rig));
                rig.Put16(rig.Avail + 4, head);
                rig.AvailIdx = Q + 1;
                rig.Put16(rig.Avail + 2, rig.AvailIdx);
                rig.Notify();
            }),
            ("QueueNumAboveQueueNumMax", rig =>
            {
                rig.Reset();
                rig.W(VirtioMmioRegister.QueueSel, 0);
                rig.W(VirtioMmioRegister.QueueNum, QueueSize * 2u);
            }),
            ("QueueNumNotAPowerOfTwo", rig =>
            {
                rig.Reset();
                rig.W(VirtioMmioRegister.QueueSel, 0);
                rig.W(VirtioMmioRegister.QueueNum, 12);
            }),
            ("QueueNumForAMissingQueue", rig =>
            {
                rig.Reset();
                rig.W(VirtioMmioRegister.QueueSel, 1);
                rig.W(VirtioMmioRegister.QueueNum, 8);
            }),
            ("IndirectNotNegotiated", rig =>
            {
                rig.Handshake(rig.Legacy ? FeatureFlush : FeatureVersion1, queueSize: Q);
                Submit(rig, rig.PutIndirectChain(OutRequest(rig)));
            }),
            ("NestedIndirect", rig =>
            {
                var segs = OutRequest(rig);
                ulong inner = rig.Alloc(48);
                for (int i = 0; i < 3; i++) rig.SetDesc(inner, i, segs[i].Addr, segs[i].Len, (ushort)((i < 2 ? DescNext : 0) | (segs[i].Write ? DescWrite : 0)), (ushort)(i + 1));
                ulong outer = rig.Alloc(16);
                rig.SetDesc(outer, 0, inner, 48, DescIndirect, 0);
                rig.SetDesc(rig.Desc, 0, outer, 16, DescIndirect, 0);
                Submit(rig, 0);
            }),
            ("IndirectWithNext", rig =>
            {
                ushort head = rig.PutIndirectChain(OutRequest(rig));
                rig.Put16(rig.Desc + 16UL * head + 12, DescIndirect | DescNext);
                Submit(rig, head);
            }),
            ("IndirectLengthNotMultipleOf16", rig =>
            {
                ushort head = rig.PutIndirectChain(OutRequest(rig));
                rig.Put32(rig.Desc + 16UL * head + 8, 40);
                Submit(rig, head);
            }),
            ("IndirectTableOutsideRam", rig =>
            {
                ushort head = rig.PutIndirectChain(OutRequest(rig));
                rig.Put64(rig.Desc + 16UL * head, 0x2000_0000);
                Submit(rig, head);
            }),
            ("ReadableAfterWritable", rig =>
            {
                var segs = OutRequest(rig);
                Submit(rig, rig.PutChain([segs[0], segs[2], segs[1]]));
            }),
            ("NoStatusByte", rig =>
            {
                var segs = OutRequest(rig);
                Submit(rig, rig.PutChain([segs[0], segs[1]]));
            }),
            ("HeaderShorterThan16Bytes", rig =>
            {
                var segs = OutRequest(rig);
                Submit(rig, rig.PutChain([segs[0] with { Len = 8 }, segs[2]]));
            }),
            ("RingsOutsideRam", rig =>
            {
                rig.Reset();
                rig.W(VirtioMmioRegister.QueueSel, 0);
                rig.W(VirtioMmioRegister.QueueNum, Q);
                if (rig.Legacy)
                {
                    rig.W(VirtioMmioRegister.GuestPageSize, 4096);
                    rig.W(VirtioMmioRegister.QueuePfn, 0x1000_0);
                }
                else
                {
                    rig.W(VirtioMmioRegister.QueueDescLow, 0x1000);
                    rig.W(VirtioMmioRegister.QueueDriverLow, (uint)VirtioRig.RingBase);
                    rig.W(VirtioMmioRegister.QueueDeviceLow, (uint)VirtioRig.RingBase + 0x1000);
                    rig.W(VirtioMmioRegister.QueueReady, 1);
                }
            }),
        };
        foreach (bool legacy in new[] { true, false })
            foreach (var (name, action) in scenarios)
                yield return new TestCaseData(legacy, action).SetName($"{name}_{(legacy ? "Legacy" : "Modern")}");

        // Layout-specific rules.
        yield return new TestCaseData(true, (Action<VirtioRig>)(rig => rig.W(VirtioMmioRegister.GuestPageSize, 3000))).SetName("GuestPageSizeNotAPowerOfTwo_Legacy");
        yield return new TestCaseData(true, (Action<VirtioRig>)(rig =>
        {
            rig.Reset();
            rig.W(VirtioMmioRegister.QueueSel, 0);
            rig.W(VirtioMmioRegister.QueueAlign, 100);
        })).SetName("QueueAlignNotAPowerOfTwo_Legacy");
        yield return new TestCaseData(false, (Action<VirtioRig>)(rig =>
        {
            rig.Reset();
            rig.W(VirtioMmioRegister.QueueSel, 0);
            rig.W(VirtioMmioRegister.QueueNum, Q);
            rig.W(VirtioMmioRegister.QueueDescLow, (uint)VirtioRig.RingBase + 8);
            rig.W(VirtioMmioRegister.QueueDriverLow, (uint)VirtioRig.RingBase + 0x1000);
            rig.W(VirtioMmioRegister.QueueDeviceLow, (uint)VirtioRig.RingBase + 0x2000);
            rig.W(VirtioMmioRegister.QueueReady, 1);
        })).SetName("DescriptorTableMisaligned_Modern");
    }

    [TestCaseSource(nameof(Cases))]
    public void GuestError_NeedsReset_ThenRecovers(bool legacy, Action<VirtioRig> breakIt)
    {
        using var rig = new VirtioRig(DiskImage.Open(_file.Path, readOnly: false), legacy);
        Assert.That(rig.Handshake(queueSize: Q), Is.True);
        rig.Ack();

        Assert.DoesNotThrow(() => breakIt(rig));

        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.DeviceNeedsReset), "§2.1.2 DEVICE_NEEDS_RESET");
        Assert.That(rig.R(VirtioMmioRegister.InterruptStatus) & InterruptConfigChange, Is.Not.EqualTo(0), "configuration change notification");
        Assert.That(rig.Irq.Level, Is.True);
        Assert.That(rig.Warnings, Has.Count.EqualTo(1));
        if (rig.Used != 0) Assert.That(rig.UsedIdx, Is.EqualTo(0), "no buffer was returned");

        // Still broken: more notifications do nothing and log nothing more; the driver cannot clear the bit.
        rig.Notify();
        rig.W(VirtioMmioRegister.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk));
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.DeviceNeedsReset));
        Assert.That(rig.Warnings, Has.Count.EqualTo(1), "one warning per broken state");

        // Recover: reset, set up again, and a request works.
        rig.Reset();
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.None));
        Assert.That(rig.Irq.Level, Is.False);
        Assert.That(rig.Handshake(queueSize: Q), Is.True);
        var r = rig.Request(TypeIn, 3, inLength: 512);
        Assert.That(r.Completed, Is.True);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(_original.AsSpan(3 * 512, 512).ToArray()));
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None));

        rig.Blk!.Dispose();
        Assert.That(_file.Bytes(), Is.EqualTo(_original), "the malformed OUT wrote nothing");
    }

    [Test]
    public void ChainOver4GiB_IsRejected()
    {
        // §2.7.5.1: no chain longer than 2^32 bytes. 200 readable buffers of 31 MiB, overlapping in RAM.
        using var rig = new VirtioRig(DiskImage.Open(_file.Path, readOnly: false), legacy: false, ramSize: 64 << 20);
        rig.Handshake(queueSize: 256);
        rig.ResetAlloc();
        ulong h = rig.PutHeader(TypeOut, 0);
        ulong table = rig.Alloc(16 * 201);
        for (int i = 0; i < 200; i++) rig.SetDesc(table, i, h, 31 << 20, DescNext, (ushort)(i + 1));
        ulong s = rig.Alloc(1);
        rig.SetDesc(table, 200, s, 1, DescWrite, 0);
        rig.SetDesc(rig.Desc, 0, table, 16 * 201, DescIndirect, 0);
        rig.Offer(0);
        rig.Notify();
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.DeviceNeedsReset));
        Assert.That(rig.Warnings.Single(), Does.Contain("2^32"));
    }
}
