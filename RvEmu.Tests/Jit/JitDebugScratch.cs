using RvEmu.Tests.Support;
namespace RvEmu.Tests.Jit;
[TestFixture, Explicit]
public sealed class JitDebugScratch
{
    [TestCase(1)] [TestCase(3)] [TestCase(7)] [TestCase(50)] [TestCase(5000)]
    public void Branchy(int b)
    {
        JitLockstep.Compare(RepoPaths.Combine("firmware", "bench/branchy.elf"), 100000, _ => b);
    }
}
