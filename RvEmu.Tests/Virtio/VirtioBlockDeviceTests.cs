using System.Text;
using RvEmu.Core.Loader;
using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioBlockDevice;

namespace RvEmu.Tests.Virtio;

/// <summary>virtio-blk requests (virtio 1.2 §5.2.6) against a raw image, in both register layouts.</summary>
[TestFixture]
public class VirtioBlockDeviceTests
{
    private const int Sectors = 128;
    private const int ImageSize = Sectors * 512;
    private TempImage _file = null!;
    private byte[] _original = null!;

    [SetUp]
    public void SetUp()
    {
        _original = TempImage.Pattern(ImageSize, 42);
        _file = new TempImage(_original);
    }

    [TearDown]
    public void TearDown() => _file.Dispose();

    private VirtioRig Ready(bool legacy, bool readOnly = false, ushort queueSize = 16)
    {
        var rig = new VirtioRig(DiskImage.Open(_file.Path, readOnly), legacy);
        Assert.That(rig.Handshake(queueSize: queueSize), Is.True);
        return rig;
    }

    private static byte[] Slice(byte[] b, long offset, int length) => b.AsSpan((int)offset, length).ToArray();

    [TestCase(true)]
    [TestCase(false)]
    public void In_ReadsTheSectors(bool legacy)
    {
        using var rig = Ready(legacy);
        var r = rig.Request(TypeIn, 5, inLength: 3 * 512);
        Assert.That(r.Completed, Is.True);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(Slice(_original, 5 * 512, 3 * 512)));
        Assert.That(r.UsedLength, Is.EqualTo(3 * 512 + 1), "used len: data and status byte written");
        Assert.That(r.UsedId, Is.EqualTo(0), "the used id is the chain head");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Out_WritesOnlyTheSectors(bool legacy)
    {
        using var rig = Ready(legacy);
        var data = TempImage.Pattern(2 * 512, 9);
        var r = rig.Request(TypeOut, 10, outData: data);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.UsedLength, Is.EqualTo(1));
        var expected = (byte[])_original.Clone();
        data.CopyTo(expected, 10 * 512);
        rig.Blk!.Dispose();
        Assert.That(_file.Bytes(), Is.EqualTo(expected));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void OutThenIn_RoundTrips_WithDataSplitAcrossDescriptors(bool legacy)
    {
        using var rig = Ready(legacy);
        var data = TempImage.Pattern(4 * 512, 10);
        Assert.That(rig.Request(TypeOut, 100, outData: data, pieces: 7).Status, Is.EqualTo(StatusOk));
        var r = rig.Request(TypeIn, 100, inLength: 4 * 512, pieces: 5);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(data));
    }

    [Test]
    public void Flush_Succeeds()
    {
        using var rig = Ready(legacy: false);
        var r = rig.Request(TypeFlush, 0);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.UsedLength, Is.EqualTo(1));
    }

    [TestCase(20)]
    [TestCase(8)]
    [TestCase(32)]
    public void GetId_AnswersTheFileNameCutTo20Bytes(int bufferLength)
    {
        using var named = new TempImage(new byte[4096], "a-rather-long-disk-image-name.img");
        using var rig = new VirtioRig(DiskImage.Open(named.Path, readOnly: true), legacy: false);
        rig.Handshake(queueSize: 8);
        var r = rig.Request(TypeGetId, 0, inLength: bufferLength);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        byte[] id = Encoding.ASCII.GetBytes("a-rather-long-disk-image-name.img"[..20]);
        int n = Math.Min(20, bufferLength);
        Assert.That(r.Data.Take(n), Is.EqualTo(id.Take(n)));
        Assert.That(r.UsedLength, Is.EqualTo((uint)n + 1));
    }

    [Test]
    public void GetId_ShortNameIsNulPadded()
    {
        using var named = new TempImage(new byte[4096], "d.img");
        using var rig = new VirtioRig(DiskImage.Open(named.Path, readOnly: true), legacy: true);
        rig.Handshake(queueSize: 8);
        var r = rig.Request(TypeGetId, 0, inLength: 20);
        Assert.That(r.Data, Is.EqualTo(Encoding.ASCII.GetBytes("d.img").Concat(new byte[15])));
    }

    [TestCase(2u)] // legacy SCSI command
    [TestCase(11u)] // DISCARD, not offered
    [TestCase(13u)] // WRITE_ZEROES, not offered
    [TestCase(0xffff_ffffu)]
    public void UnknownTypes_AnswerUnsupp(uint type)
    {
        using var rig = Ready(legacy: false);
        var r = rig.Request(type, 0, inLength: 512);
        Assert.That(r.Status, Is.EqualTo(StatusUnsupported));
        Assert.That(r.Data, Is.All.EqualTo(0xcc), "nothing but the status byte is written");
        rig.Blk!.Dispose();
        Assert.That(_file.Bytes(), Is.EqualTo(_original));
    }

    [TestCase(TypeIn, (ulong)Sectors - 1, 1, StatusOk)]
    [TestCase(TypeIn, (ulong)Sectors - 1, 2, StatusIoError)]
    [TestCase(TypeIn, (ulong)Sectors, 1, StatusIoError)]
    [TestCase(TypeIn, (ulong)Sectors + 1, 1, StatusIoError)]
    [TestCase(TypeIn, ulong.MaxValue, 1, StatusIoError)]
    [TestCase(TypeIn, ulong.MaxValue / 512 + 1, 1, StatusIoError)] // sector * 512 would wrap to 0
    [TestCase(TypeIn, 1UL << 55, 2, StatusIoError)]
    [TestCase(TypeOut, (ulong)Sectors - 2, 2, StatusOk)]
    [TestCase(TypeOut, (ulong)Sectors - 1, 2, StatusIoError)]
    [TestCase(TypeOut, ulong.MaxValue, 1, StatusIoError)]
    [TestCase(TypeOut, ulong.MaxValue - 1, 2, StatusIoError)] // sector + count would wrap
    [TestCase(TypeOut, ulong.MaxValue / 512 + 1, 1, StatusIoError)]
    public void Ranges_AreCheckedWithoutOverflow(uint type, ulong sector, int count, byte expected)
    {
        using var rig = Ready(legacy: true);
        var data = TempImage.Pattern(count * 512, 3);
        var r = type == TypeIn ? rig.Request(type, sector, inLength: count * 512) : rig.Request(type, sector, outData: data);
        Assert.That(r.Status, Is.EqualTo(expected));
        rig.Blk!.Dispose();
        var expectedFile = (byte[])_original.Clone();
        if (type == TypeOut && expected == StatusOk) data.CopyTo(expectedFile, (int)sector * 512);
        Assert.That(_file.Bytes(), Is.EqualTo(expectedFile));
        if (type == TypeIn && expected == StatusOk) Assert.That(r.Data, Is.EqualTo(Slice(_original, (long)sector * 512, count * 512)));
        if (expected != StatusOk) Assert.That(r.UsedLength, Is.EqualTo(1));
    }

    [TestCase(TypeIn, 100)]
    [TestCase(TypeOut, 513)]
    public void DataNotAWholeNumberOfSectors_IsAnIoError(uint type, int length)
    {
        using var rig = Ready(legacy: false);
        var r = type == TypeIn ? rig.Request(type, 0, inLength: length) : rig.Request(type, 0, outData: new byte[length]);
        Assert.That(r.Status, Is.EqualTo(StatusIoError));
        rig.Blk!.Dispose();
        Assert.That(_file.Bytes(), Is.EqualTo(_original));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void IndirectDescriptors_CarryWholeRequests(bool legacy)
    {
        using var rig = Ready(legacy);
        var data = TempImage.Pattern(3 * 512, 11);
        Assert.That(rig.Request(TypeOut, 7, outData: data, pieces: 3, indirect: true).Status, Is.EqualTo(StatusOk));
        var r = rig.Request(TypeIn, 7, inLength: 3 * 512, pieces: 3, indirect: true);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(data));
    }

    [Test]
    public void IndirectTable_AfterDirectDescriptors_IsAccepted()
    {
        // §2.7.5.3.2: zero or more direct descriptors followed by one indirect descriptor.
        using var rig = Ready(legacy: false);
        var r = rig.Request(TypeIn, 3, inLength: 2 * 512, pieces: 2, indirect: true, directPrefix: 2);
        Assert.That(r.Status, Is.EqualTo(StatusOk));
        Assert.That(r.Data, Is.EqualTo(Slice(_original, 3 * 512, 2 * 512)));
    }

    [Test]
    public void AnyLayout_HeaderDataAndStatusMayShareDescriptors()
    {
        // §2.7.4: the device makes no assumption about the descriptor layout.
        using var rig = Ready(legacy: true);
        rig.ResetAlloc();
        ulong header = rig.PutHeader(TypeOut, 20);
        var data = TempImage.Pattern(512, 12);
        ulong d = rig.Alloc(512);
        Assert.That(d, Is.EqualTo(header + 16), "data right after the header");
        rig.Put(d, data);
        ulong s = rig.Alloc(1);
        // Header and data in one readable descriptor split at an odd place (10 + 518 bytes).
        rig.Offer(rig.PutChain([new Seg(header, 10, false), new Seg(header + 10, 518, false), new Seg(s, 1, true)]));
        rig.Notify();
        Assert.That(rig.Get(s, 1)[0], Is.EqualTo(StatusOk));

        // IN with data and status in one writable descriptor.
        rig.ResetAlloc();
        ulong h2 = rig.PutHeader(TypeIn, 20);
        ulong ds = rig.Alloc(513);
        rig.Offer(rig.PutChain([new Seg(h2, 16, false), new Seg(ds, 513, true)]));
        rig.Notify();
        var back = rig.Get(ds, 513);
        Assert.That(back[512], Is.EqualTo(StatusOk));
        Assert.That(back.Take(512), Is.EqualTo(data));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ReadOnlyDrive_FailsEveryOut_AndLeavesTheFileAlone(bool legacy)
    {
        var before = File.GetLastWriteTimeUtc(_file.Path);
        using (var rig = Ready(legacy, readOnly: true))
        {
            Assert.That(rig.Request(TypeOut, 0, outData: new byte[512]).Status, Is.EqualTo(StatusIoError));
            Assert.That(rig.Request(TypeOut, 50, outData: new byte[4096], pieces: 3).Status, Is.EqualTo(StatusIoError));
            Assert.That(rig.Request(TypeOut, ulong.MaxValue, outData: new byte[512]).Status, Is.EqualTo(StatusIoError));
            Assert.That(rig.Request(TypeFlush, 0).Status, Is.EqualTo(StatusOk));
            var r = rig.Request(TypeIn, 1, inLength: 512);
            Assert.That(r.Status, Is.EqualTo(StatusOk));
            Assert.That(r.Data, Is.EqualTo(Slice(_original, 512, 512)));
        }
        Assert.That(_file.Bytes(), Is.EqualTo(_original));
        Assert.That(File.GetLastWriteTimeUtc(_file.Path), Is.EqualTo(before));
    }

    [Test]
    public void ReadOnlyImage_IsOpenedWithoutWriteAccess()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("reads the open flags from /proc/self/fdinfo");
        using var image = DiskImage.Open(_file.Path, readOnly: true);
        int flags = OpenFlagsOf(_file.Path);
        Assert.That(flags & 3, Is.EqualTo(0), "O_ACCMODE of the open file is O_RDONLY");
        using var rw = new TempImage(new byte[512]);
        using var writable = DiskImage.Open(rw.Path, readOnly: false);
        Assert.That(OpenFlagsOf(rw.Path) & 3, Is.EqualTo(2), "control: a writable image is O_RDWR");
    }

    /// <summary>The flags of this process's open descriptor for <paramref name="path"/>, from /proc/self/fdinfo.</summary>
    private static int OpenFlagsOf(string path)
    {
        string full = Path.GetFullPath(path);
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
            if (target != full) continue;
            string info = File.ReadAllText($"/proc/self/fdinfo/{Path.GetFileName(fd)}");
            string line = info.Split('\n').First(l => l.StartsWith("flags:"));
            return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
        }
        Assert.Fail($"{path} is not open");
        return -1;
    }

    [Test]
    public void ImageSizeNotAMultipleOf512_RoundsDown_WarnsOnce_AndNeverTouchesTheTail()
    {
        var content = TempImage.Pattern(10 * 512 + 100, 5);
        using var odd = new TempImage(content);
        var warnings = new List<string>();
        var image = DiskImage.Open(odd.Path, readOnly: false, warnings.Add);
        Assert.That(image.Capacity, Is.EqualTo(10));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("512").And.Contain(odd.Path));
        using (var rig = new VirtioRig(image, legacy: false))
        {
            rig.Handshake(queueSize: 8);
            Assert.That(rig.Config(0, 8), Is.EqualTo(10));
            var last = TempImage.Pattern(512, 6);
            Assert.That(rig.Request(TypeOut, 9, outData: last).Status, Is.EqualTo(StatusOk));
            Assert.That(rig.Request(TypeOut, 10, outData: new byte[512]).Status, Is.EqualTo(StatusIoError), "the partial sector is beyond capacity");
            Assert.That(rig.Request(TypeIn, 10, inLength: 512).Status, Is.EqualTo(StatusIoError));
            Assert.That(rig.Request(TypeFlush, 0).Status, Is.EqualTo(StatusOk));
            last.CopyTo(content, 9 * 512);
        }
        var after = odd.Bytes();
        Assert.That(after, Has.Length.EqualTo(10 * 512 + 100), "the image never grows or shrinks");
        Assert.That(after, Is.EqualTo(content));
    }

    [Test]
    public void Open_MissingFile_IsOneClearLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rvemu-no-such-{Guid.NewGuid():N}.img");
        var e = Assert.Throws<LoadException>(() => DiskImage.Open(path, readOnly: false));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("no such"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void Open_Directory_IsOneClearLine()
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-virtio-dir").FullName;
        try
        {
            var e = Assert.Throws<LoadException>(() => DiskImage.Open(dir, readOnly: true));
            Assert.That(e!.Message, Does.Contain("directory"));
        }
        finally { Directory.Delete(dir); }
    }

    [Test]
    public void Open_ImageLockedByAnotherWriter_IsOneClearLine()
    {
        using var first = DiskImage.Open(_file.Path, readOnly: false);
        var e = Assert.Throws<LoadException>(() => DiskImage.Open(_file.Path, readOnly: false));
        Assert.That(e!.Message, Does.Contain("locked"));
        var e2 = Assert.Throws<LoadException>(() => DiskImage.Open(_file.Path, readOnly: true));
        Assert.That(e2!.Message, Does.Contain("locked"), "a reader must not see an image another RvEmu writes");
    }

    [Test]
    public void Open_TwoReadersShareAnImage()
    {
        using var a = DiskImage.Open(_file.Path, readOnly: true);
        using var b = DiskImage.Open(_file.Path, readOnly: true);
        Assert.That(b.Capacity, Is.EqualTo(a.Capacity));
        var e = Assert.Throws<LoadException>(() => DiskImage.Open(_file.Path, readOnly: false));
        Assert.That(e!.Message, Does.Contain("locked"));
    }

    [Test]
    public void Open_ReleasesTheLockOnDispose()
    {
        DiskImage.Open(_file.Path, readOnly: false).Dispose();
        using var again = DiskImage.Open(_file.Path, readOnly: false);
        Assert.That(again.Capacity, Is.EqualTo((ulong)Sectors));
    }
}
