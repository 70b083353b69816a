using RvEmu.Tests.Support;

namespace RvEmu.Tests.Jit;

/// <summary>Issue 13: compiled code does exactly what the interpreter does, compared in lock-step (<see cref="JitLockstep"/>).</summary>
[TestFixture, Category("Jit")]
public sealed class JitLockstepTests
{
    private static readonly string[] BenchPrograms = { "bench/integer.elf", "bench/branchy.elf", "bench/coremark.elf", "bench/calls.elf", "bench/memory.elf", "fpvectors/fpbench.elf", "bench/oscalls.elf" };

    [TestCaseSource(nameof(BenchPrograms))]
    public void BenchWorkload_SameStateAsInterpreter_AtEveryChunk(string program)
    {
        // Budgets of varying size, so that regions are cut at every kind of point.
        var rng = new Random(13);
        var (retired, compiled, _) = JitLockstep.Compare(RepoPaths.Combine("firmware", program), 3_000_000, _ => rng.Next(1, 5000), bios: null);
        TestContext.Out.WriteLine($"{retired} retired, {compiled} in compiled code");
        // oscalls spends much of its time in trap handlers (CSR accesses and xRET are never compiled).
        Assert.That(compiled, Is.GreaterThan((long)retired / 4), "a good part of the work ran in compiled code");
    }
}

/// <summary>
/// Every conformance program (firmware/tests), whole machine with devices and interrupts, under --icount:
/// with the JIT (compiling everything reached twice) the run must be identical to the interpreter's:
/// same exit, same instructions retired, same registers at the end.
/// </summary>
[TestFixture, Category("Jit")]
public sealed class JitIcountTests
{
    public static IEnumerable<TestCaseData> Programs() =>
        Directory.GetFiles(RepoPaths.Combine("firmware", "tests"), "*.elf").Order(StringComparer.Ordinal)
            .Select(p => new TestCaseData(p).SetName($"Icount({Path.GetFileName(p)})"));

    [TestCaseSource(nameof(Programs))]
    public void ConformanceProgram_RunsIdentically_WithJitOnAndOff(string elf)
    {
        JitLockstep.WholeRun Run(bool jit) => JitLockstep.RunWhole(elf, jit, 2_000_000);
        var on = Run(true);
        var off = Run(false);
        Assert.That(on.Result.ExitCode, Is.EqualTo(0), on.Result.Message);
        Assert.That((on.Result.Reason, on.Result.ExitCode, on.Result.InstructionsRetired), Is.EqualTo((off.Result.Reason, off.Result.ExitCode, off.Result.InstructionsRetired)));
        Assert.That(on.X, Is.EqualTo(off.X));
        TestContext.Out.WriteLine($"{on.Result.InstructionsRetired} retired, {on.Compiled} compiled");
    }
}

/// <summary>
/// The compiler thread marks region entries in the decode cache while harts run. A handler that read the slot's
/// Op a second time once saw the new mark and raised an illegal instruction (about one fpbench run in 30).
/// </summary>
[TestFixture, Category("Jit")]
public sealed class JitBackgroundCompileTests
{
    [Test]
    public void FloatWorkload_PassesWhileRegionsArePublishedUnderIt()
    {
        int[] thresholds = { 1, 2, 5, 50 };
        for (int i = 0; i < 24; i++)
        {
            using var m = RvEmu.Devices.Machine.VirtMachine.Create(new RvEmu.Devices.Machine.MachineOptions
            {
                KernelPath = RepoPaths.Combine("firmware", "fpvectors", "fpbench.elf"), Jit = true, JitThreshold = thresholds[i % 4],
            });
            var r = m.Run();
            Assert.That(r.ExitCode, Is.EqualTo(0), $"run {i} (threshold {thresholds[i % 4]}): {r.Message}");
        }
    }
}
