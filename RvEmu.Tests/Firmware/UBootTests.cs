using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Firmware;

/// <summary>
/// Debian's OpenSBI and U-Boot, built for QEMU's virt board, boot unmodified (issue: privileged architecture).
/// Needs the Debian packages opensbi and u-boot-qemu (.ci/run installs them).
/// </summary>
[TestFixture, Category("Firmware")]
public sealed class UBootTests
{
    private const string OpenSbiDir = "/usr/lib/riscv64-linux-gnu/opensbi/generic";
    private const string UBootSmode = "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf";
    private const string UBootMmode = "/usr/lib/u-boot/qemu-riscv64/uboot.elf";

    private static void Require(params string[] files)
    {
        foreach (var f in files)
            if (!File.Exists(f)) Assert.Ignore($"{f} is missing: install Debian's opensbi and u-boot-qemu packages");
    }

    [TestCase("fw_jump.bin")]
    [TestCase("fw_dynamic.bin")]
    public void OpenSbi_BootsUBootInSMode_WhichAnswersCommandsAndPowersOff(string firmware)
    {
        string bios = Path.Combine(OpenSbiDir, firmware);
        Require(bios, UBootSmode);
        using var guest = GuestSession.Start(new MachineOptions { BiosPath = bios, KernelPath = UBootSmode });

        // OpenSBI's banner names the platform devices it found in our device tree.
        guest.WaitFor("OpenSBI v");
        string platform = guest.WaitFor("Domain0 Name");
        Assert.That(platform, Does.Match(@"Platform Console Device\s*: uart8250"));
        Assert.That(platform, Does.Match(@"Platform Timer Device\s*: aclint-mtimer @ 10000000Hz"));
        Assert.That(platform, Does.Match(@"Platform Reboot Device\s*: sifive_test"));
        Assert.That(platform, Does.Match(@"Platform Shutdown Device\s*: sifive_test"));
        string hart = guest.WaitFor("Boot HART MEDELEG");
        Assert.That(hart, Does.Match(@"Boot HART Base ISA\s*: rv64ima"));

        guest.WaitFor("U-Boot 20");
        StopAutoboot(guest);

        guest.Type("version\r");
        Assert.That(guest.WaitFor("=> "), Does.Contain("U-Boot 20"));
        guest.Type("bdinfo\r");
        Assert.That(guest.WaitFor("=> "), Does.Match(@"DRAM bank\s*=\s*0x0+").And.Contain("0x0000000080000000"));
        guest.Type("fdt addr $fdtcontroladdr; fdt print /cpus\r");
        string cpus = guest.WaitFor("=> ");
        Assert.That(cpus, Does.Contain("timebase-frequency = <0x00989680>"));
        Assert.That(cpus, Does.Contain("mmu-type = \"riscv,sv39\""));
        guest.Type("poweroff\r");
        var result = guest.WaitForExit();
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit));
        Assert.That(result.ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void UBootInMMode_RunsWithoutFirmware_AndPowersOff()
    {
        Require(UBootMmode);
        using var guest = GuestSession.Start(new MachineOptions { KernelPath = UBootMmode });
        guest.WaitFor("U-Boot 20");
        StopAutoboot(guest);
        guest.Type("version\r");
        Assert.That(guest.WaitFor("=> "), Does.Contain("U-Boot 20"));
        guest.Type("poweroff\r");
        var result = guest.WaitForExit();
        Assert.That(result.ExitCode, Is.EqualTo(0));
    }

    /// <summary>Debian's U-Boot counts down before autoboot; a key press stops it at the prompt.</summary>
    private static void StopAutoboot(GuestSession guest)
    {
        guest.WaitFor("Hit any key to stop autoboot");
        guest.Type(" ");
        guest.WaitFor("=> ");
    }
}
