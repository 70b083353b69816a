using RvEmu.Core.Jit;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;
namespace RvEmu.Tests.Jit;
[TestFixture, Explicit]
public sealed class JitDebugScratch
{
    [TestCase("fpvectors/fpbench.elf")] [TestCase("bench/memory.elf")]
    public void Stats(string p)
    {
        using var m = VirtMachine.Create(new MachineOptions { KernelPath = RepoPaths.Combine("firmware", p), Jit = true, JitSynchronous = false });
        var r = m.Run();
        TestContext.Out.WriteLine($"{r.Message} retired {r.InstructionsRetired} jit {m.Harts[0].JitRetired} compiled {m.Jit!.RegionsCompiled} refused {m.Jit.RegionsRefused} flushes {m.Jit.Flushes} last {m.Jit.LastError} time {m.Jit.CompileTime.TotalMilliseconds} ms insns {m.Jit.InstructionsCompiled} run {r.Elapsed.TotalMilliseconds}");
    }
}
