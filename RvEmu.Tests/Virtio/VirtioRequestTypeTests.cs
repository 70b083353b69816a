using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioBlockDevice;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// Issue 12: the legacy request types QEMU 7.2 honours behave as in QEMU (virtio 1.2 §5.2.6.4): OUT|BARRIER
/// writes, IN|BARRIER reads, FLUSH_OUT flushes; SCSI_CMD and SCSI_CMD_OUT are UNSUPP.
/// </summary>
[TestFixture]
public sealed class VirtioRequestTypeTests
{
    private TempImage _file = null!;

    [SetUp]
    public void SetUp() => _file = new TempImage(TempImage.Pattern(16 * 512, 3));

    [TearDown]
    public void TearDown() => _file.Dispose();

    [Test]
    public void OutWithBarrier_Writes_AndInWithBarrier_Reads()
    {
        using var rig = new VirtioRig(DiskImage.Open(_file.Path, readOnly: false), legacy: true);
        rig.Handshake(queueSize: 8);
        var data = TempImage.Pattern(1024, 11);
        var w = rig.Request(TypeOut | TypeBarrier, 4, outData: data);
        Assert.That(w.Status, Is.EqualTo(StatusOk));
        var r = rig.Request(TypeIn | TypeBarrier, 4, inLength: 1024);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(data));
    }

    [TestCase(TypeFlush | TypeOut, StatusOk)]
    [TestCase(TypeFlush | TypeBarrier, StatusOk)]
    [TestCase(TypeScsiCmd, StatusUnsupported)]
    [TestCase(TypeScsiCmd | TypeOut, StatusUnsupported)]
    [TestCase(3u | TypeBarrier, StatusUnsupported)]
    public void LegacyTypes_AnswerAsQemu(uint type, byte status)
    {
        using var rig = new VirtioRig(DiskImage.Open(_file.Path, readOnly: false), legacy: true);
        rig.Handshake(queueSize: 8);
        var before = new byte[16 * 512];
        rig.Blk!.Image.Read(0, before);
        var r = rig.Request(type, 0, inLength: 512);
        Assert.That(r.Completed, Is.True);
        Assert.That(r.Status, Is.EqualTo(status));
        var after = new byte[16 * 512];
        rig.Blk.Image.Read(0, after);
        Assert.That(after, Is.EqualTo(before), "none of these changes the image");
    }
}
