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
    /// Loops whose bodies fit in one run go round inside it: a taken conditional branch to an instruction of the
    /// same run steps straight to that entry (DecodedInsn.RunLink). Forward (beq over one instruction) and backward
    /// (blt and bne to the loop's head) links, with the JIT off and on (on, the loop is compiled while it runs
    /// and entered at its next iteration); a wrong distance skips or repeats instructions and changes the sums.
    /// Stepped one instruction at a time, nothing runs in a run, and a branch must not take a link it does not have
    /// (a backward branch's immediate bits once sat where the link lives).
    /// </summary>
    [TestCase("interpreted")]
    [TestCase("compiled")]
    [TestCase("stepped")]
    public void BranchesWithinARun_StepToTheirTargets(string how)
    {
        const int Iterations = 30000;
        var a = new Jit.Asm();
        a.Li(Jit.Asm.T0, 0).Li(Jit.Asm.T1, Iterations).Li(Jit.Asm.T2, 0);
        int loop = a.Here;
        a.Word(Jit.Asm.I(1, Jit.Asm.T0, 7, Jit.Asm.T3, 0x13)); // andi t3, t0, 1
        int skip = a.Here + 8;
        a.Beq(Jit.Asm.T3, 0, skip);                           // even: skip the next instruction
        a.Addi_(Jit.Asm.T2, Jit.Asm.T2, 3);
        a.Addi_(Jit.Asm.T0, Jit.Asm.T0, 1);
        a.Blt(Jit.Asm.T0, Jit.Asm.T1, loop);
        a.Li(Jit.Asm.A0, 50).Li(Jit.Asm.A1, 0);
        int loop2 = a.Here;
        a.Addi_(Jit.Asm.A1, Jit.Asm.A1, 2).Addi_(Jit.Asm.A0, Jit.Asm.A0, -1).Bne(Jit.Asm.A0, 0, loop2);
        a.Exit(Jit.Asm.T4, Jit.Asm.S0);
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string path = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(path, a.Bytes());
            // Compiled: at once (synchronously) after 100 arrivals at the loop's head.
            using var machine = VirtMachine.Create(new MachineOptions
            {
                KernelPath = path, MemorySize = 16UL << 20, Jit = how == "compiled", JitThreshold = 100, JitSynchronous = true,
                Deterministic = true,
            });
            var hart = machine.Harts[0];
            if (how == "stepped")
            {
                // Well past the end: the program then spins on its last jump, which changes no register.
                for (int i = 0; i < 400_000; i++) hart.Run(1);
            }
            else
            {
                var run = Task.Run(machine.Run);
                Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "the program did not finish");
                Assert.That(run.Result.ExitCode, Is.EqualTo(0));
            }
            Assert.That(hart.GetX(Jit.Asm.T0), Is.EqualTo((ulong)Iterations), "t0: loop iterations");
            Assert.That(hart.GetX(Jit.Asm.T2), Is.EqualTo((ulong)(Iterations / 2 * 3)), "t2: 3 for every odd t0");
            Assert.That(hart.GetX(Jit.Asm.A1), Is.EqualTo(100UL), "a1: 2 for each of 50 iterations");
            Assert.That(hart.GetX(Jit.Asm.A0), Is.EqualTo(0UL));
            // The first loop's instructions all ran compiled but for its first iterations: the interpreter left the run
            // as soon as the region was there, not at the end of its chunk (8192 instructions).
            const long loopInstructions = Iterations * 4L + Iterations / 2;
            if (how == "compiled") Assert.That(hart.JitRetired, Is.GreaterThan(loopInstructions - 2000), "the hot loop ran compiled");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A branch that runs outside any run (here a 32-bit blt crossing from one page into the next, which is never
    /// cached and never in a run) has no link: it must go to its target through the lookup. The decoder once left a
    /// backward branch's immediate bits where the link lives, and the loop stepped by them to a wild entry; a Linux
    /// boot hung on it (single steps never showed it: the step ends before the next entry is read).
    /// </summary>
    [Test]
    public void ABranchOutsideAnyRun_GoesToItsTargetThroughTheLookup()
    {
        const int Iterations = 3000;
        // 0x000: li t0,0; li t1,Iterations; li t2,0, then nops to 0xfec, a c.nop, and the loop at 0xfee:
        // andi t3,t0,1; beq t3,x0,+8; addi t2,t2,3; addi t0,t0,1; 0xffe: blt t0,t1,-16 (crossing the page).
        var prologue = new Jit.Asm().Li(Jit.Asm.T0, 0).Li(Jit.Asm.T1, Iterations).Li(Jit.Asm.T2, 0).Bytes();
        var image = new List<byte>(prologue);
        while (image.Count < 0xfec) image.AddRange(BitConverter.GetBytes(0x00000013u));
        image.AddRange(BitConverter.GetBytes((ushort)0x0001));
        Assert.That(image.Count, Is.EqualTo(0xfee));
        foreach (uint w in new[]
        {
            Jit.Asm.I(1, Jit.Asm.T0, 7, Jit.Asm.T3, 0x13),
            Jit.Asm.B(8, 0, Jit.Asm.T3, 0),
            Jit.Asm.Addi(Jit.Asm.T2, Jit.Asm.T2, 3),
            Jit.Asm.Addi(Jit.Asm.T0, Jit.Asm.T0, 1),
            Jit.Asm.B(-16, Jit.Asm.T1, Jit.Asm.T0, 4),
        })
        {
            image.AddRange(BitConverter.GetBytes(w));
        }
        image.AddRange(new Jit.Asm().Exit(Jit.Asm.T4, Jit.Asm.S0).Bytes());
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string path = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(path, image.ToArray());
            using var machine = VirtMachine.Create(new MachineOptions { KernelPath = path, MemorySize = 16UL << 20, Jit = false, Deterministic = true });
            var run = Task.Run(machine.Run);
            Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "the program did not finish");
            Assert.That(run.Result.ExitCode, Is.EqualTo(0));
            Assert.That(machine.Harts[0].GetX(Jit.Asm.T0), Is.EqualTo((ulong)Iterations), "t0: loop iterations");
            Assert.That(machine.Harts[0].GetX(Jit.Asm.T2), Is.EqualTo((ulong)(Iterations / 2 * 3)), "t2: 3 for every odd t0");
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
