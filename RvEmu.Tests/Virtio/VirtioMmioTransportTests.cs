using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioMmioRegister;

namespace RvEmu.Tests.Virtio;

/// <summary>The virtio-mmio transport against virtio 1.2 §4.2 (modern) and §4.2.4 (legacy).</summary>
[TestFixture]
public class VirtioMmioTransportTests
{
    private const int ImageSize = 64 * 1024;
    private TempImage _file = null!;

    [SetUp]
    public void SetUp() => _file = new TempImage(TempImage.Pattern(ImageSize, 1));

    [TearDown]
    public void TearDown() => _file.Dispose();

    private VirtioRig Rig(bool legacy, bool readOnly = false) => new(DiskImage.Open(_file.Path, readOnly), legacy);

    [TestCase(true, 1u)]
    [TestCase(false, 2u)]
    public void EmptySlot_AnswersMagicVersionVendor_AndDeviceIdZero(bool legacy, uint version)
    {
        using var rig = new VirtioRig(null, legacy);
        Assert.That(rig.R(MagicValue), Is.EqualTo(0x74726976));
        Assert.That(rig.R(VirtioMmioRegister.Version), Is.EqualTo(version));
        Assert.That(rig.R(DeviceId), Is.EqualTo(0));
        Assert.That(rig.R(VendorId), Is.EqualTo(0x554d4551));
        // Everything else reads as zero and writes are ignored; the line never rises.
        rig.W(Status, 0xff);
        rig.W(QueueNum, 8);
        rig.W(QueueNotify, 0);
        foreach (var reg in new[] { DeviceFeatures, QueueNumMax, QueuePfn, QueueReady, InterruptStatus, Status, ConfigGeneration })
            Assert.That(rig.R(reg), Is.EqualTo(0), reg.ToString());
        Assert.That(rig.Config(0, 4), Is.EqualTo(0));
        Assert.That(rig.Irq.Raised, Is.EqualTo(0));
    }

    [TestCase(true, 1u)]
    [TestCase(false, 2u)]
    public void BlockDevice_IdentifiesItself(bool legacy, uint version)
    {
        using var rig = Rig(legacy);
        Assert.That(rig.R(MagicValue), Is.EqualTo(0x74726976));
        Assert.That(rig.R(VirtioMmioRegister.Version), Is.EqualTo(version));
        Assert.That(rig.R(DeviceId), Is.EqualTo(2), "virtio 1.2 §5.2.1: block device id 2");
        Assert.That(rig.R(VendorId), Is.EqualTo(0x554d4551));
        rig.W(QueueSel, 0);
        Assert.That(rig.R(QueueNumMax), Is.EqualTo(256));
        rig.W(QueueSel, 1);
        Assert.That(rig.R(QueueNumMax), Is.EqualTo(0), "§4.2.2: a queue that does not exist has QueueNumMax 0");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void FeatureWindows_OfferBlockAndTransportBits(bool legacy)
    {
        using var rig = Rig(legacy);
        rig.W(DeviceFeaturesSel, 0);
        uint low = rig.R(DeviceFeatures);
        rig.W(DeviceFeaturesSel, 1);
        uint high = rig.R(DeviceFeatures);
        rig.W(DeviceFeaturesSel, 2);
        uint beyond = rig.R(DeviceFeatures);
        // §5.2.3: SEG_MAX (2), BLK_SIZE (6), FLUSH (9); §6: INDIRECT_DESC (28), EVENT_IDX (29).
        uint expectedLow = 1u << 2 | 1u << 6 | 1u << 9 | 1u << 28 | 1u << 29;
        Assert.That(low, Is.EqualTo(expectedLow));
        Assert.That(low & (1u << 5), Is.EqualTo(0), "RO only on a read-only drive");
        // VERSION_1 is bit 32: offered by a modern device only.
        Assert.That(high, Is.EqualTo(legacy ? 0u : 1u));
        Assert.That(beyond, Is.EqualTo(0));
    }

    [Test]
    public void ReadOnlyDrive_OffersRo()
    {
        using var rig = Rig(legacy: false, readOnly: true);
        Assert.That(rig.DeviceFeatures() & (1UL << 5), Is.Not.EqualTo(0));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Handshake_FeaturesOkReadsBack_WhenTheSubsetIsOffered(bool legacy)
    {
        using var rig = Rig(legacy);
        Assert.That(rig.Handshake(), Is.True);
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk));
        Assert.That(rig.Transport.NegotiatedFeatures, Is.EqualTo(rig.Transport.OfferedFeatures));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Handshake_FeaturesOkStaysClear_WhenTheDriverAsksForUnofferedBits(bool legacy)
    {
        using var rig = Rig(legacy);
        ulong offered = rig.DeviceFeatures();
        Assert.That(rig.Handshake(offered | 1UL << 12), Is.False, "MQ (bit 12) is not offered");
        Assert.That(rig.Status & VirtioStatus.FeaturesOk, Is.EqualTo(VirtioStatus.None));
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None), "a refused negotiation is not a device error");
    }

    /// <summary>
    /// Issue 12: a modern device accepts FEATURES_OK from a driver that leaves VERSION_1 clear (virtio 1.2 §6.1
    /// "MAY fail", QEMU 7.2 accepts), as teaching kernels that write only the low 32 feature bits need, and
    /// then serves requests.
    /// </summary>
    [Test]
    public void Modern_AcceptsFeaturesOk_WithoutVersion1_AndServesRequests()
    {
        using var rig = Rig(legacy: false);
        Assert.That(rig.Handshake(1UL << 9, queueSize: 8), Is.True);
        Assert.That(rig.Transport.NegotiatedFeatures, Is.EqualTo(1UL << 9));
        var r = rig.Request(VirtioBlockDevice.TypeIn, 1, inLength: 512);
        Assert.That(r.Status, Is.EqualTo(VirtioBlockDevice.StatusOk));
        var expected = new byte[512];
        rig.Blk!.Image.Read(512, expected);
        Assert.That(r.Data, Is.EqualTo(expected));
    }

    [Test]
    public void Legacy_AcceptsFeaturesWithoutVersion1()
    {
        using var rig = Rig(legacy: true);
        Assert.That(rig.Handshake(1UL << 9), Is.True);
        Assert.That(rig.Transport.NegotiatedFeatures, Is.EqualTo(1UL << 9));
    }

    [Test]
    public void DriverFeatures_AreFrozenOnceFeaturesOkIsSet()
    {
        using var rig = Rig(legacy: false);
        Assert.That(rig.Handshake(1UL << 32), Is.True);
        rig.WriteDriverFeatures(1UL << 32 | 1UL << 9);
        Assert.That(rig.Transport.NegotiatedFeatures, Is.EqualTo(1UL << 32));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void WritingStatusZero_ResetsEverything(bool legacy)
    {
        using var rig = Rig(legacy);
        rig.Handshake(queueSize: 8);
        var r = rig.Request(VirtioBlockDevice.TypeIn, 0, inLength: 512);
        Assert.That(r.Status, Is.EqualTo(VirtioBlockDevice.StatusOk));
        Assert.That(rig.R(InterruptStatus), Is.EqualTo(1));
        Assert.That(rig.Irq.Level, Is.True);

        rig.Reset();
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.None));
        Assert.That(rig.R(InterruptStatus), Is.EqualTo(0));
        Assert.That(rig.Irq.Level, Is.False);
        Assert.That(rig.Transport.NegotiatedFeatures, Is.EqualTo(0));
        rig.W(QueueSel, 0);
        Assert.That(rig.R(legacy ? QueuePfn : QueueReady), Is.EqualTo(0), "§4.2.2/§4.2.4: reset clears QueueReady / QueuePFN");

        // The same request again after a fresh handshake starts from ring index 0.
        rig.Handshake(queueSize: 8);
        var again = rig.Request(VirtioBlockDevice.TypeIn, 0, inLength: 512);
        Assert.That(again.Completed && again.Status == VirtioBlockDevice.StatusOk, Is.True);
        Assert.That(rig.UsedIdx, Is.EqualTo(1));
    }

    [Test]
    public void ControlRegisters_IgnoreNon32BitAccesses()
    {
        using var rig = Rig(legacy: false);
        Assert.That(rig.Transport.Read((ulong)MagicValue, 2, out ulong v), Is.True);
        Assert.That(v, Is.EqualTo(0));
        Assert.That(rig.Transport.Write((ulong)Status, 1, 1), Is.True);
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.None));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ConfigSpace_HoldsCapacitySegMaxAndBlockSize(bool legacy)
    {
        using var rig = Rig(legacy);
        // §5.2.4 struct virtio_blk_config: capacity @0 (sectors), seg_max @12, blk_size @20.
        Assert.That(rig.Config(0, 8), Is.EqualTo((ulong)ImageSize / 512));
        Assert.That(rig.Config(0, 4), Is.EqualTo((ulong)ImageSize / 512));
        Assert.That(rig.Config(4, 4), Is.EqualTo(0));
        Assert.That(rig.Config(12, 4), Is.EqualTo(254));
        Assert.That(rig.Config(20, 4), Is.EqualTo(512));
        Assert.That(rig.Config(0, 1), Is.EqualTo((ulong)ImageSize / 512 & 0xff));
        // Beyond the config space reads all ones (as QEMU), writes do nothing.
        Assert.That(rig.Config(0xfc, 4), Is.EqualTo(0xffff_ffffUL));
        rig.Transport.Write((ulong)Config, 4, 12345);
        Assert.That(rig.Config(0, 8), Is.EqualTo((ulong)ImageSize / 512));
    }

    [Test]
    public void Modern_ConfigGenerationIsStable_AndNoSharedMemory()
    {
        using var rig = Rig(legacy: false);
        uint gen = rig.R(ConfigGeneration);
        rig.Config(0, 8);
        Assert.That(rig.R(ConfigGeneration), Is.EqualTo(gen));
        Assert.That(rig.R(ShmLenLow), Is.EqualTo(uint.MaxValue), "§4.2.2: a missing shared memory region has length -1");
        Assert.That(rig.R(ShmBaseHigh), Is.EqualTo(uint.MaxValue));
    }

    [TestCase(4096u)]
    [TestCase(64u)]
    public void Legacy_UsedRingFollowsQueueAlign(uint align)
    {
        using var rig = Rig(legacy: true);
        rig.Handshake(queueSize: 32, queueAlign: align);
        Assert.That(rig.R(QueuePfn), Is.EqualTo((uint)(VirtioRig.RingBase / 4096)));
        // With align 64 the used ring moves from RingBase+0x1000 to RingBase+0x280 (512 + 6 + 64 = 582, rounded up).
        ulong expectedUsed = align == 4096 ? VirtioRig.RingBase + 0x1000 : VirtioRig.RingBase + 0x280;
        Assert.That(rig.Used, Is.EqualTo(expectedUsed));
        var r = rig.Request(VirtioBlockDevice.TypeIn, 1, inLength: 512);
        Assert.That(r.Completed, Is.True);
        Assert.That(rig.Get16(expectedUsed + 2), Is.EqualTo(1), "used idx lives at the aligned used ring");
    }

    [Test]
    public void Legacy_QueuePfnZero_StopsTheQueue()
    {
        using var rig = Rig(legacy: true);
        rig.Handshake(queueSize: 8);
        rig.W(QueuePfn, 0);
        Assert.That(rig.R(QueuePfn), Is.EqualTo(0));
        rig.ResetAlloc();
        ulong h = rig.PutHeader(VirtioBlockDevice.TypeFlush, 0);
        ulong s = rig.Alloc(1);
        rig.Offer(rig.PutChain([new Seg(h, 16, false), new Seg(s, 1, true)]));
        rig.Notify();
        Assert.That(rig.UsedIdx, Is.EqualTo(0), "§4.2.2: no queue access while the queue is not in use");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void UsedBufferInterrupt_RaisedAndAcknowledged(bool legacy)
    {
        using var rig = Rig(legacy);
        rig.Handshake(queueSize: 8);
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.R(InterruptStatus), Is.EqualTo(1), "§4.2.2 InterruptStatus bit 0: used buffer");
        Assert.That(rig.Irq.Level, Is.True);
        rig.W(InterruptAck, 2);
        Assert.That(rig.Irq.Level, Is.True, "acknowledging another bit keeps the line up");
        rig.W(InterruptAck, 1);
        Assert.That(rig.R(InterruptStatus), Is.EqualTo(0));
        Assert.That(rig.Irq.Level, Is.False);
    }

    [Test]
    public void NoInterruptFlag_SuppressesTheNotification_WithoutEventIdx()
    {
        using var rig = Rig(legacy: false);
        rig.Handshake(1UL << 32, queueSize: 8);
        rig.SetAvailFlags(VirtioConstants.AvailNoInterrupt);
        var r = rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(r.Completed, Is.True);
        Assert.That(rig.R(InterruptStatus), Is.EqualTo(0));
        Assert.That(rig.Irq.Raised, Is.EqualTo(0));
        rig.SetAvailFlags(0);
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.Irq.Raised, Is.EqualTo(1), "§2.7.7.2: flags 0 → the device MUST notify");
    }

    [Test]
    public void EventIdx_NotifiesWhenUsedIdxPassesUsedEvent_AndPublishesAvailEvent()
    {
        using var rig = Rig(legacy: false);
        rig.Handshake(1UL << 32 | VirtioConstants.FeatureEventIdx, queueSize: 8);
        // The NO_INTERRUPT flag is ignored under EVENT_IDX (§2.7.7.2).
        rig.SetAvailFlags(VirtioConstants.AvailNoInterrupt);
        rig.SetUsedEvent(2); // notify when the entry at used index 2 is written (idx becomes 3)
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.Irq.Raised, Is.EqualTo(0));
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.Irq.Raised, Is.EqualTo(0));
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.Irq.Raised, Is.EqualTo(1));
        Assert.That(rig.AvailEvent, Is.EqualTo(3), "§2.7.10: avail_event asks for a kick at the next new entry");
        rig.Ack();
        rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(rig.Irq.Raised, Is.EqualTo(1), "used_event 2 was passed already");
    }

    [Test]
    public void EventIdx_BatchCrossingUsedEvent_Notifies()
    {
        using var rig = Rig(legacy: true);
        rig.Handshake(VirtioConstants.FeatureEventIdx, queueSize: 8);
        rig.SetUsedEvent(1);
        rig.ResetAlloc();
        for (int i = 0; i < 3; i++)
        {
            ulong h = rig.PutHeader(VirtioBlockDevice.TypeFlush, 0);
            ulong s = rig.Alloc(1);
            rig.Offer(rig.PutChain([new Seg(h, 16, false), new Seg(s, 1, true)]));
        }
        rig.Notify();
        Assert.That(rig.UsedIdx, Is.EqualTo(3));
        Assert.That(rig.Irq.Raised, Is.EqualTo(1));
    }

    [Test]
    public void NoBuffersConsumedBeforeDriverOk_ThenTakenAtDriverOk()
    {
        using var rig = Rig(legacy: false);
        rig.Handshake(queueSize: 8, driverOk: false);
        rig.ResetAlloc();
        ulong h = rig.PutHeader(VirtioBlockDevice.TypeFlush, 0);
        ulong s = rig.Alloc(1);
        rig.Offer(rig.PutChain([new Seg(h, 16, false), new Seg(s, 1, true)]));
        rig.Notify();
        Assert.That(rig.UsedIdx, Is.EqualTo(0), "§2.1.2: no buffers consumed before DRIVER_OK");
        rig.W(Status, (uint)(rig.Status | VirtioStatus.DriverOk));
        Assert.That(rig.UsedIdx, Is.EqualTo(1));
        Assert.That(rig.Irq.Level, Is.True);
    }

    [Test]
    public void Modern_QueueAddressesAreIgnoredWhileReady()
    {
        using var rig = Rig(legacy: false);
        rig.Handshake(queueSize: 8);
        rig.W(QueueDescLow, 0x1234_0000);
        rig.W(QueueNum, 4);
        var r = rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(r.Completed && r.Status == VirtioBlockDevice.StatusOk, Is.True);
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None));
    }

    [Test]
    public void LargeRequest_IsFinishedFromPoll_WithoutStallingTheNotify()
    {
        const int size = 3 << 20;
        var content = TempImage.Pattern(size, 7);
        using var big = new TempImage(content);
        using var rig = new VirtioRig(DiskImage.Open(big.Path, readOnly: false), legacy: false, ramSize: 8 << 20);
        rig.Handshake(queueSize: 8);
        rig.ResetAlloc();
        ulong h = rig.PutHeader(VirtioBlockDevice.TypeIn, 0);
        ulong d = rig.Alloc(size);
        ulong s = rig.Alloc(1);
        rig.Offer(rig.PutChain([new Seg(h, 16, false), new Seg(d, size, true), new Seg(s, 1, true)]));
        rig.Notify();
        Assert.That(rig.UsedIdx, Is.EqualTo(0), "a 3 MiB read is more than one step");
        Assert.That(rig.Transport.NextDeadline, Is.EqualTo(0), "unfinished work asks to be polled at once");
        int polls = 0;
        while (rig.Transport.NextDeadline == 0 && polls < 100) { rig.Transport.Poll(); polls++; }
        Assert.That(rig.UsedIdx, Is.EqualTo(1));
        Assert.That(polls, Is.GreaterThanOrEqualTo(2));
        Assert.That(rig.Get(s, 1)[0], Is.EqualTo(VirtioBlockDevice.StatusOk));
        Assert.That(rig.Get(d, size).AsSpan().SequenceEqual(content), Is.True, "guest buffer holds the image");
        Assert.That(rig.UsedElem(0).Len, Is.EqualTo((uint)size + 1));
        Assert.That(rig.Transport.NextDeadline, Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void ResetDuringALargeRequest_DropsIt()
    {
        const int size = 3 << 20;
        using var big = new TempImage(TempImage.Pattern(size, 8));
        using var rig = new VirtioRig(DiskImage.Open(big.Path, readOnly: false), legacy: true);
        rig.Handshake(queueSize: 8);
        rig.ResetAlloc();
        ulong h = rig.PutHeader(VirtioBlockDevice.TypeIn, 0);
        ulong d = rig.Alloc(size);
        ulong s = rig.Alloc(1);
        rig.Offer(rig.PutChain([new Seg(h, 16, false), new Seg(d, size, true), new Seg(s, 1, true)]));
        rig.Notify();
        rig.Reset();
        Assert.That(rig.Transport.NextDeadline, Is.EqualTo(ulong.MaxValue));
        rig.Handshake(queueSize: 8);
        var r = rig.Request(VirtioBlockDevice.TypeFlush, 0);
        Assert.That(r.Completed && r.Status == VirtioBlockDevice.StatusOk, Is.True);
        Assert.That(rig.UsedIdx, Is.EqualTo(1));
    }

    [Test]
    public void RegisterNames_ComeFromTheSpecTable()
    {
        using var rig = Rig(legacy: true);
        Assert.That(rig.Transport.RegisterName(0x70), Is.EqualTo("Status"));
        Assert.That(rig.Transport.RegisterName(0x40), Is.EqualTo("QueuePfn"));
        Assert.That(rig.Transport.RegisterName(0x108), Is.EqualTo("Config+0x8"));
        Assert.That(rig.Transport.RegisterName(0x18), Is.Null);
    }
}
