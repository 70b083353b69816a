using RvEmu.Devices.Machine;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.EndToEnd;

/// <summary>firmware/wfi: a hart sleeping in WFI until a CLINT timer interrupt 3 s (30 M ticks) ahead.</summary>
[TestFixture]
public sealed class WfiTests
{
    private static string Program => Path.Combine(RepoPaths.Root, "firmware", "wfi", "wfi.elf");

    [Test]
    public void Deterministic_WfiSkipsTimeToTheDeadline_WithoutExecutingInstructions()
    {
        using var machine = VirtMachine.Create(new MachineOptions { KernelPath = Program, Deterministic = true, MaxInstructions = 1_000_000 });
        var result = machine.Run();
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit), result.Message);
        Assert.That(result.ExitCode, Is.EqualTo(0), "the wake-up was the machine timer interrupt");
        Assert.That(result.InstructionsRetired, Is.LessThan(100), "time jumped ahead instead of being spun through");
        Assert.That(machine.Timer.Now, Is.GreaterThanOrEqualTo(30_000_000UL), "mtime reached the deadline");
    }

    [Test]
    public void RealTime_WfiWakesWhenTheTimerFires_NotBefore()
    {
        using var machine = VirtMachine.Create(new MachineOptions { KernelPath = Program, Timeout = TimeSpan.FromSeconds(30) });
        var result = machine.Run();
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        Assert.That(result.Elapsed.TotalSeconds, Is.GreaterThanOrEqualTo(2.9), "woke only when mtime reached mtimecmp");
        Assert.That(result.InstructionsRetired, Is.LessThan(100), "slept instead of re-executing WFI");
    }
}
