using RvEmu.Tests.Support;

namespace RvEmu.Tests.Jit;

/// <summary>Issue 13: compiled code does exactly what the interpreter does, compared in lock-step (<see cref="JitLockstep"/>).</summary>
[TestFixture, Category("Jit")]
public sealed class JitLockstepTests
{
    private static readonly string[] BenchPrograms = { "bench/integer.elf", "bench/branchy.elf", "bench/memory.elf", "fpvectors/fpbench.elf", "bench/oscalls.elf" };

    [TestCaseSource(nameof(BenchPrograms))]
    public void BenchWorkload_SameStateAsInterpreter_AtEveryChunk(string program)
    {
        // Budgets of varying size, so that regions are cut at every kind of point.
        var rng = new Random(13);
        var (retired, compiled) = JitLockstep.Compare(RepoPaths.Combine("firmware", program), 3_000_000, _ => rng.Next(1, 5000), bios: null);
        TestContext.Out.WriteLine($"{retired} retired, {compiled} in compiled code");
        // oscalls spends much of its time in trap handlers (CSR accesses and xRET are never compiled).
        Assert.That(compiled, Is.GreaterThan((long)retired / 4), "a good part of the work ran in compiled code");
    }
}
