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
    /// <summary>
    /// A run reaches the page's last parcel: no run starts there (the instruction may cross into the next page), so
    /// the loop takes the slot. Once the loop spun here, looking up an empty run again and again. Straight-line code
    /// runs across the boundary with a compressed instruction in the last parcel, and with a 32-bit instruction that
    /// crosses it; both must reach the next page's exit with every instruction counted.
    /// </summary>
    [TestCase(false, TestName = "RunsReachTheLastParcel_Compressed")]
    [TestCase(true, TestName = "RunsReachTheLastParcel_CrossingInstruction")]
    public void RunsReachTheLastParcelOfAPage_AndCarryOnIntoTheNextPage(bool crossing)
    {
        // 0x000: li t0,0; 0x004..0xffb: 1022 x addi t0,t0,1; 0xffc: c.addi t0,1; 0xffe: c.addi t0,1, or addi t0,t0,1 crossing the page.
        var image = new List<byte>();
        image.AddRange(BitConverter.GetBytes(0x00000293u));
        for (int i = 0; i < 1022; i++) image.AddRange(BitConverter.GetBytes(0x00128293u));
        image.AddRange(BitConverter.GetBytes((ushort)0x0285));
        if (crossing) image.AddRange(BitConverter.GetBytes(0x00128293u));
        else image.AddRange(BitConverter.GetBytes((ushort)0x0285));
        var exit = new Jit.Asm().Exit(6, 7).Bytes(); // t1, t2
        image.AddRange(exit);
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string path = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(path, image.ToArray());
            using var machine = VirtMachine.Create(new MachineOptions { KernelPath = path, MemorySize = 16UL << 20, Jit = false, Deterministic = true });
            var run = Task.Run(machine.Run);
            Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "the hart did not get past the page's last parcel");
            Assert.That(run.Result.ExitCode, Is.EqualTo(0));
            Assert.That(machine.Harts[0].GetX(5), Is.EqualTo(1024UL), "t0 counts every addi");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
