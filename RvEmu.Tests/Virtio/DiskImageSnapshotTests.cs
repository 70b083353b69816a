using RvEmu.Devices.Machine;
using RvEmu.Devices.Virtio;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// snapshot=on (QEMU's -snapshot): guest writes land in an in-memory copy-on-write overlay; reads see
/// them, the file never changes, and a second open sees the original again.
/// </summary>
[TestFixture]
public sealed class DiskImageSnapshotTests
{
    private string _path = "";

    [SetUp]
    public void CreateImage()
    {
        _path = Path.Combine(Path.GetTempPath(), $"rvemu-snap-{Guid.NewGuid():N}.img");
        // 5 pages and a half: the last overlay page runs past the end of the file.
        var data = new byte[4096 * 5 + 2048];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 13 + 1);
        File.WriteAllBytes(_path, data);
    }

    [TearDown]
    public void RemoveImage() => File.Delete(_path);

    [Test]
    public void Writes_AreReadBack_AcrossPageBoundaries_AndNeverReachTheFile()
    {
        var original = File.ReadAllBytes(_path);
        var expected = (byte[])original.Clone();
        using (var image = DiskImage.Open(_path, readOnly: false, snapshot: true))
        {
            Assert.That(image.Snapshot, Is.True);
            Assert.That(image.ReadOnly, Is.False, "the guest sees a writable disk");
            // One sector straddling pages 0 and 1, three pages from the middle of page 2, the last sector.
            Write(image, expected, 4096 - 512, 1024, 0xa1);
            Write(image, expected, 2 * 4096 + 1536, 3 * 4096 - 1536, 0xb2);
            Write(image, expected, (ulong)original.Length - 512, 512, 0xc3);
            image.Flush();

            var all = new byte[original.Length];
            image.Read(0, all);
            Assert.That(all, Is.EqualTo(expected), "reads merge the overlay with the file");
            var middle = new byte[700];
            image.Read(4096 - 300, middle);
            Assert.That(middle, Is.EqualTo(expected.AsSpan(4096 - 300, 700).ToArray()));
        }
        Assert.That(File.ReadAllBytes(_path), Is.EqualTo(original), "the file is never written");

        using var again = DiskImage.Open(_path, readOnly: false, snapshot: true);
        var fresh = new byte[original.Length];
        again.Read(0, fresh);
        Assert.That(fresh, Is.EqualTo(original), "a new run starts from the unmodified image");
    }

    [Test]
    public void SnapshotDrive_OpensTheFileForReadingOnly()
    {
        // A reader holds the file: a writable attach needs the exclusive lock and fails, a snapshot attach does not.
        using var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Assert.That(() => DiskImage.Open(_path, readOnly: false), Throws.Exception.With.Message.Contains("locked"));
        using var image = DiskImage.Open(_path, readOnly: false, snapshot: true);
        var data = new byte[512];
        data.AsSpan().Fill(0x5a);
        image.Write(0, data);
        var back = new byte[512];
        image.Read(0, back);
        Assert.That(back, Is.EqualTo(data));
    }

    [Test]
    public void DriveOption_SnapshotOn_IsParsed()
    {
        Assert.That(DriveOptions.Parse("file=a.img,snapshot=on").Snapshot, Is.True);
        Assert.That(DriveOptions.Parse("file=a.img").Snapshot, Is.False);
        Assert.That(() => DriveOptions.Parse("file=a.img,snapshot=maybe"), Throws.InstanceOf<FormatException>().With.Message.Contains("snapshot=maybe"));
    }

    private static void Write(DiskImage image, byte[] expected, ulong offset, int length, byte value)
    {
        var data = new byte[length];
        data.AsSpan().Fill(value);
        image.Write(offset, data);
        data.CopyTo(expected, (int)offset);
    }
}
