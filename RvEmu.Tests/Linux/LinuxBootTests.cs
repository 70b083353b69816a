using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Linux;

/// <summary>
/// Issue 10: Linux 6.1 (Debian's linux-source-6.1, firmware/linux/kernel.config) boots to a BusyBox
/// shell on RvEmu with every firmware (RvEmu's built-in SBI, Debian's OpenSBI fw_jump and
/// fw_dynamic) and both virtio-mmio register layouts; the shell answers commands, a file written
/// and synced in the guest is in the image after poweroff, and reboot starts Linux again.
/// Needs firmware/linux/build.sh to have run (.ci/run does); skipped with the reason otherwise.
/// </summary>
[TestFixture, Category("Linux")]
[Parallelizable(ParallelScope.None)]
public sealed class LinuxBootTests
{
    /// <summary>Seconds a boot may take on a loaded 2-core host (it takes a few seconds when the host is idle).</summary>
    private const double BootSeconds = 300;
    private const double CommandSeconds = 120;

    private string _dir = "";

    [SetUp]
    public void CreateScratchDirectory() => _dir = Directory.CreateTempSubdirectory("rvemu-linux-").FullName;

    [TearDown]
    public void DeleteScratchDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>Machine options for one boot: the firmware by name, the root image on virtio-blk.</summary>
    internal static MachineOptions Options(string firmware, DriveOptions drive, int harts = 1)
    {
        var options = new MachineOptions
        {
            KernelPath = LinuxImages.Kernel,
            Bootargs = "root=/dev/vda rw console=ttyS0 earlycon",
            Drives = [drive],
            HartCount = harts,
        };
        if (firmware == "default") options.BiosImage = BundledFirmware.Sbi;
        else
        {
            options.BiosPath = Path.Combine(LinuxImages.OpenSbiDir, firmware);
            if (!File.Exists(options.BiosPath)) Assert.Ignore($"{options.BiosPath} is missing: install Debian's opensbi package");
        }
        return options;
    }

    /// <summary>Boot to the prompt; returns the console output of the boot (kernel log included).</summary>
    internal static string BootToPrompt(GuestSession guest)
    {
        string boot = guest.WaitFor(LinuxImages.InitDone, BootSeconds);
        boot += guest.WaitFor(LinuxImages.Prompt, CommandSeconds);
        return boot;
    }

    /// <summary>Type a command line and return what it printed up to the next prompt (the echoed line included).</summary>
    internal static string Command(GuestSession guest, string line)
    {
        guest.Type(line + "\r");
        return guest.WaitFor(LinuxImages.Prompt, CommandSeconds);
    }

    [TestCase("default", "legacy")]
    [TestCase("default", "modern")]
    [TestCase("fw_jump.bin", "legacy")]
    [TestCase("fw_jump.bin", "modern")]
    [TestCase("fw_dynamic.bin", "legacy")]
    [TestCase("fw_dynamic.bin", "modern")]
    public void BootsToShell_RunsCommands_WritesAFile_AndPowersOff(string firmware, string virtio)
    {
        LinuxImages.RequireTool("e2fsck", "e2fsprogs");
        LinuxImages.RequireTool("debugfs", "e2fsprogs");
        string image = LinuxImages.CopyRootImage(_dir);
        var drive = new DriveOptions { Path = image, Legacy = virtio == "legacy" };
        string tag = $"{firmware.Replace(".bin", "")}-{virtio}";

        using (var guest = GuestSession.Start(Options(firmware, drive)))
        {
            string boot = BootToPrompt(guest);
            Assert.That(boot, Does.Contain("Linux version 6.1"), "the kernel banner");
            Assert.That(boot, Does.Contain("virtio_blk virtio0: [vda]"), "the root disk was found");
            Assert.That(boot, Does.Contain("EXT4-fs (vda): mounted filesystem"), "the root filesystem mounted");

            Assert.That(Command(guest, "uname -a"), Does.Match(@"Linux rvemu 6\.1\.\d+ .* riscv64"));
            // The Goldfish RTC set the system clock at boot: the guest knows the host's year, not 1970.
            Assert.That(boot, Does.Contain("goldfish_rtc 101000.rtc: registered as rtc0"));
            var year = System.Text.RegularExpressions.Regex.Match(Command(guest, "date +%Y"), @"\n(\d{4})\r?\n");
            Assert.That(year.Success && int.Parse(year.Groups[1].Value) >= DateTime.UtcNow.Year - 1, Is.True, $"the guest's year: {year.Value}");
            string cpuinfo = Command(guest, "cat /proc/cpuinfo");
            Assert.That(cpuinfo, Does.Match(@"processor\s*: 0"));
            Assert.That(cpuinfo, Does.Match(@"isa\s*: rv64imafdc"), "the ISA string of the device tree");
            Assert.That(cpuinfo, Does.Match(@"mmu\s*: sv39"), "the MMU type of the device tree");
            // The feature bits the driver accepted: bit 32 is VIRTIO_F_VERSION_1, negotiated only on the modern transport.
            string features = Command(guest, "cat /sys/bus/virtio/devices/virtio0/features");
            Assert.That(features, Does.Match(virtio == "modern" ? @"\n[01]{32}1" : @"\n[01]{32}0"), "the virtio-mmio version in use");
            Assert.That(Command(guest, "ls /"), Does.Contain("bin").And.Contain("etc").And.Contain("proc").And.Contain("sys"));
            // The guest computes 6*7, so the file's text cannot be an echo of what was typed.
            // BusyBox's dd reads the time CSR in user mode: it died with SIGILL under a firmware that left scounteren 0.
            Assert.That(Command(guest, $"echo rvemu-{tag}-$((6*7)) | dd of=/written.txt"), Does.Contain("records out"), "dd ran");
            Command(guest, "sync");
            guest.Type("poweroff\r");
            var result = guest.WaitForExit(CommandSeconds);
            Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit), result.Message);
            Assert.That(result.ExitCode, Is.EqualTo(0), "poweroff is a clean exit");
        }

        var fsck = LinuxImages.Run("e2fsck", "-fn", image);
        Assert.That(fsck.ExitCode, Is.EqualTo(0), $"e2fsck -fn found problems:\n{fsck.Stdout}{fsck.Stderr}");
        var cat = LinuxImages.Run("debugfs", "-R", "cat /written.txt", image);
        Assert.That(cat.Stdout, Is.EqualTo($"rvemu-{tag}-42\n"), cat.Stderr);
    }

    [TestCase("default")]
    [TestCase("fw_jump.bin")]
    [TestCase("fw_dynamic.bin")]
    public void Reboot_StartsLinuxAgain_AndCtrlCReachesTheShell(string firmware)
    {
        var before = File.ReadAllBytes(LinuxImages.RootImage);
        var drive = new DriveOptions { Path = LinuxImages.RootImage, Snapshot = true };
        using (var guest = GuestSession.Start(Options(firmware, drive)))
        {
            BootToPrompt(guest);
            // Ctrl-C (0x03) interrupts the foreground job: the shell has the console as its controlling tty.
            guest.Type("sleep 1000\r");
            guest.WaitFor("sleep 1000");
            Thread.Sleep(500);
            guest.Type("\x03");
            // The tty discards pending input when ^C raises SIGINT, so type the next line only once the
            // shell has printed its prompt again.
            Assert.That(guest.WaitFor(LinuxImages.Prompt, CommandSeconds), Does.Contain("^C"), "the tty echoed ^C");
            Assert.That(Command(guest, "echo after-ctrl-c-$((1+1))"), Does.Contain("after-ctrl-c-2"));
            // A file written before the reboot is still there after it (the snapshot overlay lives as long as the run).
            Command(guest, "echo kept > /kept.txt; sync");
            guest.Type("reboot\r");
            guest.WaitFor("reboot: Restarting system", CommandSeconds);
            string second = BootToPrompt(guest);
            Assert.That(second, Does.Contain("Linux version 6.1"), "Linux booted a second time");
            Assert.That(Command(guest, "cat /kept.txt"), Does.Contain("kept"));
            guest.Type("poweroff\r");
            var result = guest.WaitForExit(CommandSeconds);
            Assert.That(result.ExitCode, Is.EqualTo(0));
        }
        Assert.That(File.ReadAllBytes(LinuxImages.RootImage), Is.EqualTo(before), "snapshot=on never writes the image");
    }
}
