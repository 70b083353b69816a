using RvEmu.Core.Bus;
using RvEmu.Devices.Machine;
using static RvEmu.Tests.Jit.Asm;

namespace RvEmu.Tests.Jit;

/// <summary>
/// Issue 13's hard cases for compiled code. Each program is run in lock-step against the interpreter
/// (<see cref="JitLockstep"/>: same state at every budget boundary, budgets of every size), and each test
/// also checks the architectural result and that the interesting code really ran compiled.
/// </summary>
[TestFixture, Category("Jit")]
public sealed class JitHardCaseTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("rvemu-jit-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Write(Asm program)
    {
        string path = Path.Combine(_dir, "prog.bin");
        File.WriteAllBytes(path, program.Bytes());
        return path;
    }

    private static (ulong Retired, long Compiled, ulong[] X) Lockstep(string path, int seed = 1)
    {
        var rng = new Random(seed);
        return JitLockstep.Compare(path, 2_000_000, _ => rng.Next(1, 3000));
    }

    /// <summary>
    /// A trap handler at offset 0x400: counts in s0, skips the faulting instruction (all are 4 bytes), returns.
    /// The program's start jumps over it.
    /// </summary>
    private static Asm WithSkippingHandler()
    {
        var a = new Asm();
        a.Jal(0, 0x440);
        while (a.Here < 0x400) a.Word(0x00000013); // nop
        a.Addi_(S0, S0, 1);
        a.Csrrs(T2, 0x341, 0);   // mepc
        a.Addi_(T2, T2, 4);
        a.Csrrw(0, 0x341, T2);
        a.Mret();
        while (a.Here < 0x440) a.Word(0x00000013);
        a.La(T0, 0x400);
        a.Csrrw(0, 0x305, T0);   // mtvec
        return a;
    }

    /// <summary>The program on a whole machine under --icount, JIT on then off; both must end with the guest's exit.</summary>
    private static (JitLockstep.WholeRun On, JitLockstep.WholeRun Off) RunBothWays(string path, ulong maxInstructions, int harts = 1, (ulong, int) memory = default)
    {
        var on = JitLockstep.RunWhole(path, true, maxInstructions, harts, memory);
        var off = JitLockstep.RunWhole(path, false, maxInstructions, harts, memory);
        Assert.That(on.Result.Reason, Is.EqualTo(ExitReason.GuestExit), on.Result.Message);
        Assert.That(off.Result.Reason, Is.EqualTo(ExitReason.GuestExit), off.Result.Message);
        return (on, off);
    }

    /// <summary>
    /// Start of a two-hart program: t0 = mhartid, s0 = 0x80100000 (flags, zero at start), then a placeholder for
    /// "bne t0, zero, hart1" whose offset is returned for <see cref="Asm.Patch"/>. Hart 0's code follows.
    /// </summary>
    private static int SplitHarts(Asm a)
    {
        a.Csrrs(T0, 0xf14, 0);                                      // mhartid
        a.Li(S0, 0x08010000).Word(I(4, S0, 1, S0, 0x13));            // s0 = 0x80100000
        int toHart1 = a.Here;
        a.Word(0);
        return toHart1;
    }

    /// <summary>F at <paramref name="at"/> (nops up to it): "addi a0,a0,1; ret".</summary>
    private static void EmitIncrementAt(Asm a, int at)
    {
        while (a.Here < at) a.Word(0x00000013);
        a.Addi_(A0, A0, 1);
        a.Word(I(0, Ra, 0, 0, 0x67));                               // ret
    }

    [TestCase(false)]
    [TestCase(true)]
    public void StoreRewritingTheNextInstruction_OfARunningBlock(bool fenceI)
    {
        // a1 counts 600 iterations down; from iteration 300 on, the loop stores "addi a0,a0,2" over its own
        // "addi a0,a0,1". With FENCE.I after the store the new instruction must run from the next iteration
        // (Zifencei); without, either is allowed, but compiled code must do what the interpreter does.
        var a = new Asm();
        a.Li(A0, 0).Li(A1, 600).Li(A2, 300);
        a.Li(T1, Addi(A0, A0, 2));
        int auipcAt = a.Here;
        a.Word(Auipc(T0, 0));
        int patchAt = a.Here;
        a.Word(0);                   // addi t0, t0, target - auipcAt (patched below)
        int loop = a.Here;
        int skip = loop + 4 * 2 + (fenceI ? 4 : 0);
        a.Blt(A2, A1, skip);        // not yet: a1 > 300
        a.Sw(T1, T0, 0);
        if (fenceI) a.FenceI();
        Assert.That(a.Here, Is.EqualTo(skip));
        for (int i = 0; i < 7; i++) a.Addi_(A3, A3, 1); // filler, so the store is in the middle of the block
        a.Patch(patchAt, Addi(T0, T0, a.Here - auipcAt));
        a.Addi_(A0, A0, 1);          // target
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Exit(T0, T1);
        var (_, compiled, x) = Lockstep(Write(a));
        if (fenceI) Assert.That(x[A0], Is.EqualTo(300UL * 1 + 300UL * 2), "after FENCE.I the rewritten instruction runs");
        Assert.That(compiled, Is.GreaterThan(1000), "the loop ran compiled");
    }

    [Test]
    public void AHotTrapHandler_AndTheCodeItReturnsTo_RunCompiled()
    {
        // Every iteration makes a system call. The handler is entered only by the trap and its return site only by
        // MRET: no branch leads to either, so unless traps and xRETs count their targets neither is ever compiled.
        var a = WithSkippingHandler();
        a.Li(A1, 3000);
        int loop = a.Here;
        a.Word(0x00000073);          // ecall: the handler skips it
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Exit(T0, T1);
        var (retired, compiled, x) = Lockstep(Write(a));
        Assert.That(x[S0], Is.EqualTo(3000UL), "every ecall trapped once");
        // Per iteration: 4 of the handler's 5 instructions (MRET ends a region) and 2 of the loop's 3 (ECALL does),
        // 6 of 8; without counting xRET targets 4 of 8, without counting trap targets 2 of 8.
        Assert.That(compiled, Is.GreaterThan((long)(retired * 3 / 4)), $"{compiled} of {retired} instructions ran compiled");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Recursion_StaysCompiled_AndMatchesTheInterpreter(bool throughARegister)
    {
        // fib(16) by naive recursion. Called directly (jal), every return goes back to one of fib's two call sites,
        // which the region compiled from fib holds, so returns stay in compiled code. Called through a register
        // (jalr ra, 0(s2)), each call runs the callee's region nested in the caller's, up to Hart.MaxJitDepth deep,
        // where the call leaves through the interpreter instead. Budgets cut it anywhere (lock-step).
        const int Sp = 2, S2 = 18;
        var a = new Asm();
        a.Li(Sp, 0x08010000).Word(I(4, Sp, 1, Sp, 0x13));          // sp = 0x80100000
        int la = a.Here;
        a.Word(0).Word(0);                                         // la s2, fib (patched)
        a.Li(A0, 16);
        var calls = new List<int> { a.Here };
        a.Word(0);                                                 // the call (patched)
        a.Add_(S1, A0, 0);
        a.Exit(T0, T1);
        int fib = a.Here;
        int rel = fib - la;
        a.Patch(la, Auipc(S2, ((rel - (rel << 20 >> 20)) >> 12) & 0xfffff));
        a.Patch(la + 4, Addi(S2, S2, rel << 20 >> 20));
        a.Addi_(Sp, Sp, -32).Sd(Ra, Sp, 24).Sd(S1, Sp, 16).Sd(S0, Sp, 8);
        a.Li(T0, 2);
        int toRecurse = a.Here;
        a.Word(0);                                                 // bge a0, t0, recurse (patched)
        int done = a.Here;
        a.Ld(Ra, Sp, 24).Ld(S1, Sp, 16).Ld(S0, Sp, 8).Addi_(Sp, Sp, 32);
        a.Word(I(0, Ra, 0, 0, 0x67));                              // ret
        a.Patch(toRecurse, B(a.Here - toRecurse, T0, A0, 5));
        a.Add_(S1, A0, 0);                                         // s1 = n
        a.Addi_(A0, S1, -1);
        calls.Add(a.Here);
        a.Word(0);                                                 // fib(n - 1)
        a.Add_(S0, A0, 0);
        a.Addi_(A0, S1, -2);
        calls.Add(a.Here);
        a.Word(0);                                                 // fib(n - 2)
        a.Add_(A0, A0, S0);
        a.Jal(0, done);
        foreach (int call in calls) a.Patch(call, throughARegister ? I(0, S2, 0, Ra, 0x67) : J(fib - call, Ra));
        var (retired, compiled, x) = Lockstep(Write(a));
        Assert.That(x[S1], Is.EqualTo(987UL), "fib(16)");
        Assert.That(compiled, Is.GreaterThan((long)(retired * 9 / 10)), $"{compiled} of {retired} instructions ran compiled");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AFaultInANestedCallee_IsPrecise(bool directCallToAnotherPage)
    {
        // A hot loop calls F, through a register or with a JAL to F on the next page (both nest F's region in the
        // loop's); every fourth call F loads from address 0 (no memory: a load access fault inside the nested
        // region), which the handler counts and skips. Lock-step with the interpreter at every exit checks the pc,
        // the count and minstret of each fault.
        var a = WithSkippingHandler();
        int la = a.Here;
        a.Word(0).Word(0);                                         // la s1, F (patched)
        a.Li(A1, 2000).Li(A2, 0);
        int loop = a.Here;
        a.Word(I(3, A1, 7, A0, 0x13));                             // andi a0, a1, 3
        int call = a.Here;
        a.Word(I(0, S1, 0, Ra, 0x67));                             // jalr ra, 0(s1), or jal ra, F (patched)
        a.Add_(A2, A2, A0);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Exit(T0, T1);
        if (directCallToAnotherPage)
            while (a.Here < 0x1000) a.Word(0x00000013);
        int f = a.Here;
        int rel = f - la;
        a.Patch(la, Auipc(S1, ((rel - (rel << 20 >> 20)) >> 12) & 0xfffff));
        a.Patch(la + 4, Addi(S1, S1, rel << 20 >> 20));
        if (directCallToAnotherPage) a.Patch(call, J(f - call, Ra));
        int skipLoad = f + 8;
        a.Word(B(skipLoad - a.Here, 0, A0, 1));                   // bnez a0, skip
        a.Ld(T2, A0, 0);                                           // a0 = 0: load access fault
        Assert.That(a.Here, Is.EqualTo(skipLoad));
        a.Addi_(A0, A0, 5);
        a.Word(I(0, Ra, 0, 0, 0x67));                              // ret
        var (retired, compiled, x) = Lockstep(Write(a));
        Assert.That(x[S0], Is.EqualTo(500UL), "one fault per four calls");
        Assert.That(x[A2], Is.EqualTo(2000UL * 5 + 500 * (0 + 1 + 2 + 3)), "F's results");
        Assert.That(compiled, Is.GreaterThan((long)(retired / 2)), $"{compiled} of {retired} instructions ran compiled");
    }

    [Test]
    public void LoadFaultInTheMiddleOfACompiledBlock_IsPrecise()
    {
        var a = WithSkippingHandler();
        a.Li(A1, 2000).Li(T1, 0x10).Li(S0, 0);
        int loop = a.Here;
        a.Addi_(A3, A3, 1);
        a.Ld(A4, T1, 0);             // 0x10: no memory, no device: load access fault, mtval 0x10
        a.Addi_(A3, A3, 1);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Exit(T0, T1);
        var (retired, compiled, x) = Lockstep(Write(a));
        Assert.That(x[S0], Is.EqualTo(2000UL), "every iteration trapped once");
        Assert.That(x[A3], Is.EqualTo(4000UL), "the instructions around the fault ran, the fault did not retire");
        // The region is entered at the loop head every iteration and leaves through the fault (the handler's mret
        // returns into interpreted code): about one compiled instruction per iteration.
        Assert.That(compiled, Is.GreaterThanOrEqualTo(1900), $"of {retired}");
    }

    [Test]
    public void MisalignedAmoAndIllegalInstruction_InAHotLoop_TrapAsInTheInterpreter()
    {
        var a = WithSkippingHandler();
        a.Li(A1, 1500).Li(S0, 0).Li(A5, 1);
        a.Li(T1, 0x08010000).Word(I(4, T1, 1, T1, 0x13)).Addi_(T1, T1, 2); // 0x80100002: RAM, a 4-byte AMO 2-aligned: cause 6
        int loop = a.Here;
        a.Addi_(A3, A3, 1);
        a.AmoaddW(A4, A5, T1);
        a.Word(0x00000000);          // illegal instruction
        a.Addi_(A3, A3, 1);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Exit(T0, T1);
        var (_, compiled, x) = Lockstep(Write(a));
        Assert.That(x[S0], Is.EqualTo(3000UL));
        Assert.That(x[A3], Is.EqualTo(3000UL));
        Assert.That(compiled, Is.GreaterThanOrEqualTo(1400), "the region runs up to the AMO every iteration");
    }

    /// <summary>
    /// The start of a timer-interrupt program: a handler at 0x400 that records minstret (and, with
    /// <paramref name="recordMepc"/>, mepc) at s1 + 8*s0 (16*s0), counts in s0, re-arms mtimecmp = mtime +
    /// <paramref name="rearm"/> and returns; then mtvec, a4/a5 = the CLINT's mtime/mtimecmp, s1 = 0x80100000,
    /// the first deadline 50 ticks on, and mie.MTIE. The caller's code follows.
    /// </summary>
    private static Asm WithRecordingTimerHandler(bool recordMepc, int rearm)
    {
        var a = new Asm();
        a.Jal(0, 0x440);
        while (a.Here < 0x400) a.Word(0x00000013);
        a.Csrrs(T2, 0xb02, 0);                                  // minstret
        a.Word(I(recordMepc ? 4 : 3, S0, 1, T0, 0x13));         // slli t0, s0, 3 or 4
        a.Add_(T0, T0, S1);
        a.Sd(T2, T0, 0);
        if (recordMepc) a.Csrrs(T2, 0x341, 0).Sd(T2, T0, 8);   // mepc
        a.Addi_(S0, S0, 1);
        a.Ld(T2, A4, 0);                                        // mtime
        a.Addi_(T2, T2, rearm);
        a.Sd(T2, A5, 0);                                        // mtimecmp
        a.Mret();
        while (a.Here < 0x440) a.Word(0x00000013);
        a.La(T0, 0x400).Csrrw(0, 0x305, T0);
        a.Li(A4, 0x0200bff8);                                   // CLINT mtime
        a.Li(A5, 0x02004000);                                   // CLINT mtimecmp, hart 0
        a.Li(S1, 0x08010000).Word(I(4, S1, 1, S1, 0x13));       // s1 = 0x80100000 (0x08010000 << 4)
        a.Li(S0, 0);
        a.Ld(T2, A4, 0).Addi_(T2, T2, 50).Sd(T2, A5, 0);
        a.Li(T0, 0x80).Csrrs(0, 0x304, T0);                     // mie.MTIE
        return a;
    }

    /// <summary>
    /// Timer interrupts arrive while the hart spins in one long compiled loop. Under --icount the whole run,
    /// with devices, is a function of the program: with the JIT on and off it must retire the same instructions
    /// and take every interrupt at the same instruction (the handler records minstret in memory).
    /// </summary>
    [Test]
    public void InterruptsDuringALongBlock_ArriveAtTheSameInstruction_JitOnOrOff()
    {
        var a = WithRecordingTimerHandler(recordMepc: false, rearm: 37);
        a.Li(T0, 0x8).Csrrs(0, 0x300, T0);     // mstatus.MIE
        a.Li(A2, 40);
        int spin = a.Here;
        for (int i = 0; i < 30; i++) a.Addi_(A3, A3, 1);
        a.Blt(S0, A2, spin);
        a.Li(T0, 0x8).Word(I(0x300, T0, 3, 0, 0x73)); // csrrc mstatus.MIE
        a.Exit(T0, T1);
        string path = Write(a);

        var (on, off) = RunBothWays(path, 50_000_000, memory: (0x8010_0000, 40 * 8));
        Assert.That(on.Result.InstructionsRetired, Is.EqualTo(off.Result.InstructionsRetired), "instructions retired");
        Assert.That(on.Memory, Is.EqualTo(off.Memory), "minstret at each interrupt");
        Assert.That(on.X, Is.EqualTo(off.X), "registers at the end");
        Assert.That(on.X[S0], Is.EqualTo(40UL));
        Assert.That(on.Compiled, Is.GreaterThan((long)on.Result.InstructionsRetired / 2), "the spin loop ran compiled");
    }

    /// <summary>
    /// CSR instructions run inside compiled regions (through the interpreter's handler): minstret reads see the
    /// exact count, mscratch round-trips through the register locals, fflags is read and cleared between
    /// F/D instructions whose flags the region accrues, frm changes the dynamic rounding mode, and a SUM toggle
    /// switches TLB sets under the region. Lock-step with the interpreter at random budgets.
    /// </summary>
    [Test]
    public void CsrAccessInAHotLoop_RunsCompiled_AndMatchesTheInterpreter()
    {
        var a = new Asm();
        a.Li(T0, 0x6000).Csrrs(0, 0x300, T0);                     // mstatus.FS = Dirty
        a.Li(T0, 1).Word(R(0x69, 0, T0, 0, 3, 0x53));            // fcvt.d.w ft3, t0
        a.Li(T0, 3).Word(R(0x69, 0, T0, 0, 4, 0x53));            // fcvt.d.w ft4, t0
        a.Word(R(0x0d, 4, 3, 0, 2, 0x53));                        // fdiv.d ft2, ft3, ft4: 1/3, inexact
        a.Word(R(0x69, 0, T0, 0, 1, 0x53));                       // fcvt.d.w ft1, t0: 3.0
        a.La(S1, 0x1000);
        a.Li(A2, 5000);
        a.Li(T3, 0x40000);                                        // mstatus.SUM
        int loop = a.Here;
        a.Csrrs(T2, 0xb02, 0);                                    // csrr t2, minstret
        a.Add_(A3, A3, T2);
        a.Csrrw(T1, 0x340, A3);                                   // csrrw t1, mscratch, a3
        a.Add_(A4, A4, T1);
        a.Word(R(0x01, 2, 1, 7, 1, 0x53));                        // fadd.d ft1, ft1, ft2 (dyn rm, inexact)
        a.Word(I(0x001, 0, 1, A5, 0x73));                         // csrrw a5, fflags, x0
        a.Add_(A4, A4, A5);
        a.Word(I(0x002, 2, 5, 0, 0x73));                          // csrwi frm, 2 (RDN)
        a.Word(R(0x01, 2, 1, 7, 1, 0x53));                        // fadd.d ft1, ft1, ft2
        a.Word(I(0x002, 0, 5, 0, 0x73));                          // csrwi frm, 0
        a.Csrrs(0, 0x300, T3);                                    // csrs mstatus, SUM
        a.Ld(T4, S1, 0).Add_(A4, A4, T4).Sd(A4, S1, 8);
        a.Word(I(0x300, T3, 3, 0, 0x73));                         // csrc mstatus, SUM
        a.Addi_(A2, A2, -1);
        a.Bne(A2, 0, loop);
        a.Exit(T0, T1);
        while (a.Here < 0x1000) a.Word(0x00000013);
        a.Word(7).Word(0).Word(0).Word(0);
        var (retired, compiled, _) = Lockstep(Write(a));
        Assert.That(compiled, Is.GreaterThan((long)retired / 2), "the loop, CSR accesses and all, ran compiled");
    }

    /// <summary>
    /// A csrs that sets mstatus.MIE while a timer interrupt is pending, inside a compiled loop: the region must
    /// end right after it, and the interrupt be taken at the next instruction, as in the interpreter (the handler
    /// records minstret and mepc at each one). --icount, JIT on and off.
    /// </summary>
    [Test]
    public void CsrWriteThatUnmasksAPendingInterrupt_InCompiledCode_TakesItAtTheNextInstruction()
    {
        var a = WithRecordingTimerHandler(recordMepc: true, rearm: 23); // mret leaves MIE clear (MPIE was 0)
        a.Li(A2, 30);
        a.Li(T3, 0x8);                         // mstatus.MIE
        int spin = a.Here;
        for (int i = 0; i < 20; i++) a.Addi_(A3, A3, 1);
        a.Csrrs(0, 0x300, T3);                 // csrs mstatus, MIE: a pending MTIP is taken right here
        a.Word(I(0x300, T3, 3, 0, 0x73));      // csrc mstatus, MIE
        a.Blt(S0, A2, spin);
        a.Exit(T0, T1);
        string path = Write(a);

        var (on, off) = RunBothWays(path, 50_000_000, memory: (0x8010_0000, 30 * 16));
        Assert.That(on.Result.InstructionsRetired, Is.EqualTo(off.Result.InstructionsRetired), "instructions retired");
        Assert.That(on.Memory, Is.EqualTo(off.Memory), "minstret and mepc at each interrupt");
        Assert.That(on.X, Is.EqualTo(off.X), "registers at the end");
        Assert.That(on.X[S0], Is.EqualTo(30UL));
        ulong csrc = Asm.Base + (ulong)(spin + 20 * 4 + 4);
        for (int i = 0; i < 30; i++)
            Assert.That(BitConverter.ToUInt64(on.Memory, 16 * i + 8), Is.EqualTo(csrc), $"interrupt {i} taken after the csrs");
        Assert.That(on.Compiled, Is.GreaterThan((long)on.Result.InstructionsRetired / 2), "the spin loop ran compiled");
    }

    [Test]
    public void AmoOnADeviceThatEndsTheRun_KeepsItsResult_InCompiledCode()
    {
        // a4 is written in the loop, then an amoswap on the test finisher (which stops the machine and so ends
        // the chunk) writes it again: the region must leave the AMO's result, not its own older copy.
        var a = new Asm();
        a.Li(A1, 300).Li(T0, 0x100000).Li(T1, 0x5555);
        int loop = a.Here;
        a.Addi_(A4, 0, 77);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Word(R(1 << 2, T1, T0, 2, A4, 0x2f)); // amoswap.w a4, t1, (t0)
        a.Jal(0, a.Here);
        var (_, compiled, x) = Lockstep(Write(a));
        Assert.That(x[A4], Is.Not.EqualTo(77UL), "a4 holds what the AMO read from the device");
        Assert.That(compiled, Is.GreaterThan(500));
    }

    /// <summary>
    /// Cross-modifying code (Zifencei): hart 0 calls F from a compiled loop; hart 1 rewrites F ("addi a0,a0,1" to
    /// "addi a0,a0,5") and raises a flag; hart 0 sees it, runs FENCE.I, and from then on must run the new F:
    /// 100 more calls add 500. Under --icount (round-robin, deterministic), the run must also be identical with
    /// the JIT on and off.
    /// </summary>
    [Test]
    public void FenceIOnOneHart_AfterAnotherHartRewroteCompiledCode()
    {
        var a = new Asm();
        const int F = 0x800;
        int toHart1 = SplitHarts(a);                                // flag1 at s0+0, flag2 at s0+8
        a.Li(A0, 0).Li(A1, 0).Li(A2, 200);
        int loop0 = a.Here;
        a.Jal(Ra, F);
        a.Addi_(A1, A1, 1);
        int skip1 = a.Here + 4 * 3;
        a.Bne(A1, A2, skip1);
        a.Addi_(T1, 0, 1).Sd(T1, S0, 0);                            // flag1: F has run compiled for a while
        Assert.That(a.Here, Is.EqualTo(skip1));
        a.Ld(T2, S0, 8);
        a.Beq(T2, 0, loop0);
        a.FenceI();
        a.Add_(A3, A0, 0);
        a.Li(A4, 100);
        int loop1 = a.Here;
        a.Jal(Ra, F);
        a.Addi_(A4, A4, -1);
        a.Bne(A4, 0, loop1);
        a.Word(R(0x20, A3, A0, 0, A5, 0x33));                       // sub a5, a0, a3
        a.Exit(T0, T1);
        int hart1 = a.Here;
        a.Patch(toHart1, B(hart1 - toHart1, 0, T0, 1));
        int wait = a.Here;
        a.Ld(T2, S0, 0);
        a.Beq(T2, 0, wait);
        a.Li(T3, Addi(A0, A0, 5));
        a.La(T4, F);
        a.Sw(T3, T4, 0);
        a.Word(0x0ff0000f);                                         // fence rw,rw
        a.Addi_(T1, 0, 1).Sd(T1, S0, 8);                            // flag2
        a.Jal(0, a.Here);
        EmitIncrementAt(a, F);
        string path = Write(a);

        var (on, off) = RunBothWays(path, 20_000_000, harts: 2);
        Assert.That(on.X[A5], Is.EqualTo(500UL), "after FENCE.I hart 0 runs the new F");
        Assert.That(on.Result.InstructionsRetired, Is.EqualTo(off.Result.InstructionsRetired));
        Assert.That(on.X, Is.EqualTo(off.X));
        Assert.That(on.Compiled, Is.GreaterThan(1000), "the loops ran compiled");
    }

    /// <summary>
    /// FENCE.I drops nothing (Hart.FenceI): the shared decode cache stays exact because a page that becomes code is
    /// taken out of every hart's store TLB. Hart 1 first writes data into F's page, so its store TLB maps that page
    /// for the fast path; hart 0 then runs F (the page becomes code); hart 1 rewrites F; hart 0 runs FENCE.I and
    /// must run the new F. Were hart 1's entry kept, its store would skip the code check and hart 0 would keep
    /// running the old decode (this test fails with Hart.ForgetStoresTo made a no-op).
    /// </summary>
    [Test]
    public void StoreFromAHartThatMappedThePageBeforeItHeldCode_IsSeenAfterFenceI()
    {
        var a = new Asm();
        const int F = 0x1800;                                        // own page: the main code's page is code at once
        int toHart1 = SplitHarts(a);                                // flags at s0+0, +8, +16
        int wait0 = a.Here;
        a.Ld(T2, S0, 0);
        a.Beq(T2, 0, wait0);                                        // hart 1 has written F's page as data
        a.Li(A0, 0);
        a.Jal(Ra, F);                                               // F's page becomes code; a0 = 1
        a.Addi_(T1, 0, 1).Sd(T1, S0, 8);
        int wait2 = a.Here;
        a.Ld(T2, S0, 16);
        a.Beq(T2, 0, wait2);                                        // hart 1 has rewritten F
        a.FenceI();
        a.Jal(Ra, F);                                               // the new F: a0 = 1 + 5
        a.Exit(T0, T1);
        int hart1 = a.Here;
        a.Patch(toHart1, B(hart1 - toHart1, 0, T0, 1));
        a.La(T4, F);
        a.Sw(0, T4, 0x100);                                         // data in F's page, past its code
        a.Addi_(T1, 0, 1).Sd(T1, S0, 0);
        int wait1 = a.Here;
        a.Ld(T2, S0, 8);
        a.Beq(T2, 0, wait1);
        a.Li(T3, Addi(A0, A0, 5));
        a.Sw(T3, T4, 0);
        a.Word(0x0ff0000f);                                         // fence rw,rw
        a.Addi_(T1, 0, 1).Sd(T1, S0, 16);
        a.Jal(0, a.Here);
        EmitIncrementAt(a, F);
        string path = Write(a);

        var (on, off) = RunBothWays(path, 2_000_000, harts: 2);
        Assert.That(off.X[A0], Is.EqualTo(6UL), "interpreter: after FENCE.I hart 0 runs the new F");
        Assert.That(on.X[A0], Is.EqualTo(6UL), "JIT: after FENCE.I hart 0 runs the new F");
    }

    /// <summary>
    /// A page remapped under compiled code (Sv39): S-mode runs a hot loop at virtual 0x4000_0000, backed by
    /// physical page A ("addi a0,a0,1"); after its ecall the M-mode handler points the PTE at page B
    /// ("addi a0,a0,7"), runs SFENCE.VMA and returns to the same virtual address. The loop must now run B's code
    /// (1000 + 7000), never A's compiled region, and the run must be identical with the JIT on and off.
    /// </summary>
    [Test]
    public void PageRemappedUnderACompiledLoop_RunsTheNewPagesCode()
    {
        const int PageA = 0x2_0000, PageB = 0x2_1000;
        var a = new Asm();
        a.Jal(0, 0x100);
        while (a.Here < 0x80) a.Word(0x00000013);
        // M-mode handler at 0x80: the first ecall remaps, the second ends the run.
        int handler = a.Here;
        a.Addi_(S1, S1, 1);
        a.Li(T0, 2);
        int toDone = a.Here;
        a.Word(0);                                                   // beq s1, t0, done (patched)
        a.Li(T1, 0x2000844b);                                        // leaf: page B, V R X A
        a.Li(T2, 0x08001200).Word(I(4, T2, 1, T2, 0x13));            // t2 = 0x80012000, the level-0 table
        a.Sd(T1, T2, 0);
        a.Word(0x12000073);                                          // sfence.vma
        a.Li(A1, 1000);
        a.Li(T0, 0x40000000).Csrrw(0, 0x341, T0);                    // mepc
        a.Mret();
        int done = a.Here;
        a.Patch(toDone, B(done - toDone, T0, S1, 0));
        a.Exit(T0, T1);
        while (a.Here < 0x100) a.Word(0x00000013);
        a.La(T0, handler).Csrrw(0, 0x305, T0);                       // mtvec
        a.Li(T0, -1).Csrrw(0, 0x3b0, T0);                            // pmpaddr0: everything
        a.Li(T0, 0x1f).Csrrw(0, 0x3a0, T0);                          // pmpcfg0: NAPOT, RWX
        // Page tables: root 0x80010000 (gigapage at 0x80000000, and VA 0x40000000 -> level 1 -> level 0 -> A).
        a.Li(T2, 0x08001000).Word(I(4, T2, 1, T2, 0x13));            // t2 = 0x80010000
        a.Li(T1, 0x200000cf).Sd(T1, T2, 16);                         // root[2]: 0x80000000 gigapage, V R W X A D
        a.Li(T1, 0x20004401).Sd(T1, T2, 8);                          // root[1] -> level 1 at 0x80011000
        a.Li(T1, 0x20004801);
        a.Li(T3, 0x08001100).Word(I(4, T3, 1, T3, 0x13)).Sd(T1, T3, 0); // level1[0] at 0x80011000 -> level 0 at 0x80012000
        a.Li(T1, 0x2000804b);                                        // leaf: page A, V R X A
        a.Li(T3, 0x08001200).Word(I(4, T3, 1, T3, 0x13)).Sd(T1, T3, 0); // level0[0] at 0x80012000
        a.Li(T0, 8).Word(I(60, T0, 1, T0, 0x13)).Li(T1, 0x80010).Word(R(0, T1, T0, 6, T0, 0x33)); // satp = Sv39 | root
        a.Csrrw(0, 0x180, T0);
        a.Li(T0, 0x1800).Word(I(0x300, T0, 3, 0, 0x73));             // csrrc mstatus.MPP
        a.Li(T0, 0x800).Csrrs(0, 0x300, T0);                         // MPP = S
        a.Li(T0, 0x40000000).Csrrw(0, 0x341, T0);
        a.Li(A0, 0).Li(A1, 1000).Li(S1, 0);
        a.Mret();
        foreach (var (page, k) in new[] { (PageA, 1), (PageB, 7) })
        {
            while (a.Here < page) a.Word(0x00000013);
            int loop = a.Here;
            a.Addi_(A0, A0, k);
            a.Addi_(A1, A1, -1);
            a.Bne(A1, 0, loop);
            a.Word(0x00000073);                                      // ecall
        }
        string path = Write(a);

        var (on, off) = RunBothWays(path, 1_000_000);
        Assert.That(on.X[A0], Is.EqualTo(8000UL), "1000 iterations on page A, then 1000 on page B");
        Assert.That(on.Result.InstructionsRetired, Is.EqualTo(off.Result.InstructionsRetired));
        Assert.That(on.X, Is.EqualTo(off.X));
        Assert.That(on.Compiled, Is.GreaterThan(3000), "both loops ran compiled");
    }

    [Test]
    public void CodeWrittenByDma_ReplacesCompiledCode()
    {
        // A hot loop calls a one-instruction function at 0x800: "addi a0,a0,1; ret". Between two runs the
        // host writes "addi a0,a0,5" over it through the bus's DMA path (as a virtio device would).
        var a = new Asm();
        a.Li(A1, 1000).Li(A0, 0);
        int loop = a.Here;
        a.Jal(Ra, 0x800);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop);
        a.Word(0x00100073);          // ebreak: the host looks, then rewrites and resumes
        a.Li(A1, 1000);
        int loop2 = a.Here;
        a.Jal(Ra, 0x800);
        a.Addi_(A1, A1, -1);
        a.Bne(A1, 0, loop2);
        a.Exit(T0, T1);
        while (a.Here < 0x800) a.Word(0x00000013);
        a.Addi_(A0, A0, 1);
        a.Word(I(0, Ra, 0, 0, 0x67)); // ret
        string path = Write(a);

        using var m = VirtMachine.Create(new MachineOptions { KernelPath = path, Jit = true, JitThreshold = 2, JitSynchronous = true, Deterministic = true });
        var hart = m.Harts[0];
        while (hart.GetX(A1) > 50 || hart.InstructionsRetired < 10) hart.Run(97);
        while (m.Ram.AsSpan(hart.Pc, 4).ToArray() is var w && BitConverter.ToUInt32(w) != 0x00100073) hart.Run(1);
        Assert.That(hart.GetX(A0), Is.EqualTo(1000UL));
        long compiledBefore = hart.JitRetired;
        Assert.That(compiledBefore, Is.GreaterThan(1000), "the first loop ran compiled");
        ((IGuestMemory)m.Bus).Write(Base + 0x800, BitConverter.GetBytes(Addi(A0, A0, 5)));
        hart.Pc += 4;                // over the ebreak
        for (int i = 0; i < 10_000 && !m.Stopped; i++) hart.Run(97);
        Assert.That(hart.GetX(A0), Is.EqualTo(1000UL + 5000UL), "the new code ran every time");
    }
}
