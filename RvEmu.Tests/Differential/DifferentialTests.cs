using RvEmu.Tests.Support;

namespace RvEmu.Tests.Differential;

/// <summary>
/// Issue 12: random RV64GC machine-mode programs (<see cref="RandomProgram"/>) run in lock-step on RvEmu and
/// on QEMU 7.2, compared before every instruction (<see cref="Lockstep"/>). CI runs a fixed set of seeds
/// (over 10^5 compared instructions); a long campaign runs any seeds:
/// <c>RVEMU_DIFF_SEEDS=1000-1999 dotnet test RvEmu.sln --filter Category=Differential</c>.
/// Skipped with a message when QEMU is not installed.
/// </summary>
[TestFixture, Category("Differential")]
public sealed class DifferentialTests
{
    private const int InstructionsPerProgram = 2500;

    private static IEnumerable<int> Seeds() => SeedList.FromEnvironment("RVEMU_DIFF_SEEDS", 48);

    [Test]
    public void RandomPrograms_MatchQemu_InstructionByInstruction()
    {
        if (!ToolExists("qemu-system-riscv64")) Assert.Ignore("qemu-system-riscv64 is missing: install Debian's qemu-system-misc");
        string dir = Directory.CreateTempSubdirectory("rvemu-diff-").FullName;
        try
        {
            long total = 0;
            int programs = 0;
            foreach (int seed in Seeds())
            {
                // A third of the programs each run their body in M-mode, in S-mode and in U-mode (both under Sv39).
                total += Lockstep.Compare(new RandomProgram(seed, InstructionsPerProgram, mode: new[] { 3, 1, 0 }[seed % 3]), dir);
                programs++;
            }
            TestContext.Out.WriteLine($"{total} instructions compared in {programs} programs");
            foreach (var (rule, count) in Lockstep.Allowed) TestContext.Out.WriteLine($"  {count} compared states differed only as allowed: {rule}");
            if (Environment.GetEnvironmentVariable("RVEMU_DIFF_SEEDS") is null)
                Assert.That(total, Is.GreaterThanOrEqualTo(100_000), "CI compares at least 10^5 instructions");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Generator_IsReproducible_AndSeedsDiffer()
    {
        Assert.That(new RandomProgram(7, 500).Image, Is.EqualTo(new RandomProgram(7, 500).Image));
        Assert.That(new RandomProgram(7, 500).Image, Is.Not.EqualTo(new RandomProgram(8, 500).Image));
    }

    private static bool ToolExists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, name)));
}
