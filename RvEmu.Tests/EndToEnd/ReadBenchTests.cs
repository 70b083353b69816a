using System.Buffers.Binary;
using System.Text.RegularExpressions;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.EndToEnd;

/// <summary>
/// The bundled guest's shell command "readbench" (firmware/guest/README.md), given on the kernel command
/// line with "poweroff" after it: it reads the whole disk in 128 KiB requests, prints the byte count,
/// time and MiB/s, a checksum of what it read, and powers off with exit code 0. Speed is not asserted:
/// it depends on the host.
/// </summary>
[TestFixture]
public sealed partial class ReadBenchTests
{
    private const int DiskBytes = 8 << 20;
    private const int SectorSize = 512;
    private const int RequestBytes = 128 << 10;

    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("rvemu-readbench-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"readbench: (\d+) bytes in (\d+\.\d{3}) s = (\d+\.\d) MiB/s \((\d+) requests of (\d+) bytes\)")]
    private static partial Regex ResultLine();

    [GeneratedRegex(@"checksum 0x([0-9a-f]{16}) ")]
    private static partial Regex ChecksumLine();

    /// <summary>Every sector starts with a distinct 64-bit word (the rest is zero), so a checksum over those words shows each sector arrived, in order.</summary>
    private static byte[] MakeImage()
    {
        var image = new byte[DiskBytes];
        for (int s = 0; s < DiskBytes / SectorSize; s++)
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(s * SectorSize), (ulong)s * 0x9E3779B97F4A7C15UL + 1);
        return image;
    }

    /// <summary>What the guest's README defines: 64-bit FNV-1a over each sector's first little-endian word, in sector order.</summary>
    private static ulong ExpectedChecksum(byte[] image)
    {
        ulong h = 0xcbf29ce484222325UL;
        for (int off = 0; off < image.Length; off += SectorSize)
        {
            h ^= BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(off));
            h = unchecked(h * 0x100000001b3UL);
        }
        return h;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ReadBench_ReadsTheWholeDiskAndPowersOff(bool legacy)
    {
        string kernel = Path.Combine(_dir, "guest.elf");
        File.WriteAllBytes(kernel, BundledFirmware.GuestElf);
        string disk = Path.Combine(_dir, "bench.img");
        byte[] image = MakeImage();
        File.WriteAllBytes(disk, image);

        RunResult result;
        string output;
        using (var guest = GuestSession.Start(new MachineOptions
        {
            BiosImage = BundledFirmware.Sbi,
            KernelPath = kernel,
            Bootargs = "readbench; poweroff",
            Drives = new[] { new DriveOptions { Path = disk, Legacy = legacy } },
            Deterministic = true,
        }))
        {
            result = guest.WaitForExit(120);
            output = guest.Output;
        }

        var line = ResultLine().Match(output);
        Assert.That(line.Success, Is.True, "the readbench result line is printed:\n" + output);
        Assert.That(line.Groups[1].Value, Is.EqualTo(DiskBytes.ToString()), "bytes read = the whole disk");
        Assert.That(line.Groups[4].Value, Is.EqualTo((DiskBytes / RequestBytes).ToString()), "one request per 128 KiB");
        Assert.That(line.Groups[5].Value, Is.EqualTo(RequestBytes.ToString()));
        var sum = ChecksumLine().Match(output);
        Assert.That(sum.Success, Is.True, "the checksum line is printed:\n" + output);
        Assert.That(Convert.ToUInt64(sum.Groups[1].Value, 16), Is.EqualTo(ExpectedChecksum(image)), "the guest saw every sector's data, in order");
        Assert.That(output, Does.Contain("guest: readbench done"));
        Assert.That(output, Does.Not.Contain("sector 0 says"), "the disk test (and its writes) are skipped");
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit));
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(disk), Is.EqualTo(image), "readbench never writes");
    }
}
