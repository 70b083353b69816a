using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.EndToEnd;

/// <summary>
/// The bundled guest (firmware/guest) on RvEmu's own SBI firmware: it finds the disk in the generated
/// device tree, drives virtio-blk with PLIC interrupts, and powers off through SBI SRST.
/// </summary>
[TestFixture]
public sealed class BundledGuestTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("rvemu-guest-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string GuestElf()
    {
        string path = Path.Combine(_dir, "guest.elf");
        File.WriteAllBytes(path, BundledFirmware.GuestElf);
        return path;
    }

    private string DiskCopy()
    {
        string path = Path.Combine(_dir, "disk.img");
        File.WriteAllBytes(path, BundledFirmware.Disk);
        return path;
    }

    [TestCase(true, false)]
    [TestCase(false, false)]
    [TestCase(true, true)]
    [TestCase(false, true)]
    public void BundledGuest_PassesItsDiskTests(bool legacy, bool readOnly)
    {
        string disk = DiskCopy();
        var drive = new DriveOptions { Path = disk, Legacy = legacy, ReadOnly = readOnly };
        RunResult result;
        string output;
        using (var guest = GuestSession.Start(new MachineOptions
        {
            BiosImage = BundledFirmware.Sbi,
            KernelPath = GuestElf(),
            Drives = new[] { drive },
            Deterministic = true,
        }))
        {
            result = guest.WaitForExit(60);
            output = guest.Output;
        }
        Assert.That(output, Does.Contain("RvEmu SBI"), "the default firmware ran");
        Assert.That(output, Does.Contain(legacy ? "version 1 (legacy), device id 2 (block)" : "version 2 (modern), device id 2 (block)"));
        Assert.That(output, Does.Contain("Hello from the RvEmu bundled disk!"), "sector 0 was read and printed");
        Assert.That(output, Does.Contain(readOnly ? "read-only" : "write pattern, flush, read back: ok"));
        Assert.That(output, Does.Contain("guest: all disk tests passed"), output);
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit));
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(disk), Is.EqualTo(BundledFirmware.Disk), "the guest restores the sector it tests; read-only is never written");
    }

    [Test]
    public void BundledGuest_WithoutADisk_FailsWithItsNoDiskCode()
    {
        using var guest = GuestSession.Start(new MachineOptions { BiosImage = BundledFirmware.Sbi, KernelPath = GuestElf(), Deterministic = true });
        var result = guest.WaitForExit(60);
        Assert.That(guest.Output, Does.Contain("no virtio-blk device found"));
        Assert.That(result.ExitCode, Is.EqualTo(3), "firmware/guest README: exit code 3 = no disk");
    }
}
