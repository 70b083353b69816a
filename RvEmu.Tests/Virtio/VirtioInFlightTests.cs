using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioMmioRegister;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// Issue 12: a request in flight never outlives its queue. A transfer larger than one step
/// (<see cref="VirtioBlockDevice.BytesPerStep"/>) is left half done by the notify; then the driver resets,
/// disables or moves the queue. A write is finished on the image (as QEMU drains), never acknowledged into
/// the old or a new ring; a read is cancelled, so memory the driver reuses is not written.
/// </summary>
[TestFixture]
public sealed class VirtioInFlightTests
{
    private const int Big = 3 << 20; // three steps
    private const int ImageSize = 4 << 20;
    private TempImage _file = null!;

    [SetUp]
    public void SetUp() => _file = new TempImage(TempImage.Pattern(ImageSize, 7));

    [TearDown]
    public void TearDown() => _file.Dispose();

    private VirtioRig Rig(bool legacy) => _rig = new(DiskImage.Open(_file.Path, readOnly: false), legacy, ramSize: 16 << 20);

    /// <summary>Offer a one-request chain and notify once (one step of work); returns the data buffer's address.</summary>
    private static ulong SubmitAndNotifyOnce(VirtioRig rig, uint type, ulong sector, byte[]? outData, int inLength, int pieces = 4)
    {
        rig.ResetAlloc();
        ulong header = rig.PutHeader(type, sector);
        int length = outData?.Length ?? inLength;
        ulong data = rig.Alloc((ulong)length);
        if (outData is not null) rig.Put(data, outData);
        else rig.Fill(data, length, 0xcc);
        var segs = new List<Seg> { new(header, 16, false) };
        int piece = length / pieces;
        for (int i = 0; i < pieces; i++) segs.Add(new Seg(data + (ulong)(i * piece), (uint)piece, outData is null));
        ulong status = rig.Alloc(1);
        rig.Fill(status, 1, 0xee);
        segs.Add(new Seg(status, 1, true));
        rig.Offer(rig.PutChain(segs));
        rig.Notify();
        Assert.That(rig.Transport.NextDeadline, Is.EqualTo(0UL), "the transfer must still be in progress after one notify");
        return data;
    }

    private static void Drive(VirtioRig rig)
    {
        for (int i = 0; i < 100 && rig.Transport.NextDeadline == 0; i++) rig.Transport.Poll();
    }

    // Through the device's own handle: the image is open without sharing while the rig lives.
    private VirtioRig? _rig;

    private byte[] ImageRange(int offset, int length)
    {
        var b = new byte[length];
        _rig!.Blk!.Image.Read((ulong)offset, b);
        return b;
    }

    [Test]
    public void LegacyQueuePfnZero_ResetsTheDevice_AndTheReadDoesNotResumeIntoReusedMemory()
    {
        using var rig = Rig(legacy: true);
        rig.Handshake(queueSize: 16);
        ulong data = SubmitAndNotifyOnce(rig, VirtioBlockDevice.TypeIn, 0, null, Big);
        rig.W(QueuePfn, 0);
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.None), "QEMU 7.2: QueuePFN 0 resets the device");
        Assert.That(rig.R(GuestPageSize), Is.EqualTo(0u), "GuestPageSize is write-only (reads 0)");

        // The driver reuses the buffer for something else, sets the device up again and reads one sector.
        rig.Fill(data, Big, 0xab);
        rig.Handshake(queueSize: 16);
        var r = rig.Request(VirtioBlockDevice.TypeIn, 1, inLength: 512);
        Drive(rig);
        Assert.That(r.Status, Is.EqualTo(VirtioBlockDevice.StatusOk));
        Assert.That(r.Data, Is.EqualTo(ImageRange(512, 512)));
        Assert.That(rig.UsedIdx, Is.EqualTo(1), "only the new request is posted");
        Assert.That(rig.Get(data + (2 << 20), 1 << 20), Has.All.EqualTo((byte)0xab), "the old read never resumes");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void DeviceReset_MidMultiSegmentWrite_FinishesTheWrite_WithoutAcknowledgingIt(bool legacy)
    {
        using var rig = Rig(legacy);
        rig.Handshake(queueSize: 16);
        var payload = TempImage.Pattern(Big, 99);
        SubmitAndNotifyOnce(rig, VirtioBlockDevice.TypeOut, 2, payload, 0);
        Assert.That(ImageRange(1024 + (2 << 20), 1 << 20), Is.Not.EqualTo(payload.AsSpan(2 << 20).ToArray()), "not yet written");
        rig.Reset();
        Assert.That(ImageRange(1024, Big), Is.EqualTo(payload), "a write the guest submitted whole is never left torn");
        Assert.That(rig.UsedIdx, Is.EqualTo(0), "and is not acknowledged");
        Assert.That(ImageRange(0, 1024), Is.EqualTo(TempImage.Pattern(ImageSize, 7).AsSpan(0, 1024).ToArray()), "bytes outside the request unchanged");
    }

    [Test]
    public void ModernQueueReadyZero_EndsTheWrite_AndANewNotifyWritesNothingFromTheReusedBuffer()
    {
        using var rig = Rig(legacy: false);
        rig.Handshake(queueSize: 16);
        var payload = TempImage.Pattern(Big, 5);
        ulong data = SubmitAndNotifyOnce(rig, VirtioBlockDevice.TypeOut, 0, payload, 0);
        rig.W(QueueSel, 0);
        rig.W(QueueReady, 0);
        Assert.That(rig.R(QueueReady), Is.EqualTo(0u));
        Assert.That(ImageRange(0, Big), Is.EqualTo(payload), "the write is finished when the queue is disabled");
        rig.Fill(data, Big, 0x5a); // the driver reuses its buffer
        rig.W(QueueReady, 1);
        rig.Notify();
        Drive(rig);
        Assert.That(ImageRange(0, Big), Is.EqualTo(payload), "bytes the driver never submitted are never written");
        Assert.That(rig.UsedIdx, Is.EqualTo(0), "the old head is not posted");
        Assert.That(rig.Status & VirtioStatus.DeviceNeedsReset, Is.EqualTo(VirtioStatus.None));
    }

    [Test]
    public void LegacyQueuePfnMoved_EndsTheRead_AndTheNewRingGetsOnlyItsOwnRequests()
    {
        using var rig = Rig(legacy: true);
        rig.Handshake(queueSize: 16);
        ulong data = SubmitAndNotifyOnce(rig, VirtioBlockDevice.TypeIn, 0, null, Big);
        rig.Fill(data, Big, 0x77);
        // The driver moves the queue: SetUpQueue lays a fresh ring and writes a new QueuePFN.
        rig.SetUpQueue(16);
        var r = rig.Request(VirtioBlockDevice.TypeIn, 3, inLength: 1024);
        Drive(rig);
        Assert.That(r.Completed, Is.True);
        Assert.That(r.UsedId, Is.EqualTo(0), "the new ring's own head");
        Assert.That(rig.UsedIdx, Is.EqualTo(1));
        Assert.That(r.Data, Is.EqualTo(ImageRange(3 * 512, 1024)));
    }
}
