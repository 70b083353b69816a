using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;
using RvEmu.Tests.Jit;

namespace RvEmu.Tests.Isa;

/// <summary>
/// The TLB's sets (Hart.Memory.cs): a satp write selects the sets of its address space instead of flushing, and
/// MXR, MPRV and MPP changes switch or need no sets instead of flushing; every translation must still mean what
/// the privileged spec says it means (4.1.11, 4.2.1, 4.3.1, 3.1.6.3). Each test reads the same virtual address
/// under different regimes, mapped to pages holding different values.
/// </summary>
[TestFixture]
public sealed class TlbRegimeTests
{
    private const ulong V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
    private const int Satp = 0x180, Sstatus = 0x100, Mstatus = 0x300, Mepc = 0x341, Mcause = 0x342, Mtval = 0x343;
    private const ulong Handler = Asm.Base + 0x800;
    private const ulong Mprv = 1UL << 17, Sum = 1UL << 18, Mxr = 1UL << 19, MppS = 1UL << 11;
    private const ulong Sv39 = 8UL << 60;

    /// <summary>The virtual address every test reads; physical RAM sits there too (IoRam), holding IoValue.</summary>
    private const ulong DataVa = 0x4000_0000, IoValue = 0x10_1010;
    private const ulong Program = Asm.Base, Tables = Asm.Base + 0x1_0000, DataPages = Asm.Base + 0x3_0000;

    // The code the tests run, at fixed offsets: S-mode is entered by the mret at 0 (mepc = SwitchAndLoad).
    private const ulong SwitchAndLoad = Program + 4;   // csrw satp, s1; ld a0, 0(s0)
    private const ulong FenceAsid = Program + 12;      // sfence.vma x0, t0
    private const ulong ToggleAndLoad = Program + 16;  // csrs xstatus, t1; ld a0, 0(s0); csrc xstatus, t1; ld a1, 0(s0)
    private const ulong Ecall = Program + 32;          // ecall; the handler starts with ld a2, 0(s0)

    private static uint Csrc(int csr, int rs1) => Asm.I(csr, rs1, 3, 0, 0x73);
    private static uint SfenceVma(int rs1, int rs2) => Asm.R(0x09, rs2, rs1, 0, 0, 0x73);

    private sealed class Machine : IDisposable
    {
        public readonly Hart Hart;
        private readonly MemoryRegion _ram, _io;
        public readonly PhysicalBus Bus = new();

        public Machine(int statusCsr)
        {
            _ram = new MemoryRegion("ram", Asm.Base, 1 << 18);
            _io = new MemoryRegion("low", DataVa, 1 << 12);
            Bus.AddMemory(_ram);
            Bus.AddMemory(_io);
            var code = new Asm().Mret()
                .Csrrw(0, Satp, Asm.S1).Ld(Asm.A0, Asm.S0, 0)
                .Word(SfenceVma(0, Asm.T0))
                .Csrrs(0, statusCsr, Asm.T1).Ld(Asm.A0, Asm.S0, 0).Word(Csrc(statusCsr, Asm.T1)).Ld(Asm.A1, Asm.S0, 0)
                .Word(0x00000073);
            Bus.Load(Program, code.Bytes());
            Bus.Load(Handler, new Asm().Ld(Asm.A2, Asm.S0, 0).Bytes());
            Bus.Load(DataVa, BitConverter.GetBytes(IoValue));
            Hart = new Hart(0, Bus, new MachineTimer()) { Pc = Program };
            Assert.That(Hart.TryWriteCsr(0x305, Handler), Is.True);       // mtvec
            Assert.That(Hart.TryWriteCsr(0x3b0, ulong.MaxValue), Is.True); // PMP: S and U may access everything (3.7.1)
            Assert.That(Hart.TryWriteCsr(0x3a0, 0x1f), Is.True);           // NAPOT, RWX
            Hart.SetX(Asm.S0, DataVa);
        }

        /// <summary>The value data page <paramref name="page"/> holds.</summary>
        public static ulong ValueOf(int page) => 0x100 + (ulong)page;

        /// <summary>
        /// Build address space <paramref name="space"/>'s tables: the code's gigapage mapped to itself, and DataVa
        /// to data page <paramref name="page"/> with <paramref name="flags"/>. Returns the root's physical address.
        /// </summary>
        public ulong MapSpace(int space, int page, ulong flags)
        {
            ulong root = Tables + (ulong)space * 0x3000, l1 = root + 0x1000, l0 = root + 0x2000;
            Bus.Load(root + 16, Pte(Asm.Base, V | R | W | X | A | D)); // VPN2 = 2: 0x8000_0000, a gigapage
            Bus.Load(root + 8, Pte(l1, V));                           // VPN2 = 1: DataVa
            Bus.Load(l1, Pte(l0, V));
            Remap(space, page, flags);
            return root;
        }

        /// <summary>Point DataVa in address space <paramref name="space"/> at data page <paramref name="page"/> (no fence).</summary>
        public void Remap(int space, int page, ulong flags)
        {
            ulong dataPa = DataPages + (ulong)page * 0x1000;
            Bus.Load(dataPa, BitConverter.GetBytes(ValueOf(page)));
            Bus.Load(Tables + (ulong)space * 0x3000 + 0x2000, Pte(dataPa, flags));
        }

        private static byte[] Pte(ulong pa, ulong flags) => BitConverter.GetBytes((pa >> 12) << 10 | flags);

        /// <summary>Enter S-mode (mret) with mstatus = <paramref name="mstatus"/> | MPP=S.</summary>
        public void EnterSupervisor(ulong mstatus)
        {
            Assert.That(Hart.TryWriteCsr(Mstatus, mstatus | MppS), Is.True);
            Assert.That(Hart.TryWriteCsr(Mepc, SwitchAndLoad), Is.True);
            Hart.Pc = Program;
            Step(1);
            Assert.That(Hart.Mode, Is.EqualTo(PrivilegeMode.Supervisor));
        }

        /// <summary>Run exactly <paramref name="n"/> instructions (a satp write or a trap ends a chunk early).</summary>
        public void Step(long n)
        {
            for (long done = 0, tries = 0; done < n; tries++)
            {
                Assert.That(tries, Is.LessThan(100), "the hart stopped making progress");
                done += Hart.Run(n - done);
            }
        }

        /// <summary>From S-mode: write satp, then load DataVa; the value the load read.</summary>
        public ulong LoadIn(ulong satp)
        {
            Hart.SetX(Asm.S1, satp);
            Hart.Pc = SwitchAndLoad;
            Step(2);
            Assert.That(Hart.Pc, Is.EqualTo(SwitchAndLoad + 8), "the load did not trap");
            return Hart.GetX(Asm.A0);
        }

        public void Dispose()
        {
            Hart.Dispose();
            _ram.Dispose();
            _io.Dispose();
        }
    }

    private static ulong SatpOf(ulong root, int asid) => Sv39 | (ulong)asid << 44 | root >> 12;

    [Test]
    public void AddressSpaces_KeepTheirTranslationsAcrossSatpWrites()
    {
        using var m = new Machine(Sstatus);
        ulong one = SatpOf(m.MapSpace(0, 1, V | R | A), 1), two = SatpOf(m.MapSpace(1, 2, V | R | A), 2);
        m.EnterSupervisor(0);
        long flushes = m.Hart.TlbFlushes, refills = m.Hart.AddressSpaceRefills;
        ulong[] read = [m.LoadIn(one), m.LoadIn(two), m.LoadIn(one), m.LoadIn(two), m.LoadIn(one)];
        Assert.That(read, Is.EqualTo(new[] { 1, 2, 1, 2, 1 }.Select(Machine.ValueOf).ToArray()));
        Assert.That(m.Hart.TlbFlushes - flushes, Is.Zero, "a satp write flushes nothing");
        Assert.That(m.Hart.AddressSpaceRefills - refills, Is.EqualTo(2), "switching back finds the sets it left");
    }

    [Test]
    public void SameAsidWithAnotherRoot_IsAnotherAddressSpace()
    {
        // An OS that runs every process with ASID 0 and relies on the satp write alone (as QEMU flushes on it)
        // must still see each root's mappings.
        using var m = new Machine(Sstatus);
        ulong one = SatpOf(m.MapSpace(0, 1, V | R | A), 0), two = SatpOf(m.MapSpace(1, 2, V | R | A), 0);
        m.EnterSupervisor(0);
        ulong[] read = [m.LoadIn(one), m.LoadIn(two), m.LoadIn(one)];
        Assert.That(read, Is.EqualTo(new[] { 1, 2, 1 }.Select(Machine.ValueOf).ToArray()));
    }

    [Test]
    public void MoreAddressSpacesThanSets_EachTranslatesThroughItsOwnTables()
    {
        using var m = new Machine(Sstatus);
        var satps = Enumerable.Range(0, 6).Select(s => SatpOf(m.MapSpace(s, s + 1, V | R | A), s + 1)).ToArray();
        m.EnterSupervisor(0);
        for (int round = 0; round < 3; round++)
            for (int s = 0; s < satps.Length; s++)
                Assert.That(m.LoadIn(satps[s]), Is.EqualTo(Machine.ValueOf(s + 1)), $"round {round}, space {s}");
        Assert.That(m.Hart.AddressSpaceRefills, Is.GreaterThanOrEqualTo(18), "six spaces cycled through fewer sets");
    }

    [Test]
    public void SfenceVmaOfAnAsid_DropsThatAddressSpacesTranslations_WhileAnotherRuns()
    {
        using var m = new Machine(Sstatus);
        ulong one = SatpOf(m.MapSpace(0, 1, V | R | A), 1), two = SatpOf(m.MapSpace(1, 2, V | R | A), 2);
        m.EnterSupervisor(0);
        Assert.That(m.LoadIn(one), Is.EqualTo(Machine.ValueOf(1)));
        Assert.That(m.LoadIn(two), Is.EqualTo(Machine.ValueOf(2)));
        m.Remap(0, 3, V | R | A); // space one's DataVa now maps page 3, then sfence.vma x0, asid 1 from space two
        m.Hart.SetX(Asm.T0, 1);
        m.Hart.Pc = FenceAsid;
        m.Step(1);
        Assert.That(m.LoadIn(one), Is.EqualTo(Machine.ValueOf(3)), "4.2.1: the fence orders the PTE write before later accesses of ASID 1");
        m.Remap(1, 4, V | R | A);
        m.Hart.SetX(Asm.T0, 2);
        m.Hart.Pc = FenceAsid;
        m.Step(1); // fencing the running space's ASID too
        m.Hart.Pc = SwitchAndLoad + 4;
        m.Step(1);
        Assert.That(m.Hart.GetX(Asm.A0), Is.EqualTo(Machine.ValueOf(3)));
        Assert.That(m.LoadIn(two), Is.EqualTo(Machine.ValueOf(4)));
    }

    [Test]
    public void MxrCleared_AnExecuteOnlyPageIsNoLongerReadable()
    {
        // 3.1.6.3: with MXR, loads from pages marked executable succeed; without, an execute-only page faults.
        // A translation cached while MXR was set must not outlive it.
        using var m = new Machine(Sstatus);
        ulong satp = SatpOf(m.MapSpace(0, 1, V | X | A), 1);
        m.EnterSupervisor(0);
        m.Hart.SetX(Asm.S1, satp);
        m.Hart.Pc = SwitchAndLoad;
        m.Step(1);
        long flushes = m.Hart.TlbFlushes;
        m.Hart.SetX(Asm.T1, (long)Mxr);
        m.Hart.Pc = ToggleAndLoad;
        m.Step(4); // csrs sstatus (MXR); ld a0 (reads); csrc sstatus (MXR); ld a1 (page fault)
        Assert.That(m.Hart.GetX(Asm.A0), Is.EqualTo(Machine.ValueOf(1)), "MXR set: the page reads");
        m.Hart.TryReadCsr(Mcause, out ulong cause);
        m.Hart.TryReadCsr(Mtval, out ulong tval);
        Assert.That((m.Hart.Pc, cause, tval), Is.EqualTo((Handler, 13UL, DataVa)), "MXR clear: load page fault");
        Assert.That(m.Hart.TlbFlushes, Is.EqualTo(flushes), "an MXR change flushes nothing");
    }

    [Test]
    public void MprvToggles_SwitchMachineModesDataTranslations_WithoutFlushing()
    {
        // 3.1.6.3: with MPRV, M-mode loads translate and are checked as MPP's mode; without, they are physical.
        // DataVa is RAM (IoValue) physically, and page 1 through the S-mode tables.
        using var m = new Machine(Mstatus);
        ulong satp = SatpOf(m.MapSpace(0, 1, V | R | A), 1);
        Assert.That(m.Hart.TryWriteCsr(Satp, satp), Is.True);
        Assert.That(m.Hart.TryWriteCsr(Mstatus, MppS), Is.True);
        long flushes = m.Hart.TlbFlushes;
        m.Hart.SetX(Asm.T1, (long)Mprv);
        for (int round = 0; round < 2; round++)
        {
            m.Hart.Pc = ToggleAndLoad;
            m.Step(4); // csrs mstatus (MPRV); ld a0; csrc mstatus (MPRV); ld a1
            Assert.That((m.Hart.GetX(Asm.A0), m.Hart.GetX(Asm.A1)), Is.EqualTo((Machine.ValueOf(1), IoValue)), $"round {round}");
        }
        // MPP = U under MPRV: the page is not a U page, so the load faults (4.3.1) however it was cached for S.
        Assert.That(m.Hart.TryWriteCsr(Mstatus, 0), Is.True);
        m.Hart.Pc = ToggleAndLoad;
        m.Step(2);
        m.Hart.TryReadCsr(Mcause, out ulong cause);
        Assert.That((m.Hart.Pc, cause), Is.EqualTo((Handler, 13UL)), "MPRV with MPP = U: load page fault");
        Assert.That(m.Hart.TlbFlushes, Is.EqualTo(flushes), "MPRV and MPP changes flush nothing");
    }

    [Test]
    public void DebuggerWriteOfSum_LeavesTheHartInItsOwnModesSets()
    {
        // The GDB stub writes CSRs with M-mode's rights while the hart is in S-mode: the sets chosen after the
        // write must be S-mode's, or an S-mode translation would be cached as one of M-mode's (M reads DataVa
        // physically).
        using var m = new Machine(Sstatus);
        Assert.That(m.Hart.TryWriteCsr(Satp, SatpOf(m.MapSpace(0, 1, V | R | U | A), 1)), Is.True);
        m.EnterSupervisor(0);
        Assert.That(m.Hart.TryWriteCsrAsDebugger(Sstatus, Sum), Is.True);
        m.Hart.Pc = SwitchAndLoad + 4;
        m.Step(1);
        Assert.That(m.Hart.GetX(Asm.A0), Is.EqualTo(Machine.ValueOf(1)), "SUM set: S-mode reads the U page");
        m.Hart.Pc = Ecall;
        m.Step(2); // ecall from S enters M at the handler, whose first instruction loads DataVa
        Assert.That(m.Hart.Mode, Is.EqualTo(PrivilegeMode.Machine));
        Assert.That(m.Hart.GetX(Asm.A2), Is.EqualTo(IoValue), "M-mode reads DataVa physically");
    }
}
