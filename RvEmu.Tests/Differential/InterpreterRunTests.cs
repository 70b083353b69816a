using RvEmu.Core.Cpu;
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
        var rng = new Random(seed);
        ChunkedMatchesStepped(program.Image, InstructionsPerProgram * 2, () => rng.Next(1, 101), $"seed {seed}");
    }

    /// <summary>
    /// Pairs (Hart.Runs.cs: two instructions for one dispatch) must behave as their two instructions: every pair
    /// the runs form, taken and not taken, in chunks of every length from 2 to 9 (so that chunks end between the
    /// two halves of most pairs: only a chunk's third and later instructions run in a run), and a load pair whose
    /// second load faults (then M-mode traps to address 0 and keeps faulting there). Compared with the same program
    /// stepped one instruction at a time (no runs, no pairs).
    /// </summary>
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(8)]
    [TestCase(9)]
    public void Pairs_RunInChunks_MatchTheSameProgramSteppedOneByOne(int chunk)
    {
        const int A0 = Jit.Asm.A0, A1 = Jit.Asm.A1, A2 = Jit.Asm.A2, A3 = Jit.Asm.A3, A4 = Jit.Asm.A4, A5 = Jit.Asm.A5;
        const int T0 = Jit.Asm.T0, T1 = Jit.Asm.T1, T3 = Jit.Asm.T3, T4 = Jit.Asm.T4, S1 = Jit.Asm.S1;
        var a = new Jit.Asm();
        // Each pair, then the instruction its branch may skip.
        void Pair(uint first, int f3, int rs1, int rs2)
        {
            a.Word(first).Word(Jit.Asm.B(8, rs2, rs1, f3)).Addi_(A5, A5, 1);
        }
        uint Addiw(int rd, int rs1, int imm) => Jit.Asm.I(imm, rs1, 0, rd, 0x1b);
        a.Li(A0, 5);
        int loop = a.Here;
        a.Addi_(A0, A0, -1).Bne(A0, 0, loop);                                     // addi + bne, backward, linked
        a.Li(A1, 0).Li(A2, 3);
        int loop2 = a.Here;
        a.Addi_(A1, A1, 1).Blt(A1, A2, loop2);                                     // addi + blt
        Pair(Jit.Asm.Addi(A1, A1, 1), 5, A1, A2);                                 // addi + bge
        Pair(Jit.Asm.Addi(A1, A1, -4), 0, A1, 0);                                 // addi + beq
        Pair(Jit.Asm.Addi(A1, A1, 1), 6, A1, A2);                                 // addi + bltu
        Pair(Jit.Asm.Addi(A1, A1, 5), 7, A1, A2);                                 // addi + bgeu
        Pair(Addiw(A4, A4, -1), 1, A4, 0);                                        // addiw + bne
        Pair(Addiw(A4, A4, 2), 4, A4, A2);                                        // addiw + blt
        Pair(Addiw(A4, A4, 7), 5, A4, A2);                                        // addiw + bge
        Pair(Jit.Asm.Add(A3, A1, A2), 1, A3, 0);                                  // add + bne
        Pair(Jit.Asm.R(0, A2, A1, 0, A3, 0x3b), 1, A3, A4);                       // addw + bne
        Pair(Jit.Asm.I(1, A1, 7, T3, 0x13), 0, T3, 0);                            // andi + beq
        Pair(Jit.Asm.I(2, A1, 7, T3, 0x13), 1, T3, 0);                            // andi + bne
        Pair(Jit.Asm.I(1, A1, 5, T3, 0x13), 0, T3, 0);                            // srli + beq
        Pair(Jit.Asm.I(3, A4, 5, T3, 0x1b), 0, T3, 0);                            // srliw + beq
        uint Xor(int rd, int rs1, int rs2) => Jit.Asm.R(0, rs2, rs1, 4, rd, 0x33);
        uint Andi(int rd, int rs1, int imm) => Jit.Asm.I(imm, rs1, 7, rd, 0x13);
        uint Slli(int rd, int rs1, int sh) => Jit.Asm.I(sh, rs1, 1, rd, 0x13);
        uint Srli(int rd, int rs1, int sh) => Jit.Asm.I(sh, rs1, 5, rd, 0x13);
        uint Jalr(int rd, int rs1) => Jit.Asm.I(0, rs1, 0, rd, 0x67);
        // Each result reaches a5, which lives to the end, so that a pair computing it wrongly shows.
        a.Li(T4, 0x7f0f0);
        a.Word(Xor(T3, A1, T4)).Word(Andi(T3, T3, 0x5f0)).Add_(A5, A5, T3);        // xor + andi
        a.Word(Xor(T3, T3, A2)).Word(Slli(T3, T3, 7));                            // xor + slli
        a.Word(Andi(T3, T3, 0x3f0)).Word(Srli(T3, T3, 2));                        // andi + srli
        a.Word(Andi(A3, A1, 6)).Add_(A3, A3, T3);                                 // andi + add
        a.Word(Srli(T4, A3, 1)).Word(Andi(T4, T4, 0x55));                         // srli + andi
        a.Word(Slli(T4, T4, 40)).Word(Srli(T4, T4, 33));                          // slli + srli
        a.Addi_(A3, A3, 9).Addi_(A3, A3, -2);                                     // addi + addi
        a.Add_(T4, T4, A3).Add_(T4, T4, T4);                                      // add + add
        a.Addi_(T3, A1, -3).Word(Jit.Asm.R(1, T4, T3, 0, T3, 0x3b)).Add_(A5, A5, T3); // addi + mulw
        a.Word(Jit.Asm.I(0x35, A3, 6, T3, 0x13)).Word(Jit.Asm.R(1, T4, T3, 0, T4, 0x33)).Add_(A5, A5, T4); // ori + mul
        int at = a.Here;
        a.La(T4, at + 20).Add_(T4, T4, 0).Word(Jalr(Jit.Asm.Ra, T4)).Addi_(A5, A5, 1000); // add + jalr: skips one
        at = a.Here;
        a.La(T4, at + 16).Addi_(T4, T4, 4).Word(Jalr(Jit.Asm.Ra, T4)).Addi_(A5, A5, 1000); // addi + jalr: skips one
        a.Li(T1, 1);
        at = a.Here;
        a.La(T4, at + 20).Word(Jit.Asm.R(1, T1, T4, 0, T4, 0x33)).Word(Jalr(0, T4)).Addi_(A5, A5, 1000); // mul + jalr
        a.Word(Jit.Asm.Lui(T4, 0x12345)).Addi_(T4, T4, 0x678);                    // lui + addi
        a.Word(Jit.Asm.Lui(T4, 0x80000)).Word(Addiw(T4, T4, -1));                 // lui + addiw
        a.Word(Jit.Asm.Auipc(T4, 0)).Addi_(T4, T4, 16);                           // auipc + addi
        a.Word(Jit.Asm.Auipc(Jit.Asm.Ra, 0)).Word(Jit.Asm.I(12, Jit.Asm.Ra, 0, Jit.Asm.Ra, 0x67)); // auipc + jalr: skips one
        a.Addi_(A5, A5, 100);
        a.La(S1, 0x1000);                                                          // a data page
        a.Sd(A0, S1, 0).Sd(A1, S1, 8).Sd(A4, S1, 16);                              // sd + sd (and one more)
        a.Ld(T0, S1, 8).Ld(T1, S1, 16);                                            // ld + ld
        uint Lh(int rd, int rs1, int imm) => Jit.Asm.I(imm, rs1, 1, rd, 0x03);
        a.Word(Lh(T0, S1, 8)).Word(Lh(T1, S1, 16));                               // lh + lh
        a.Word(Lh(T0, S1, 0)).Addi_(T0, T0, 3);                                   // lh + addi
        a.Ld(T1, S1, 16).Add_(T1, T1, T0);                                        // ld + add
        a.Add_(T3, S1, 0).Ld(T4, T3, 8);                                          // add + ld
        a.Ld(T0, S1, 0).Word(Jit.Asm.B(8, A0, T0, 0)).Addi_(A5, A5, 1);           // ld + beq, taken
        a.Ld(T0, S1, 8).Word(Jit.Asm.B(8, 0, T0, 0)).Addi_(A5, A5, 1);            // ld + beq, not taken
        a.Word(Jit.Asm.I(8, S1, 2, T0, 0x03)).Word(Jit.Asm.B(8, A2, T0, 4)).Addi_(A5, A5, 1); // lw + blt
        a.Li(A2, 0x10).Ld(T0, S1, 0).Ld(T1, A2, 0);                                // ld + ld, the second faults
        while (a.Here < 0x1000) a.Word(0x00000013);
        a.Word(0).Word(0).Word(0).Word(0).Word(0).Word(0);
        ChunkedMatchesStepped(a.Bytes(), 3000, () => chunk, $"pairs, chunks of {chunk}");
    }

    /// <summary>
    /// Run <paramref name="image"/> (at the start of RAM, in M-mode) one instruction at a time, then in chunks of
    /// the lengths <paramref name="nextChunk"/> gives, and compare the architectural state where each chunk ends.
    /// </summary>
    private static void ChunkedMatchesStepped(byte[] image, int total, Func<int> nextChunk, string label)
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string path = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(path, image);
            var options = new MachineOptions { KernelPath = path, MemorySize = 128UL << 20, Deterministic = true, Jit = false };

            // One at a time: the state after every step.
            var stepped = new List<ArchState>();
            using (var machine = VirtMachine.Create(options))
            {
                var hart = machine.Harts[0];
                stepped.Add(Lockstep.Capture(hart));
                for (int i = 0; i < total; i++)
                {
                    Assert.That(hart.Run(1), Is.EqualTo(1), $"{label}: step {i} took no step");
                    stepped.Add(Lockstep.Capture(hart));
                }
            }

            // In chunks, compared where each chunk ends.
            using (var machine = VirtMachine.Create(options))
            {
                var hart = machine.Harts[0];
                int done = 0, chunks = 0;
                while (done < total)
                {
                    int chunk = Math.Min(total - done, nextChunk());
                    // A chunk may end early (xRET, a CSR write that ends it): compare where it did end.
                    long steps = hart.Run(chunk);
                    Assert.That(steps, Is.InRange(1, chunk), $"{label}: a chunk of {chunk} from step {done}");
                    done += (int)steps;
                    chunks++;
                    var diff = Lockstep.Diff(Lockstep.Capture(hart), stepped[done]);
                    Assert.That(diff, Is.Empty, $"{label}: after {done} steps ({chunks} chunks), chunked vs stepped:\n  " + string.Join("\n  ", diff));
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
        // Compiled: at once (synchronously) after 100 arrivals at the loop's head.
        RunProgram(a.Bytes(), stepped: how == "stepped", options =>
        {
            options.Jit = how == "compiled";
            options.JitThreshold = 100;
            options.JitSynchronous = true;
        }, hart =>
        {
            Assert.That(hart.GetX(Jit.Asm.T0), Is.EqualTo((ulong)Iterations), "t0: loop iterations");
            Assert.That(hart.GetX(Jit.Asm.T2), Is.EqualTo((ulong)(Iterations / 2 * 3)), "t2: 3 for every odd t0");
            Assert.That(hart.GetX(Jit.Asm.A1), Is.EqualTo(100UL), "a1: 2 for each of 50 iterations");
            Assert.That(hart.GetX(Jit.Asm.A0), Is.EqualTo(0UL));
            // The first loop's instructions all ran compiled but for its first iterations: the interpreter left the run
            // as soon as the region was there, not at the end of its chunk (8192 instructions).
            const long loopInstructions = Iterations * 4L + Iterations / 2;
            if (how == "compiled") Assert.That(hart.JitRetired, Is.GreaterThan(loopInstructions - 2000), "the hot loop ran compiled");
        });
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
        RunProgram(image.ToArray(), stepped: false, null, hart =>
        {
            Assert.That(hart.GetX(Jit.Asm.T0), Is.EqualTo((ulong)Iterations), "t0: loop iterations");
            Assert.That(hart.GetX(Jit.Asm.T2), Is.EqualTo((ulong)(Iterations / 2 * 3)), "t2: 3 for every odd t0");
        });
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
        RunProgram(image.ToArray(), stepped: false, null, hart => Assert.That(hart.GetX(5), Is.EqualTo(1024UL), "t0 counts every addi"));
    }

    /// <summary>
    /// Run a raw program at the start of RAM (M-mode, deterministic time, the JIT off unless
    /// <paramref name="configure"/> turns it on) to the test finisher, or stepped one instruction at a time well past
    /// its end (the program then spins on its last jump, which changes no register), and check the hart.
    /// </summary>
    private static void RunProgram(byte[] image, bool stepped, Action<MachineOptions>? configure, Action<Hart> check)
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-runs-").FullName;
        try
        {
            string path = Path.Combine(dir, "prog.bin");
            File.WriteAllBytes(path, image);
            var options = new MachineOptions { KernelPath = path, MemorySize = 16UL << 20, Jit = false, Deterministic = true };
            configure?.Invoke(options);
            using var machine = VirtMachine.Create(options);
            if (stepped)
            {
                for (int i = 0; i < 400_000; i++) machine.Harts[0].Run(1);
            }
            else
            {
                // A hart that spins (as one once did at a page's last parcel) never reaches the finisher.
                var run = Task.Run(machine.Run);
                Assert.That(run.Wait(TimeSpan.FromSeconds(60)), Is.True, "the program did not finish");
                Assert.That(run.Result.ExitCode, Is.EqualTo(0));
            }
            check(machine.Harts[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
