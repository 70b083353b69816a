using RvEmu.Core.Bus;
using RvEmu.Devices;
using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Devices;

/// <summary>SiFive PLIC per the RISC-V PLIC spec 1.0.0 and QEMU 7.2's virt board (96 ids, 7 priority levels).</summary>
public sealed class PlicTests
{
    private const ulong Pending = 0x1000;

    private FakeIrqLine[] _ctx = null!;
    private Plic _plic = null!;

    [SetUp]
    public void SetUp()
    {
        // virt board, two harts: ctx 0 = hart 0 M, ctx 1 = hart 0 S, ctx 2 = hart 1 M, ctx 3 = hart 1 S.
        _ctx = Enumerable.Range(0, 4).Select(_ => new FakeIrqLine()).ToArray();
        _plic = new Plic(_ctx); // the virt board's: riscv,ndev = 0x60 sources
    }

    private IMmioDevice Dev => _plic;

    private static ulong PriorityOf(int id) => 4 * (ulong)id;
    private static ulong EnableWord(int ctx, int word) => 0x2000 + 0x80 * (ulong)ctx + 4 * (ulong)word;
    private static ulong Threshold(int ctx) => 0x20_0000 + 0x1000 * (ulong)ctx;
    private static ulong ClaimComplete(int ctx) => 0x20_0004 + 0x1000 * (ulong)ctx;

    private uint R(ulong offset)
    {
        Assert.That(Dev.Read(offset, 4, out ulong v), Is.True, $"read of 0x{offset:x} faulted");
        return (uint)v;
    }

    private void W(ulong offset, uint value) => Assert.That(Dev.Write(offset, 4, value), Is.True, $"write of 0x{offset:x} faulted");

    private uint Claim(int ctx) => R(ClaimComplete(ctx));
    private void Complete(int ctx, int id) => W(ClaimComplete(ctx), (uint)id);

    private void Enable(int ctx, params int[] ids)
    {
        foreach (int id in ids) W(EnableWord(ctx, id / 32), R(EnableWord(ctx, id / 32)) | (1u << (id % 32)));
    }

    /// <summary>Source with a priority, enabled for <paramref name="ctx"/>, line raised.</summary>
    private void Raise(int id, uint priority, int ctx = 0)
    {
        W(PriorityOf(id), priority);
        Enable(ctx, id);
        _plic.Source(id).Set(true);
    }

    [Test]
    public void Claim_WithNothingPending_ReturnsZero()
    {
        Assert.That(Claim(0), Is.EqualTo(0u));
        Assert.That(_ctx.Select(c => c.Level), Has.All.False);
    }

    [Test]
    public void Priority_IsWarlOverThreeBits()
    {
        W(PriorityOf(10), 0xffff_ffff);
        Assert.That(R(PriorityOf(10)), Is.EqualTo(7u));
        W(PriorityOf(10), 9);
        Assert.That(R(PriorityOf(10)), Is.EqualTo(1u));
        W(Threshold(0), 0xff);
        Assert.That(R(Threshold(0)), Is.EqualTo(7u));
    }

    [Test]
    public void SourceZero_DoesNotExist()
    {
        W(PriorityOf(0), 3);
        Assert.That(R(PriorityOf(0)), Is.EqualTo(0u));
        Assert.Throws<ArgumentOutOfRangeException>(() => _plic.Source(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _plic.Source(0x61));
        Assert.That(R(PriorityOf(0x61)), Is.EqualTo(0u), "ids end at riscv,ndev");
    }

    /// <summary>
    /// Issue 12: the device tree says riscv,ndev = 96, and the binding numbers sources 1..ndev, so source 96
    /// exists: its priority holds a value, its enable bit (word 3, bit 0) and pending bit work, and it can be
    /// claimed and completed. (QEMU 7.2 stops at 95 and disagrees with its own tree; we follow the spec.)
    /// </summary>
    [Test]
    public void SourceNinetySix_TheLastOneTheTreeDeclares_Works()
    {
        Assert.That(VirtMemoryMap.PlicSources, Is.EqualTo(96));
        W(PriorityOf(96), 5);
        Assert.That(R(PriorityOf(96)), Is.EqualTo(5u));
        W(EnableWord(0, 3), 1);
        Assert.That(R(EnableWord(0, 3)), Is.EqualTo(1u));
        _plic.Source(96).Set(true);
        Assert.That(R(0x1000 + 4 * 3), Is.EqualTo(1u), "pending word 3 bit 0");
        Assert.That(_ctx[0].Level, Is.True);
        Assert.That(Claim(0), Is.EqualTo(96u));
        _plic.Source(96).Set(false);
        Complete(0, 96);
        Assert.That(_ctx[0].Level, Is.False);
    }

    [Test]
    public void PendingBits_ReflectRaisedSources_AndAreReadOnly()
    {
        _plic.Source(10).Set(true);
        _plic.Source(33).Set(true);
        Assert.That(R(Pending), Is.EqualTo(1u << 10), "pending even when not enabled or priority 0");
        Assert.That(R(Pending + 4), Is.EqualTo(1u << 1));
        W(Pending, 0xffff_ffff);
        Assert.That(R(Pending), Is.EqualTo(1u << 10));
    }

    [Test]
    public void Output_RaisedForEnabledSourceAbovePriorityZero()
    {
        _plic.Source(10).Set(true);
        Enable(0, 10);
        Assert.That(_ctx[0].Level, Is.False, "priority 0 means never interrupt");
        W(PriorityOf(10), 1);
        Assert.That(_ctx[0].Level, Is.True);
        Assert.That(_ctx[1].Level, Is.False, "not enabled for ctx 1");
    }

    [Test]
    public void Enable_WriteRaisesOutputAtOnce()
    {
        W(PriorityOf(10), 1);
        _plic.Source(10).Set(true);
        Assert.That(_ctx[0].Level, Is.False);
        Enable(0, 10);
        Assert.That(_ctx[0].Level, Is.True);
    }

    [Test]
    public void Threshold_MasksPrioritiesAtOrBelowIt()
    {
        Raise(10, 3);
        W(Threshold(0), 3);
        Assert.That(_ctx[0].Level, Is.False);
        Assert.That(Claim(0), Is.EqualTo(0u));
        W(Threshold(0), 2);
        Assert.That(_ctx[0].Level, Is.True);
        Assert.That(Claim(0), Is.EqualTo(10u));
    }

    [Test]
    public void Claim_ReturnsHighestPriorityFirst()
    {
        Raise(3, 2);
        Raise(5, 5);
        Raise(7, 6);
        Assert.That(Claim(0), Is.EqualTo(7u));
        Assert.That(Claim(0), Is.EqualTo(5u));
        Assert.That(Claim(0), Is.EqualTo(3u));
        Assert.That(Claim(0), Is.EqualTo(0u));
        Assert.That(_ctx[0].Level, Is.False, "everything claimed");
    }

    [Test]
    public void Claim_BreaksTiesByLowestId_AcrossWords()
    {
        Raise(40, 4);
        Raise(34, 4);
        Raise(2, 4);
        Raise(1, 3);
        Assert.That(Claim(0), Is.EqualTo(2u));
        Assert.That(Claim(0), Is.EqualTo(34u));
        Assert.That(Claim(0), Is.EqualTo(40u));
        Assert.That(Claim(0), Is.EqualTo(1u));
    }

    [Test]
    public void ClaimedSource_NotRedeliveredBeforeComplete()
    {
        Raise(10, 1);
        Assert.That(Claim(0), Is.EqualTo(10u));
        Assert.That(R(Pending), Is.EqualTo(0u), "claiming clears the pending bit");
        Assert.That(_ctx[0].Level, Is.False, "line still high, but the source is in flight");
        _plic.Source(10).Set(false);
        _plic.Source(10).Set(true);
        Assert.That(Claim(0), Is.EqualTo(0u));
        Assert.That(_ctx[0].Level, Is.False);
    }

    [Test]
    public void Complete_WithLineStillHigh_MakesSourcePendingAgain()
    {
        Raise(10, 1);
        Assert.That(Claim(0), Is.EqualTo(10u));
        Complete(0, 10);
        Assert.That(R(Pending), Is.EqualTo(1u << 10));
        Assert.That(_ctx[0].Level, Is.True);
        Assert.That(Claim(0), Is.EqualTo(10u));
    }

    [Test]
    public void Complete_WithLineLow_LeavesSourceIdle()
    {
        Raise(10, 1);
        Assert.That(Claim(0), Is.EqualTo(10u));
        _plic.Source(10).Set(false);
        Complete(0, 10);
        Assert.That(R(Pending), Is.EqualTo(0u));
        Assert.That(_ctx[0].Level, Is.False);
        Assert.That(Claim(0), Is.EqualTo(0u));
        _plic.Source(10).Set(true);
        Assert.That(Claim(0), Is.EqualTo(10u), "a new request after completion is forwarded");
    }

    [Test]
    public void Request_StaysPendingIfLineDropsBeforeClaim_AsQemu()
    {
        Raise(10, 1);
        _plic.Source(10).Set(false);
        Assert.That(R(Pending), Is.EqualTo(1u << 10));
        Assert.That(Claim(0), Is.EqualTo(10u));
    }

    [Test]
    public void Enables_ArePerContext()
    {
        W(PriorityOf(12), 1);
        Enable(1, 12);
        _plic.Source(12).Set(true);
        Assert.That(_ctx[0].Level, Is.False);
        Assert.That(_ctx[1].Level, Is.True);
        Assert.That(Claim(0), Is.EqualTo(0u), "not enabled for ctx 0");
        Assert.That(Claim(1), Is.EqualTo(12u));
        Assert.That(R(EnableWord(1, 0)), Is.EqualTo(1u << 12));
        Assert.That(R(EnableWord(0, 0)), Is.EqualTo(0u));
    }

    [Test]
    public void ThresholdsArePerContext()
    {
        W(PriorityOf(12), 2);
        Enable(0, 12);
        Enable(2, 12);
        W(Threshold(2), 5);
        _plic.Source(12).Set(true);
        Assert.That(_ctx[0].Level, Is.True);
        Assert.That(_ctx[2].Level, Is.False);
    }

    [Test]
    public void ClaimByOneContext_WithdrawsItFromOthers()
    {
        Raise(10, 1, ctx: 0);
        Enable(2, 10);
        Assert.That(_ctx[2].Level, Is.True);
        Assert.That(Claim(0), Is.EqualTo(10u));
        Assert.That(_ctx[2].Level, Is.False);
        Assert.That(Claim(2), Is.EqualTo(0u));
    }

    [Test]
    public void Complete_FromContextWithoutEnable_IsIgnored_AsTheSpecSays()
    {
        // PLIC spec 1.0.0: a completion for a source not enabled for the context is ignored
        // (QEMU 7.2 honours it; RvEmu follows the spec).
        Raise(10, 1, ctx: 0);
        Assert.That(Claim(0), Is.EqualTo(10u));
        Complete(1, 10);
        Assert.That(Claim(0), Is.EqualTo(0u), "still claimed: the completion from ctx 1 was ignored");
        Complete(0, 10);
        Assert.That(Claim(0), Is.EqualTo(10u), "line still high: pending again after the real completion");
    }

    [Test]
    public void Complete_OfOutOfRangeId_IsIgnored()
    {
        Raise(10, 1);
        Assert.That(Claim(0), Is.EqualTo(10u));
        Complete(0, 0x61);
        Complete(0, 0);
        Assert.That(Claim(0), Is.EqualTo(0u));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(8)]
    public void OnlyWordAccesses(int size)
    {
        Assert.That(Dev.Read(PriorityOf(10), size, out _), Is.False);
        Assert.That(Dev.Write(PriorityOf(10), size, 1), Is.False);
        Assert.That(R(PriorityOf(10)), Is.EqualTo(0u));
    }

    [Test]
    public void EnableWordsBeyondTheSources_ReadZero()
    {
        W(EnableWord(0, 2), 0xffff_ffff);
        Assert.That(R(EnableWord(0, 2)), Is.EqualTo(0xffff_ffffu));
        W(EnableWord(0, 3), 0xffff_ffff);
        Assert.That(R(EnableWord(0, 3)), Is.EqualTo(1u), "word 3 has only source 96; bits of ids that do not exist stay 0");
        W(EnableWord(0, 4), 0xffff_ffff);
        Assert.That(R(EnableWord(0, 4)), Is.EqualTo(0u), "97 ids fill four words");
        W(EnableWord(4, 0), 0xffff_ffff);
        Assert.That(R(EnableWord(4, 0)), Is.EqualTo(0u), "there is no context 4");
        Assert.That(R(Threshold(4)), Is.EqualTo(0u));
    }

    [Test]
    public void RegisterName_NamesPlicRegisters()
    {
        Assert.That(Dev.RegisterName(PriorityOf(10)), Is.EqualTo("priority[10]"));
        Assert.That(Dev.RegisterName(Pending + 4), Is.EqualTo("pending[1]"));
        Assert.That(Dev.RegisterName(EnableWord(1, 2)), Is.EqualTo("enable[1][2]"));
        Assert.That(Dev.RegisterName(Threshold(1)), Is.EqualTo("threshold[1]"));
        Assert.That(Dev.RegisterName(ClaimComplete(3)), Is.EqualTo("claim/complete[3]"));
        Assert.That(Dev.RegisterName(0x10_0000), Is.Null);
    }
}
