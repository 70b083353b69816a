using RvEmu.Core.Bus;
using RvEmu.Core.Timing;
using RvEmu.Devices;

namespace RvEmu.Tests.Devices;

/// <summary>SiFive CLINT (msip, mtimecmp, mtime) per the SiFive CLINT / ACLINT specs and QEMU 7.2's virt board.</summary>
public sealed class ClintTests
{
    private const ulong Msip0 = 0x0, Msip1 = 0x4, Mtimecmp0 = 0x4000, Mtimecmp1 = 0x4008, Mtime = 0xbff8;

    private ulong _ticks;
    private MachineTimer _timer = null!;
    private FakeIrqLine[] _msip = null!, _mtip = null!;
    private Clint _clint = null!;

    [SetUp]
    public void SetUp()
    {
        _ticks = 0;
        _timer = new MachineTimer { InstructionCounter = () => _ticks, InstructionsPerTick = 1 };
        _msip = new[] { new FakeIrqLine(), new FakeIrqLine() };
        _mtip = new[] { new FakeIrqLine(), new FakeIrqLine() };
        _clint = new Clint(_timer, new (IIrqLine, IIrqLine)[] { (_msip[0], _mtip[0]), (_msip[1], _mtip[1]) });
    }

    private IMmioDevice Dev => _clint;

    private ulong R(ulong offset, int size)
    {
        Assert.That(Dev.Read(offset, size, out ulong v), Is.True, $"read of 0x{offset:x} faulted");
        return v;
    }

    private void W(ulong offset, int size, ulong value) =>
        Assert.That(Dev.Write(offset, size, value), Is.True, $"write of 0x{offset:x} faulted");

    [Test]
    public void Reset_MtimecmpIsZeroSoMtipIsPending_AsQemu()
    {
        Assert.That(R(Mtimecmp0, 8), Is.EqualTo(0UL));
        Assert.That(_mtip[0].Level, Is.True);
        Assert.That(_mtip[1].Level, Is.True);
        Assert.That(_msip[0].Level, Is.False);
    }

    [Test]
    public void Msip_OnlyBitZeroIsStoredAndDrivesTheLine()
    {
        W(Msip0, 4, 0xffff_ffff);
        Assert.That(R(Msip0, 4), Is.EqualTo(1UL));
        Assert.That(_msip[0].Level, Is.True);
        Assert.That(_msip[1].Level, Is.False, "each hart has its own msip");
        W(Msip0, 4, 0xffff_fffe);
        Assert.That(R(Msip0, 4), Is.EqualTo(0UL));
        Assert.That(_msip[0].Level, Is.False);
        W(Msip1, 4, 1);
        Assert.That(_msip[1].Level, Is.True);
        Assert.That(R(Msip1, 4), Is.EqualTo(1UL));
    }

    [Test]
    public void Msip_OfMissingHartReadsZeroAndIgnoresWrites()
    {
        W(0x8, 4, 1);
        Assert.That(R(0x8, 4), Is.EqualTo(0UL));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(8)]
    public void Msip_OnlyFourByteAccesses(int size)
    {
        Assert.That(Dev.Read(Msip0, size, out _), Is.False);
        Assert.That(Dev.Write(Msip0, size, 1), Is.False);
        Assert.That(_msip[0].Level, Is.False);
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Mtimer_NarrowAccessesFault(int size)
    {
        Assert.That(Dev.Read(Mtime, size, out _), Is.False);
        Assert.That(Dev.Write(Mtimecmp0, size, 0), Is.False);
    }

    [Test]
    public void OffsetsPastTheMtimerRegion_Fault()
    {
        Assert.That(Dev.Read(0xc000, 4, out _), Is.False);
        Assert.That(Dev.Write(0xfff8, 8, 0), Is.False);
    }

    [Test]
    public void Mtip_RaisedWhenMtimeReachesMtimecmp()
    {
        _ticks = 100;
        W(Mtimecmp0, 8, 150);
        Assert.That(_mtip[0].Level, Is.False, "a compare value in the future clears MTIP at once");
        Assert.That(_mtip[1].Level, Is.True, "hart 1 still has mtimecmp 0");
        _ticks = 149;
        _clint.Poll();
        Assert.That(_mtip[0].Level, Is.False);
        _ticks = 150;
        _clint.Poll();
        Assert.That(_mtip[0].Level, Is.True, "mtime >= mtimecmp");
        W(Mtimecmp0, 8, ulong.MaxValue);
        Assert.That(_mtip[0].Level, Is.False);
    }

    [Test]
    public void Mtimecmp_InThePast_RaisesMtipImmediately()
    {
        _ticks = 1000;
        W(Mtimecmp0, 8, ulong.MaxValue);
        W(Mtimecmp0, 8, 999);
        Assert.That(_mtip[0].Level, Is.True);
    }

    [Test]
    public void Mtimecmp_FourByteHalves()
    {
        W(Mtimecmp0, 8, ulong.MaxValue);
        W(Mtimecmp0, 4, 5);
        Assert.That(R(Mtimecmp0, 8), Is.EqualTo(0xffff_ffff_0000_0005UL), "a low write keeps the high half");
        W(Mtimecmp0 + 4, 4, 0x1234_5678);
        Assert.That(R(Mtimecmp0, 8), Is.EqualTo(0x1234_5678_0000_0005UL), "a high write keeps the low half");
        Assert.That(R(Mtimecmp0, 4), Is.EqualTo(0x0000_0005UL));
        Assert.That(R(Mtimecmp0 + 4, 4), Is.EqualTo(0x1234_5678UL));
        Assert.That(R(Mtimecmp1, 8), Is.EqualTo(0UL), "hart 1 untouched");
    }

    [Test]
    public void Mtimecmp_OfMissingHartReadsZero()
    {
        W(0x4010, 8, 5);
        Assert.That(R(0x4010, 8), Is.EqualTo(0UL));
    }

    [Test]
    public void Mtime_ReadsTheTimer_WholeAndInHalves()
    {
        _ticks = 0x1_2345_6789;
        Assert.That(R(Mtime, 8), Is.EqualTo(0x1_2345_6789UL));
        Assert.That(R(Mtime, 4), Is.EqualTo(0x2345_6789UL));
        Assert.That(R(Mtime + 4, 4), Is.EqualTo(0x1UL));
    }

    [Test]
    public void Mtime_WriteSetsTimer()
    {
        _ticks = 50;
        W(Mtime, 8, 0x1_0000_0000);
        Assert.That(_timer.Now, Is.EqualTo(0x1_0000_0000UL));
        _ticks = 60;
        Assert.That(R(Mtime, 8), Is.EqualTo(0x1_0000_000aUL), "time keeps running from the new value");
        W(Mtime + 4, 4, 0);
        Assert.That(_timer.Now, Is.EqualTo(0x0000_000aUL), "a high-half write keeps the low half");
        W(Mtime, 4, 0x100);
        Assert.That(_timer.Now, Is.EqualTo(0x100UL));
    }

    [Test]
    public void Mtime_WriteReevaluatesMtip()
    {
        W(Mtimecmp0, 8, 1000);
        W(Mtimecmp1, 8, 5000);
        Assert.That(_mtip[0].Level, Is.False);
        W(Mtime, 8, 1000);
        Assert.That(_mtip[0].Level, Is.True, "no Poll needed");
        Assert.That(_mtip[1].Level, Is.False);
        W(Mtime, 8, 0);
        Assert.That(_mtip[0].Level, Is.False, "moving time back lowers MTIP");
    }

    [Test]
    public void NextDeadline_IsEarliestCompareNotYetReached()
    {
        _ticks = 100;
        W(Mtimecmp0, 8, 500);
        W(Mtimecmp1, 8, 300);
        Assert.That(_clint.NextDeadline, Is.EqualTo(300UL));
        _ticks = 300;
        Assert.That(_clint.NextDeadline, Is.EqualTo(500UL), "hart 1's compare has been reached");
        _ticks = 600;
        Assert.That(_clint.NextDeadline, Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void RegisterName_NamesClintRegisters()
    {
        Assert.That(Dev.RegisterName(Msip1), Is.EqualTo("msip1"));
        Assert.That(Dev.RegisterName(Mtimecmp1), Is.EqualTo("mtimecmp1"));
        Assert.That(Dev.RegisterName(Mtimecmp0 + 4), Is.EqualTo("mtimecmp0.hi"));
        Assert.That(Dev.RegisterName(Mtime), Is.EqualTo("mtime"));
        Assert.That(Dev.RegisterName(0x8000), Is.Null);
    }
}
