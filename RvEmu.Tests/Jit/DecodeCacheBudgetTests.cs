using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;
using static RvEmu.Tests.Jit.Asm;

namespace RvEmu.Tests.Jit;

/// <summary>
/// The decode cache has a budget (MemoryRegion.MaxCodePages): a guest that runs code from more pages than that
/// makes the next new page drop them all, as QEMU flushes its translation cache when it fills, and the guest
/// runs on, decoding again, with the same results.
/// </summary>
[TestFixture]
public sealed class DecodeCacheBudgetTests
{
    private const int A0 = 10;
    private const int Pages = 10;

    [TestCase(4)]
    [TestCase(2048)]
    public void CodeFromMorePagesThanTheBudget_DropsThemAll_AndRunsOn(int budget)
    {
        // Ten pages in a ring: each adds 1 to a0 and jumps to the start of the next; the last jumps to the first.
        var a = new Asm();
        for (int p = 0; p < Pages; p++)
        {
            while (a.Here < p * MemoryRegion.PageSize) a.Word(Addi(0, 0, 0));
            a.Addi_(A0, A0, 1);
            a.Jal(0, (p + 1) % Pages * MemoryRegion.PageSize);
        }
        var bus = new PhysicalBus();
        var ram = new MemoryRegion("ram", Base, 1 << 20) { MaxCodePages = budget };
        bus.AddMemory(ram);
        bus.Load(Base, a.Bytes());
        var hart = new Hart(0, bus, new MachineTimer()) { Pc = Base };

        const int laps = 100;
        long steps = 0;
        while (steps < 2 * Pages * laps) steps += hart.Run(2 * Pages * laps - steps);

        Assert.That(hart.GetX(A0), Is.EqualTo((ulong)(Pages * laps)), "every instruction ran once per lap");
        Assert.That(ram.LiveCodePages, Is.LessThanOrEqualTo(Math.Min(budget, Pages)));
        if (budget < Pages)
            Assert.That(ram.CodeFlushes, Is.GreaterThanOrEqualTo(laps * Pages / budget - 1), "the budget was reached again and again");
        else
            Assert.That(ram.CodeFlushes, Is.Zero, "under the budget nothing is dropped");
    }
}
