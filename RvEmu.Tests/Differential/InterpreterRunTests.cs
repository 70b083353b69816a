using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Differential;

/// <summary>
/// The interpreter steps through straight-line runs (copies of consecutive decoded instructions, Hart.Runs.cs)
/// when it may run more than one instruction; one step at a time (tracing, the debugger, the QEMU lock-step
/// test) it never does. The differential generator's programs (every RV64GC instruction, traps in the middle of
/// runs, compressed and 32-bit instructions across page boundaries, M, S and U mode under Sv39) run both ways
/// and must agree at every chunk boundary, for chunks of random length. CI runs 24 seeds (120k compared
/// steps); a long run: <c>RVEMU_RUN_SEEDS=1-2000 dotnet test RvEmu.sln --filter FullyQualifiedName~InterpreterRun</c>.
/// </summary>
[TestFixture]
public sealed class InterpreterRunTests
{
    private const int InstructionsPerProgram = 2500;

    private static IEnumerable<int> Seeds() => SeedList.FromEnvironment("RVEMU_RUN_SEEDS", 24);

    [TestCaseSource(nameof(Seeds))]
    public void RandomPrograms_RunInChunks_MatchTheSameProgramsSteppedOneByOne(int seed)
    {
        var program = new RandomProgram(seed, InstructionsPerProgram, mode: new[] { 3, 1, 0 }[seed % 3]);
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string image = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(image, program.Image);
            var options = new MachineOptions { KernelPath = image, MemorySize = 128UL << 20, Deterministic = true, Jit = false };
            int total = InstructionsPerProgram * 2;

            // One at a time: the state after every step.
            var stepped = new List<ArchState>();
            using (var machine = VirtMachine.Create(options))
            {
                var hart = machine.Harts[0];
                stepped.Add(Lockstep.Capture(hart));
                for (int i = 0; i < total; i++)
                {
                    Assert.That(hart.Run(1), Is.EqualTo(1), $"seed {seed}: step {i} took no step");
                    stepped.Add(Lockstep.Capture(hart));
                }
            }

            // In chunks of 1 to 100 instructions, compared where each chunk ends.
            using (var machine = VirtMachine.Create(options))
            {
                var hart = machine.Harts[0];
                var rng = new Random(seed);
                int done = 0, chunks = 0;
                while (done < total)
                {
                    int chunk = Math.Min(total - done, rng.Next(1, 101));
                    // A chunk may end early (xRET, a CSR write that ends it): compare where it did end.
                    long steps = hart.Run(chunk);
                    Assert.That(steps, Is.InRange(1, chunk), $"seed {seed}: a chunk of {chunk} from step {done}");
                    done += (int)steps;
                    chunks++;
                    var diff = Lockstep.Diff(Lockstep.Capture(hart), stepped[done]);
                    Assert.That(diff, Is.Empty, $"seed {seed}: after {done} steps ({chunks} chunks), chunked vs stepped:\n  " + string.Join("\n  ", diff));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
