using System.Diagnostics;
using System.Text;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Smp;

/// <summary>
/// Not in the default run (<c>dotnet test RvEmu.sln --filter Category=Stress</c>): eight harts on host
/// threads run firmware/smp/smp.elf (10^5 AMOs per hart, an LR/SC lock, broken reservations, an IPI ring,
/// PLIC routing, litmus tests, cross-modifying code) back to back for a minute; every run must pass with
/// no lost increment and no host exception.
/// </summary>
[TestFixture, Category("Stress"), Explicit("a minute of eight-hart runs: dotnet test RvEmu.sln --filter Category=Stress")]
public sealed class SmpStressTests
{
    [Test]
    public void EightHarts_ForAMinute_NeverLoseAnIncrement()
    {
        var clock = Stopwatch.StartNew();
        int runs = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            var output = new StringBuilder();
            using var machine = VirtMachine.Create(new MachineOptions
            {
                KernelPath = RepoPaths.Combine("firmware", "smp", "smp.elf"),
                HartCount = 8,
                Timeout = TimeSpan.FromSeconds(120),
                ConsoleOutput = b => { lock (output) output.Append((char)b); },
            });
            var result = machine.Run();
            string text;
            lock (output) text = output.ToString();
            Assert.That(result.ExitCode, Is.EqualTo(0), $"run {runs}:\n{text}");
            Assert.That(text, Does.Contain("ok   amo_counter_w").And.Contain("ok   lrsc_spinlock").And.Contain("ok   lrsc_amo"), $"run {runs}:\n{text}");
            runs++;
        }
        TestContext.Out.WriteLine($"{runs} eight-hart runs in {clock.Elapsed.TotalSeconds:0} s");
        Assert.That(runs, Is.GreaterThan(0));
    }
}
