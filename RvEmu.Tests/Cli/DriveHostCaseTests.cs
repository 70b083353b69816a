using System.Diagnostics;
using System.Net.Sockets;
using RvEmu.Tests.Fdt;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 12, drives: host-side cases. A path that is not a regular file or a block device is refused before
/// any open; ",," writes a comma in a path; the same image twice says "attached twice"; and the image lock is
/// one QEMU honours, so QEMU and RvEmu each refuse an image the other holds.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class DriveHostCaseTests : CliTestBase
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    private static CliResult RunHelloWith(params string[] driveSpecs)
    {
        var args = new List<string> { "run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf") };
        foreach (var d in driveSpecs) args.AddRange(["--drive", d]);
        return RvEmuProcess.Run(Quick, [.. args]);
    }

    private static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("FIFOs, sockets and the QEMU image lock are checked on Linux");
    }

    private string MakeFifo(string name)
    {
        string path = Path.Combine(Dir, name);
        using var p = Process.Start("mkfifo", [path]);
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), "mkfifo failed");
        return path;
    }

    [TestCase("")]
    [TestCase(",readonly=on")] // a read-only open of a FIFO would block forever
    public void Fifo_IsRefused_WithoutBlocking(string options)
    {
        RequireLinux();
        string fifo = MakeFifo("pipe.img");
        AssertUsageError(RunHelloWith($"file={fifo}{options}"), fifo, "FIFO", "regular file or a block device");
    }

    [Test]
    public void Socket_IsRefused()
    {
        RequireLinux();
        string path = Path.Combine(Dir, "sock.img");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        AssertUsageError(RunHelloWith(path), path, "socket");
    }

    [Test]
    public void CharacterDevice_IsRefused()
    {
        RequireLinux();
        AssertUsageError(RunHelloWith("file=/dev/null,readonly=on"), "/dev/null", "character device");
    }

    [Test]
    public void DoubledComma_IsACommaInThePath()
    {
        string image = MakeImage("a,b.img");
        var r = RunHelloWith($"file={image.Replace(",", ",,")},readonly=on");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        AssertNoStackTrace(r);
    }

    [Test]
    public void UnknownKey_NamesTheCommaEscape()
    {
        string image = MakeImage("a,b.img");
        // Written with a single comma, the path splits and "b.img" becomes a part of its own.
        AssertUsageError(RunHelloWith($"file={image}"), "b.img", "',,'");
        AssertUsageError(RunHelloWith($"file={image.Replace(",", ",,")},cache=none"), "unknown key", "',,'");
    }

    [Test]
    public void SameImageTwice_SaysAttachedTwice()
    {
        string image = MakeImage("disk.img");
        var before = ImageSnapshot.Take(image);
        AssertUsageError(RunHelloWith(image, $"file={image},readonly=on"), image, "attached twice");
        before.AssertUnchanged();
    }

    [Test]
    public void SameImageThroughASymlink_SaysAttachedTwice()
    {
        RequireLinux();
        string image = MakeImage("disk.img");
        string link = Path.Combine(Dir, "link.img");
        File.CreateSymbolicLink(link, image);
        AssertUsageError(RunHelloWith(image, link), "attached twice", "same file");
    }

    private static Process StartQemuHolding(string image, bool readOnly)
    {
        var psi = new ProcessStartInfo("qemu-system-riscv64")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        // -S: the machine is built (the image open and locked) but never runs.
        foreach (var a in new[] { "-M", "virt", "-bios", "none", "-nographic", "-monitor", "none", "-serial", "none", "-S",
                     "-drive", $"file={image.Replace(",", ",,")},if=none,id=d0,format=raw,readonly={(readOnly ? "on" : "off")}",
                     "-device", "virtio-blk-device,drive=d0" })
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Wait until QEMU holds its lock bytes on <paramref name="image"/> (seen in /proc/locks by inode).</summary>
    private static bool WaitForQemuLock(string image, Process qemu)
    {
        string inode = InodeOf(image);
        for (int i = 0; i < 300 && !qemu.HasExited; i++)
        {
            if (File.ReadAllLines("/proc/locks").Any(l => l.Contains("OFDLCK") && l.Contains($":{inode} "))) return true;
            Thread.Sleep(100);
        }
        return false;
    }

    private static string InodeOf(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("stat", ["-L", "-c", "%i", path]) { RedirectStandardOutput = true })!;
        string s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return s;
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    public void ImageHeldByQemu_IsRefusedByRvEmu(bool qemuReadOnly, bool rvemuReadOnly)
    {
        RequireLinux();
        DtcTool.RequireQemu();
        string image = MakeImage("shared.img");
        var before = ImageSnapshot.Take(image);
        using var qemu = StartQemuHolding(image, qemuReadOnly);
        try
        {
            Assert.That(WaitForQemuLock(image, qemu), Is.True, $"QEMU did not lock the image: {(qemu.HasExited ? qemu.StandardError.ReadToEnd() : "")}");
            AssertUsageError(RunHelloWith(rvemuReadOnly ? $"file={image},readonly=on" : image), image, "locked", "QEMU");
        }
        finally
        {
            qemu.Kill(entireProcessTree: true);
            qemu.WaitForExit();
        }
        before.AssertUnchanged();
    }

    [Test]
    public void ImageHeldByQemuReadOnly_CanBeSharedReadOnly()
    {
        RequireLinux();
        DtcTool.RequireQemu();
        string image = MakeImage("shared.img");
        using var qemu = StartQemuHolding(image, readOnly: true);
        try
        {
            Assert.That(WaitForQemuLock(image, qemu), Is.True);
            var r = RunHelloWith($"file={image},readonly=on");
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        }
        finally
        {
            qemu.Kill(entireProcessTree: true);
            qemu.WaitForExit();
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ImageHeldByRvEmu_IsRefusedByQemu(bool qemuReadOnly)
    {
        RequireLinux();
        DtcTool.RequireQemu();
        string image = MakeImage("shared.img");
        using var rvemu = RvEmuProcess.Start("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--drive", image, "--timeout", "60");
        try
        {
            var banner = new char[1];
            var read = rvemu.StandardOutput.ReadAsync(banner, 0, 1);
            Assert.That(read.Wait(TimeSpan.FromSeconds(30)) && read.Result == 1, Is.True, "RvEmu did not start");
            using var qemu = StartQemuHolding(image, qemuReadOnly);
            var stderr = qemu.StandardError.ReadToEndAsync();
            bool exited = qemu.WaitForExit(30_000);
            if (!exited) qemu.Kill(entireProcessTree: true);
            qemu.WaitForExit();
            Assert.That(exited, Is.True, "QEMU ran on an image RvEmu holds for writing");
            Assert.That(qemu.ExitCode, Is.Not.EqualTo(0));
            Assert.That(stderr.Result, Does.Contain("lock"), "QEMU names the lock");
        }
        finally
        {
            rvemu.Kill(entireProcessTree: true);
            rvemu.WaitForExit();
        }
    }
}
