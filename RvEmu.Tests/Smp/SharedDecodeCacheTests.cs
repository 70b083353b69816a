using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;

namespace RvEmu.Tests.Smp;

/// <summary>
/// The decode cache is shared by every hart (per physical page), so one hart decodes and publishes a slot
/// while another reads it. A reader must see an instruction either undecoded or whole: one that saw the new
/// operation with the old length (0) ran the instruction twice, which crashed SMP Linux in random places.
/// Two harts on two host threads run the same freshly written straight-line code at the same moment, again
/// and again; each must count every instruction exactly once.
/// </summary>
[TestFixture, Category("Smp")]
public sealed class SharedDecodeCacheTests
{
    private const ulong RamBase = 0x8000_0000;
    /// <summary>c.addi a0, 1 (RVC quadrant 1, funct3 000, rd = x10, imm = 1).</summary>
    private const ushort CAddiA0One = 0x0505;
    /// <summary>c.j 0: the hart stays here once the straight line ends.</summary>
    private const ushort CJSelf = 0xa001;
    private const int Increments = 3 * 2048; // three pages of 2-byte instructions

    [Test]
    public void TwoHartsDecodingTheSameCode_RunEveryInstructionOnce()
    {
        var bus = new PhysicalBus();
        var ram = new MemoryRegion("ram", RamBase, 1 << 20);
        bus.AddMemory(ram);
        var timer = new MachineTimer();
        var harts = new[] { new Hart(0, bus, timer), new Hart(1, bus, timer) };
        var code = new byte[Increments * 2 + 2];
        for (int i = 0; i < Increments; i++) BitConverter.TryWriteBytes(code.AsSpan(2 * i), CAddiA0One);
        BitConverter.TryWriteBytes(code.AsSpan(2 * Increments), CJSelf);
        bus.Load(RamBase, code);

        const int rounds = 300;
        var results = new ulong[2];
        var failures = new List<string>();
        using var start = new Barrier(2);
        using var end = new Barrier(2, _ =>
        {
            for (int h = 0; h < 2; h++)
                if (results[h] != Increments) failures.Add($"hart {h} counted {results[h]} of {Increments}");
            // The next round starts from undecoded code again, as after fence.i.
            ram.InvalidateAllCode();
        });
        var threads = harts.Select(hart => new Thread(() =>
        {
            for (int r = 0; r < rounds; r++)
            {
                hart.Pc = RamBase;
                hart.SetX(10, 0);
                start.SignalAndWait();
                hart.Run(Increments + 16);
                results[hart.HartId] = hart.GetX(10);
                end.SignalAndWait();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var h in harts) h.Dispose();
        ram.Dispose();

        Assert.That(failures, Is.Empty, $"{failures.Count} of {2 * rounds} runs miscounted");
    }
}
