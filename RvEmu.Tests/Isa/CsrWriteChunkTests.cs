using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;
using RvEmu.Tests.Jit;

namespace RvEmu.Tests.Isa;

/// <summary>
/// Which CSR writes end a hart's chunk (Hart.CsrWriteEndsChunk): only those that change the fetch translation
/// or make an interrupt deliverable. <see cref="Hart.Run"/> returns the steps the chunk took, so a chunk that
/// ended early shows in its return value; an interrupt a write made deliverable must be taken before the next
/// instruction runs (privileged spec 3.1.6.1, 3.1.9).
/// </summary>
[TestFixture]
public sealed class CsrWriteChunkTests
{
    private const int Mstatus = 0x300, Mie = 0x304, Mip = 0x344, Mtvec = 0x305, Mepc = 0x341, Mcause = 0x342;
    private const ulong Handler = Asm.Base + 0x800, Ssip = 1 << 1, MieBit = 1 << 3;

    private static uint Csrrsi(int rd, int csr, int uimm) => Asm.I(csr, uimm, 6, rd, 0x73);

    private static (Hart hart, MemoryRegion ram) Load(Asm program, params (ulong At, byte[] Bytes)[] data)
    {
        var bus = new PhysicalBus();
        var ram = new MemoryRegion("ram", Asm.Base, 1 << 16);
        bus.AddMemory(ram);
        bus.Load(Asm.Base, program.Bytes());
        foreach (var (at, bytes) in data) bus.Load(at, bytes);
        var hart = new Hart(0, bus, new MachineTimer()) { Pc = Asm.Base };
        Assert.That(hart.TryWriteCsr(Mtvec, Handler), Is.True);
        return (hart, ram);
    }

    private static Asm ThenCount(Asm a)
    {
        // Four instructions that count in a0, then a loop in place.
        for (int i = 0; i < 4; i++) a.Addi_(Asm.A0, Asm.A0, 1);
        int loop = a.Here;
        return a.Jal(0, loop);
    }

    [Test]
    public void ScratchTrapAndFcsrWrites_DoNotEndTheChunk()
    {
        var a = new Asm().Li(Asm.T0, 0x1234)
            .Csrrw(0, 0x340, Asm.T0)  // mscratch
            .Csrrw(0, Mepc, Asm.T0)
            .Csrrw(0, Mcause, Asm.T0)
            .Csrrw(0, 0x003, 0);      // fcsr
        var (hart, ram) = Load(ThenCount(a));
        using (ram) using (hart)
        {
            hart.TryWriteCsr(Mstatus, 1UL << 13); // FS = Initial, so fcsr is accessible
            long steps = hart.Run(40);
            Assert.That(steps, Is.EqualTo(40), "every write ran inside one chunk");
            Assert.That(hart.GetX(Asm.A0), Is.EqualTo(4UL));
            hart.TryReadCsr(Mepc, out ulong mepc);
            Assert.That(mepc, Is.EqualTo(0x1234UL));
        }
    }

    [Test]
    public void EnablingWriteWithNothingPending_DoesNotEndTheChunk()
    {
        var (hart, ram) = Load(ThenCount(new Asm().Word(Csrrsi(0, Mstatus, 8))));
        using (ram) using (hart)
        {
            Assert.That(hart.TryWriteCsr(Mie, Ssip), Is.True);
            Assert.That(hart.Run(20), Is.EqualTo(20));
            Assert.That(hart.GetX(Asm.A0), Is.EqualTo(4UL));
        }
    }

    [Test]
    public void EnablingWriteWithAPendingInterrupt_EndsTheChunk_AndTheInterruptIsTakenBeforeTheNextInstruction()
    {
        var (hart, ram) = Load(ThenCount(new Asm().Word(Csrrsi(0, Mstatus, 8))));
        using (ram) using (hart)
        {
            Assert.That(hart.TryWriteCsr(Mie, Ssip), Is.True);
            Assert.That(hart.TryWriteCsr(Mip, Ssip), Is.True); // SSIP pending, not delegated: an M-level interrupt
            Assert.That(hart.Run(20), Is.EqualTo(1), "the write that set MIE ended the chunk");
            hart.Run(0); // takes the interrupt, runs nothing
            Assert.That(hart.Pc, Is.EqualTo(Handler));
            hart.TryReadCsr(Mcause, out ulong mcause);
            hart.TryReadCsr(Mepc, out ulong mepc);
            Assert.That((mcause, mepc), Is.EqualTo(((1UL << 63) | 1, Asm.Base + 4)));
            Assert.That(hart.GetX(Asm.A0), Is.EqualTo(0UL), "no instruction after the write ran before the interrupt");
        }
    }

    [TestCase(0x180, TestName = "SatpWrite_EndsTheChunk")]
    [TestCase(0x3a0, TestName = "PmpcfgWrite_EndsTheChunk")]
    [TestCase(0x3b0, TestName = "PmpaddrWrite_EndsTheChunk")]
    public void TranslationWrite_EndsTheChunk(int csr)
    {
        var (hart, ram) = Load(ThenCount(new Asm().Csrrw(0, csr, 0)));
        using (ram) using (hart)
        {
            Assert.That(hart.Run(20), Is.EqualTo(1));
            Assert.That(hart.Run(19), Is.EqualTo(19), "the next chunk goes on from the following instruction");
            Assert.That(hart.GetX(Asm.A0), Is.EqualTo(4UL));
        }
    }

    [Test]
    public void SumToggleInSupervisorMode_SwitchesTlbSetsWithoutFlushing_AndKeepsTheirMeanings()
    {
        // Sv39 with two gigapages: VA 0x8000_0000 identity for S (the code), VA 0x4000_0000 onto the same RAM as a
        // U page. S-mode reads the U page with SUM set, then again with SUM clear: a load page fault (4.3.1),
        // which a translation cached while SUM was set must not hide.
        const ulong Root = Asm.Base + 0x1000, Data = Asm.Base + 0x2000, UserVa = 0x4000_2000;
        const ulong V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
        var a = new Asm().Word(0x30200073) // mret to S
            .Word(Asm.Lui(Asm.T0, 0x40))   // t0 = SUM (bit 18)
            .Csrrs(0, 0x100, Asm.T0)       // csrs sstatus, t0
            .Ld(Asm.A0, Asm.S0, 0)
            .Word(Asm.I(0x100, Asm.T0, 3, 0, 0x73)) // csrc sstatus, t0
            .Ld(Asm.A1, Asm.S0, 0);
        var table = new byte[24];
        BitConverter.GetBytes((Asm.Base >> 12) << 10 | V | R | W | U | A | D).CopyTo(table, 8);  // VPN2 = 1
        BitConverter.GetBytes((Asm.Base >> 12) << 10 | V | R | W | X | A | D).CopyTo(table, 16); // VPN2 = 2
        var (hart, ram) = Load(a, (Root, table), (Data, BitConverter.GetBytes(0x5a5aUL)));
        using (ram) using (hart)
        {
            hart.SetX(Asm.S0, UserVa);
            Assert.That(hart.TryWriteCsr(0x180, 8UL << 60 | Root >> 12), Is.True);
            Assert.That(hart.TryWriteCsr(0x3b0, ulong.MaxValue), Is.True); // PMP: S-mode may access everything (3.7.1)
            Assert.That(hart.TryWriteCsr(0x3a0, 0x1f), Is.True);           // NAPOT, RWX
            Assert.That(hart.TryWriteCsr(Mstatus, 1UL << 11), Is.True);    // MPP = S
            Assert.That(hart.TryWriteCsr(Mepc, Asm.Base + 4), Is.True);
            long flushes = hart.TlbFlushes;
            for (long steps = 0; steps < 6;) steps += hart.Run(6 - steps); // mret ends a chunk
            Assert.That(hart.GetX(Asm.A0), Is.EqualTo(0x5a5aUL), "SUM set: S-mode reads the U page");
            hart.TryReadCsr(Mcause, out ulong mcause);
            hart.TryReadCsr(0x343, out ulong mtval);
            Assert.That((hart.Pc, mcause, mtval), Is.EqualTo((Handler, 13UL, UserVa)), "SUM clear: load page fault");
            Assert.That(hart.TlbFlushes, Is.EqualTo(flushes), "a SUM toggle flushes nothing");
        }
    }
}
