using RvEmu.Core.Bus;
using RvEmu.Core.Timing;
using RvEmu.Devices;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Devices;

/// <summary>A system reset (test finisher 0x7777, SBI SRST reboot) puts the devices back in their reset state.</summary>
public sealed class DeviceResetTests
{
    private static ulong Read(IMmioDevice d, ulong offset, int size)
    {
        Assert.That(d.Read(offset, size, out ulong v), Is.True);
        return v;
    }

    [Test]
    public void Clint_Reset_ClearsMsipAndMtimecmp()
    {
        var msip = new FakeIrqLine();
        var mtip = new FakeIrqLine();
        ulong now = 1000;
        var timer = new MachineTimer { InstructionCounter = () => now * 10 };
        var clint = new Clint(timer, new (IIrqLine, IIrqLine)[] { (msip, mtip) });
        IMmioDevice d = clint;
        d.Write(0, 4, 1);
        d.Write(0x4000, 8, 5000);
        Assert.That(msip.Level && !mtip.Level, Is.True);
        clint.Reset();
        Assert.That(Read(d, 0, 4), Is.EqualTo(0UL));
        Assert.That(Read(d, 0x4000, 8), Is.EqualTo(0UL), "mtimecmp resets to 0, as QEMU");
        Assert.That(msip.Level, Is.False);
        Assert.That(mtip.Level, Is.True, "mtime >= mtimecmp = 0");
    }

    [Test]
    public void Plic_Reset_ClearsConfigurationAndClaims_ButKeepsHighLinesPending()
    {
        var ctx = new FakeIrqLine();
        var plic = new Plic(new IIrqLine[] { ctx });
        IMmioDevice d = plic;
        d.Write(4 * 10, 4, 3);
        d.Write(0x2000, 4, 1u << 10);
        plic.Source(10).Set(true);
        Assert.That(Read(d, 0x20_0004, 4), Is.EqualTo(10UL), "claimed before the reset");
        plic.Reset();
        Assert.That(Read(d, 4 * 10, 4), Is.EqualTo(0UL), "priority cleared");
        Assert.That(Read(d, 0x2000, 4), Is.EqualTo(0UL), "enable cleared");
        Assert.That(Read(d, 0x1000, 4), Is.EqualTo(1UL << 10), "the line is still high: pending again");
        Assert.That(ctx.Level, Is.False, "nothing enabled");
    }

    [Test]
    public void Uart_Reset_RestoresDatasheetValues()
    {
        var irq = new FakeIrqLine();
        var uart = new Uart16550(_ => { }, irq);
        IMmioDevice d = uart;
        d.Write(3, 1, 0x83);  // LCR with DLAB
        d.Write(0, 1, 0x01);  // DLL
        d.Write(3, 1, 0x03);
        d.Write(7, 1, 0x5a);  // SCR
        d.Write(1, 1, 0x02);  // IER.ETBEI: THRE interrupt
        Assert.That(irq.Level, Is.True);
        uart.Reset();
        Assert.That(irq.Level, Is.False, "IER cleared");
        Assert.That(Read(d, 3, 1), Is.EqualTo(0UL), "LCR");
        Assert.That(Read(d, 7, 1), Is.EqualTo(0UL), "SCR");
        Assert.That(Read(d, 5, 1), Is.EqualTo(0x60UL), "LSR: THRE | TEMT");
        Assert.That(Read(d, 2, 1) & 0x0f, Is.EqualTo(1UL), "IIR: no interrupt pending");
    }
}

/// <summary>U-Boot's `reset` (a write of 0x7777 to the test finisher) reboots the whole machine through the built-in firmware.</summary>
[TestFixture, Category("Firmware")]
public sealed class MachineResetTests
{
    private const string UBootSmode = "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf";

    [Test]
    public void UBootReset_RebootsIntoTheFirmwareAgain()
    {
        if (!File.Exists(UBootSmode)) Assert.Ignore($"{UBootSmode} is missing: install Debian's u-boot-qemu");
        using var guest = GuestSession.Start(new MachineOptions { BiosImage = BundledFirmware.Sbi, KernelPath = UBootSmode });
        guest.WaitFor("RvEmu SBI");
        guest.WaitFor("Hit any key to stop autoboot");
        guest.Type(" ");
        guest.WaitFor("=> ");
        guest.Type("reset\r");
        guest.WaitFor("resetting ...");
        guest.WaitFor("RvEmu SBI");
        guest.WaitFor("Hit any key to stop autoboot");
        guest.Type(" ");
        guest.WaitFor("=> ");
        guest.Type("poweroff\r");
        Assert.That(guest.WaitForExit().ExitCode, Is.EqualTo(0));
    }
}
