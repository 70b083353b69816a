using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;

namespace RvEmu.Tests.Isa;

/// <summary>
/// Sdtrig details the conformance program (firmware/tests/triggers.S) cannot check because QEMU 7.2 differs:
/// in M-mode a breakpoint trigger fires only while mstatus.MIE is set (debug spec 5.4, for harts without
/// tcontrol), and the optional mcontrol.hit bit is set when a trigger fires.
/// </summary>
[TestFixture]
public sealed class TriggerTests
{
    private const ulong Code = 0x8000_0000, Handler = 0x8000_0100;
    private const ulong McontrolType2 = 2UL << 60, M = 1 << 6, Execute = 1 << 2, Hit = 1UL << 20;

    private static Hart NewHart(PhysicalBus bus)
    {
        var hart = new Hart(0, bus, new MachineTimer());
        // nop; nop; addi a0, zero, 1; j .
        bus.Load(Code, [0x13, 0, 0, 0, 0x13, 0, 0, 0, 0x13, 0x05, 0x10, 0x00, 0x6f, 0, 0, 0]);
        hart.Pc = Code;
        Assert.That(hart.TryWriteCsr(0x305, Handler), Is.True);
        Assert.That(hart.TryWriteCsr(0x7a2, Code + 8), Is.True);              // tdata2: the addi
        Assert.That(hart.TryWriteCsr(0x7a1, McontrolType2 | M | Execute), Is.True);
        return hart;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void MachineModeTrigger_FiresOnlyWithMie(bool mie)
    {
        var bus = new PhysicalBus();
        using var ram = new MemoryRegion("ram", Code, 1 << 16);
        bus.AddMemory(ram);
        using var hart = NewHart(bus);
        if (mie) Assert.That(hart.TryWriteCsr(0x300, 1 << 3), Is.True);
        hart.Run(3);
        hart.TryReadCsr(0x7a1, out ulong tdata1);
        if (mie)
        {
            hart.TryReadCsr(0x342, out ulong mcause);
            hart.TryReadCsr(0x341, out ulong mepc);
            hart.TryReadCsr(0x343, out ulong mtval);
            Assert.That((hart.Pc, mcause, mepc, mtval), Is.EqualTo((Handler, 3UL, Code + 8, Code + 8)), "breakpoint before the addi");
            Assert.That(hart.GetX(10), Is.EqualTo(0UL), "the addi did not run");
            Assert.That(tdata1 & Hit, Is.EqualTo(Hit), "hit");
        }
        else
        {
            Assert.That((hart.Pc, hart.GetX(10)), Is.EqualTo((Code + 12, 1UL)), "MIE = 0: the trigger does not fire in M-mode");
            Assert.That(tdata1 & Hit, Is.EqualTo(0UL));
        }
    }

    [Test]
    public void TdataWrites_AreLegalised()
    {
        var bus = new PhysicalBus();
        using var ram = new MemoryRegion("ram", Code, 1 << 16);
        bus.AddMemory(ram);
        using var hart = NewHart(bus);
        // Unsupported fields (dmode, action, match, chain, select, timing) read back as zero.
        Assert.That(hart.TryWriteCsr(0x7a1, ulong.MaxValue & ~(0xfUL << 60) | McontrolType2), Is.True);
        hart.TryReadCsr(0x7a1, out ulong tdata1);
        Assert.That(tdata1, Is.EqualTo(McontrolType2 | Hit | M | 1 << 4 | 1 << 3 | 7));
        // mcontrol6 (type 6) as QEMU 7.2 takes it, with its hit0 bit at 22; a write of type 0 disables the trigger.
        Assert.That(hart.TryWriteCsr(0x7a1, ulong.MaxValue & ~(0xfUL << 60) | 6UL << 60), Is.True);
        hart.TryReadCsr(0x7a1, out tdata1);
        Assert.That(tdata1, Is.EqualTo(6UL << 60 | 1UL << 22 | M | 1 << 4 | 1 << 3 | 7));
        Assert.That(hart.TryWriteCsr(0x7a1, 0), Is.True);
        hart.TryReadCsr(0x7a1, out tdata1);
        Assert.That(tdata1, Is.EqualTo(6UL << 60), "disabled, type kept");
        hart.TryReadCsr(0x7a4, out ulong tinfo);
        Assert.That(tinfo, Is.EqualTo(0x44UL), "tinfo: types 2 and 6");
        Assert.That(hart.TryWriteCsr(0x7a0, 2), Is.True);
        hart.TryReadCsr(0x7a0, out ulong tselect);
        Assert.That(tselect, Is.EqualTo(0UL), "tselect keeps its value when the index does not exist");
    }
}
