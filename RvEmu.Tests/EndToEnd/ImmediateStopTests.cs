using System.Diagnostics;
using System.Text;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.EndToEnd;

/// <summary>
/// Stops that must happen at once, and waits that must end: an AMO to the test finisher, and a hart in
/// WFI that nothing can wake (firmware/wfi/stale_sstc.elf: Sstc deadline passed, interrupts masked).
/// </summary>
[TestFixture]
public sealed class ImmediateStopTests
{
    private static (RunResult Result, string Output, TimeSpan Wall) Run(string elf, bool icount = false, double? timeout = null, ulong? max = null)
    {
        var output = new StringBuilder();
        using var machine = VirtMachine.Create(new MachineOptions
        {
            KernelPath = elf,
            Deterministic = icount,
            Timeout = timeout is { } t ? TimeSpan.FromSeconds(t) : TimeSpan.FromSeconds(60),
            MaxInstructions = max,
            ConsoleOutput = b => { lock (output) output.Append((char)b); },
        });
        var clock = Stopwatch.StartNew();
        var result = machine.Run();
        lock (output) return (result, output.ToString(), clock.Elapsed);
    }

    private static string StaleSstc => RepoPaths.Combine("firmware", "wfi", "stale_sstc.elf");

    [Test]
    public void AmoToTheTestFinisher_StopsTheHartAtThatInstruction()
    {
        var (result, output, _) = Run(RepoPaths.Combine("firmware", "tests", "amo_finisher.elf"));
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(output, Is.Empty, "nothing after the AMO may run");
    }

    [Test]
    public void Icount_AHartThatCanNeverWake_EndsTheRunWithExit125AndSaysWhy()
    {
        var (result, _, wall) = Run(StaleSstc, icount: true);
        Assert.That(result.ExitCode, Is.EqualTo(125));
        Assert.That(result.Message, Does.Contain("WFI"));
        Assert.That(wall, Is.LessThan(TimeSpan.FromSeconds(30)), "it must not hang until the timeout");
    }

    [Test]
    public void RealTime_AHartThatCanNeverWake_StillHonoursTheTimeout()
    {
        var (result, _, _) = Run(StaleSstc, timeout: 1);
        Assert.That(result.Reason, Is.EqualTo(ExitReason.Timeout));
        Assert.That(result.ExitCode, Is.EqualTo(124));
    }
}
