using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;

namespace RvEmu.Tests.Float;

/// <summary>
/// A bare hart on a RAM-only bus for running single FP instructions: each distinct instruction word
/// gets its own slot in RAM (so the decode cache keeps it), registers and fcsr are set directly.
/// </summary>
internal sealed class FpTestHart : IDisposable
{
    public const ulong RamBase = 0x8000_0000;
    public const ulong TrapVector = RamBase + 0x100;
    private const ulong CodeBase = RamBase + 0x1000;
    public const ulong DataBase = RamBase + 0x8_0000;

    private readonly PhysicalBus _bus = new();
    private readonly MemoryRegion _ram;
    private readonly Dictionary<uint, ulong> _slots = new();
    private ulong _nextSlot = CodeBase;

    public FpTestHart(int fpStatus = 1)
    {
        _ram = new MemoryRegion("ram", RamBase, 1 << 20);
        _bus.AddMemory(_ram);
        Hart = new Hart(0, _bus, new MachineTimer());
        Assert.That(Hart.TryWriteCsr(0x305, TrapVector), Is.True, "mtvec");
        Hart.FpStatus = fpStatus;
    }

    public Hart Hart { get; }
    public PhysicalBus Bus => _bus;

    /// <summary>Address of a slot holding <paramref name="insn"/> (a 32-bit word, or a 16-bit one in the low half).</summary>
    public ulong Place(uint insn)
    {
        if (_slots.TryGetValue(insn, out ulong a)) return a;
        a = _nextSlot;
        _nextSlot += 4;
        Assert.That(_bus.Write(a, 4, insn), Is.True);
        _slots[insn] = a;
        return a;
    }

    /// <summary>Run one instruction. Returns the trap cause, or null when it retired normally.</summary>
    public ExceptionCause? Step(uint insn)
    {
        ulong pc = Place(insn);
        Hart.Pc = pc;
        Hart.TryWriteCsr(0x342, 0);
        Hart.Run(1);
        if (Hart.Pc == TrapVector)
        {
            Hart.TryReadCsr(0x342, out ulong cause);
            return (ExceptionCause)cause;
        }
        int length = (insn & 3) == 3 ? 4 : 2;
        if (Hart.Pc != pc + (ulong)length) throw new InvalidOperationException($"pc 0x{Hart.Pc:x} after the instruction at 0x{pc:x}");
        return null;
    }

    public void Dispose()
    {
        Hart.Dispose();
        _ram.Dispose();
    }
}
