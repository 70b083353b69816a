using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 5's rules for images that are odd but usable: a size that is not a multiple of 512 gets a
/// warning, the capacity rounds down and the tail bytes are never touched; readonly=on never opens
/// the image for writing. The bundled guest (rvemu run with no --kernel) runs its read-only tour on the
/// disk it is given (firmware/guest/README.md) and, stdin not being a terminal, powers off.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class DiskImageRunTests : CliTestBase
{
    private const string GuestPassed = "guest: powering off";

    [Test]
    public void OddSizedImage_WarnsAndNeverTouchesTheTail()
    {
        var tail = Enumerable.Repeat((byte)0xa5, 100).ToArray();
        string image = WriteFile("odd.img", [.. BundledFirmware.Disk, .. tail]);
        var original = File.ReadAllBytes(image);

        var r = RvEmuProcess.Run("run", "--drive", image);

        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
            Assert.That(r.Stdout, Does.Contain(GuestPassed), r.ToString);
            AssertNoStackTrace(r);
            Assert.That(r.StderrLines, Has.Some.Contains("512").And.Some.StartsWith("rvemu: "), "a warning names the sector size");
            Assert.That(r.StderrLines, Has.All.StartsWith("rvemu: "), r.ToString);
            Assert.That(r.Stdout, Does.Contain("blk0: 2048 sectors"), "the capacity rounds down to whole sectors");
            Assert.That(File.ReadAllBytes(image), Is.EqualTo(original),
                "the tour only reads, and the 100-byte tail is beyond the capacity");
        });
    }

    [Test]
    public void ReadOnlyDrive_IsNeverOpenedForWriting()
    {
        string image = WriteFile("ro.img", BundledFirmware.Disk);
        File.SetLastWriteTimeUtc(image, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var before = ImageSnapshot.Take(image);

        // Hold a shared (reader's) lock for the whole run: a writable attach needs the exclusive lock and fails.
        using (new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var writable = RvEmuProcess.Run("run", "--drive", image);
            AssertUsageError(writable, "locked");

            var r = RvEmuProcess.Run("run", "--drive", $"file={image},readonly=on");
            Assert.Multiple(() =>
            {
                Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
                Assert.That(r.Stdout, Does.Contain("read-only").And.Contain(GuestPassed), r.ToString);
                AssertNoStackTrace(r);
            });
        }
        before.AssertUnchanged();
    }

    [Test]
    public void SnapshotDrive_GuestWritesAndReadsBack_ButTheFileIsNeverOpenedForWriting()
    {
        string image = WriteFile("snap.img", BundledFirmware.Disk);
        File.SetLastWriteTimeUtc(image, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var before = ImageSnapshot.Take(image);

        // A reader's lock held for the run: only an attach that never opens the file for writing succeeds.
        using (new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var r = RvEmuProcess.Run("run", "--drive", $"file={image},snapshot=on");
            Assert.Multiple(() =>
            {
                Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
                Assert.That(r.Stdout, Does.Not.Contain("read-only"), "the guest sees a writable disk");
                Assert.That(r.Stdout, Does.Contain(GuestPassed), r.ToString);
                AssertNoStackTrace(r);
            });
        }
        before.AssertUnchanged();
    }
}
