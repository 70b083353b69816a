using System.Diagnostics;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Firmware;

/// <summary>
/// Debian's U-Boot (S-mode, on OpenSBI) drives RvEmu's virtio-blk: it reads a file from a FAT image made
/// here with mkfs.vfat and mtools, writes a new one, and the host reads it back from the image.
/// </summary>
[TestFixture, Category("Firmware")]
public sealed class UBootVirtioTests
{
    private const string FwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";
    private const string UBootSmode = "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf";

    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        foreach (var f in new[] { FwJump, UBootSmode, "/usr/sbin/mkfs.vfat", "/usr/bin/mcopy" })
            if (!File.Exists(f)) Assert.Ignore($"{f} is missing: install Debian's opensbi, u-boot-qemu, dosfstools and mtools");
        _dir = Path.Combine(Path.GetTempPath(), $"rvemu-uboot-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (_dir is not null) Directory.Delete(_dir, recursive: true); // null when SetUp ignored the test
    }

    private static string Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), $"{file} {string.Join(' ', args)} failed: {output}");
        return output;
    }

    [TestCase("legacy")]
    [TestCase("modern")]
    public void UBoot_ReadsAndWritesFilesOnAFatImage(string layout)
    {
        string image = Path.Combine(_dir, "disk.img");
        string hello = Path.Combine(_dir, "hello.txt");
        File.WriteAllText(hello, "Hello from the host, through virtio-blk!\n");
        Tool("/usr/sbin/mkfs.vfat", "-C", image, "8192");
        Tool("/usr/bin/mcopy", "-i", image, hello, "::hello.txt");

        var drive = new DriveOptions { Path = image, Legacy = layout == "legacy" };
        using (var guest = GuestSession.Start(new MachineOptions { BiosPath = FwJump, KernelPath = UBootSmode, Drives = new[] { drive } }))
        {
            guest.WaitFor("Hit any key to stop autoboot");
            guest.Type(" ");
            guest.WaitFor("=> ");
            guest.Type("virtio scan; virtio info; ls virtio 0\r");
            string listing = guest.WaitFor("=> ");
            Assert.That(listing, Does.Contain("QEMU VirtIO Block Device"));
            Assert.That(listing, Does.Match(@"Capacity: 8\.0 MB .*\(16384 x 512\)"));
            Assert.That(listing, Does.Match(@"41\s+hello\.txt"));

            guest.Type("load virtio 0 $kernel_addr_r hello.txt; md.b $kernel_addr_r 0x29\r");
            string dump = guest.WaitFor("=> ");
            Assert.That(dump, Does.Contain("41 bytes read"));
            Assert.That(dump, Does.Contain("48 65 6c 6c 6f 20 66 72 6f 6d 20 74 68 65 20 68  Hello from the h"));

            // Write a new file from guest memory: "RvEmu" at $kernel_addr_r.
            guest.Type("mw.l $kernel_addr_r 0x6d457652; setexpr tail $kernel_addr_r + 4; mw.b $tail 0x75\r");
            guest.WaitFor("=> ");
            guest.Type("fatwrite virtio 0 $kernel_addr_r written.txt 5\r");
            Assert.That(guest.WaitFor("=> "), Does.Contain("5 bytes written"));
            guest.Type("poweroff\r");
            var result = guest.WaitForExit();
            Assert.That(result.ExitCode, Is.EqualTo(0));
        }

        string back = Path.Combine(_dir, "back.txt");
        Tool("/usr/bin/mcopy", "-i", image, "::written.txt", back);
        Assert.That(File.ReadAllText(back), Is.EqualTo("RvEmu"));
        Assert.That(new FileInfo(image).Length, Is.EqualTo(8192L * 1024), "the image never grows or shrinks");
    }
}
