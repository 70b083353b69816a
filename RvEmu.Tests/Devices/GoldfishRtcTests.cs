using RvEmu.Core.Timing;
using RvEmu.Devices;

namespace RvEmu.Tests.Devices;

/// <summary>
/// The Goldfish RTC as QEMU's hw/rtc/goldfish_rtc.c and Linux's rtc-goldfish driver use it: nanoseconds since
/// the epoch read low word first (which latches the high word), time set by writes, an alarm armed by its low
/// word that raises the line while IRQ_ENABLED, 32-bit registers only. Time here is an instruction counter
/// (1 tick = 100 ns), so every value is exact.
/// </summary>
[TestFixture]
public sealed class GoldfishRtcTests
{
    private const ulong Epoch = 1_700_000_000UL * 1_000_000_000; // 2023-11-14, past 2^32 ns in both words
    private ulong _ticks;
    private MachineTimer _timer = null!;
    private FakeIrqLine _irq = null!;
    private GoldfishRtc _rtc = null!;

    [SetUp]
    public void SetUp()
    {
        _ticks = 0;
        _timer = new MachineTimer { InstructionCounter = () => _ticks, InstructionsPerTick = 1 };
        _irq = new FakeIrqLine();
        _rtc = new GoldfishRtc(_timer, _irq, Epoch);
    }

    private ulong ReadTime()
    {
        Assert.That(_rtc.Read(0x00, 4, out ulong low), Is.True);
        Assert.That(_rtc.Read(0x04, 4, out ulong high), Is.True);
        return high << 32 | low;
    }

    private void Write(ulong offset, ulong value) => Assert.That(_rtc.Write(offset, 4, value), Is.True);

    [Test]
    public void Time_IsEpochPlusGuestTime_AndTheHighWordIsLatchedByTheLowRead()
    {
        Assert.That(ReadTime(), Is.EqualTo(Epoch));
        _ticks = 12_345;
        Assert.That(ReadTime(), Is.EqualTo(Epoch + 1_234_500));

        // The high word returned is the one latched by the low read, even if time moved on in between.
        _rtc.Read(0x00, 4, out ulong low);
        _ticks += (1UL << 32) / 100 + 1; // more than 2^32 ns later
        _rtc.Read(0x04, 4, out ulong high);
        Assert.That(high << 32 | low, Is.EqualTo(Epoch + 1_234_500));
    }

    [Test]
    public void WritingTheTime_MovesTheClock_WhichThenRunsOn()
    {
        ulong target = 0x0000_0123_4567_89abUL;
        Write(0x04, target >> 32);
        Write(0x00, target & 0xffff_ffff);
        Assert.That(ReadTime(), Is.EqualTo(target));
        _ticks += 10;
        Assert.That(ReadTime(), Is.EqualTo(target + 1000));
    }

    [Test]
    public void Alarm_RaisesTheLineWhenDueAndEnabled_UntilCleared()
    {
        ulong due = Epoch + 5_000; // 50 ticks from now
        Write(0x10, 1);            // IRQ_ENABLED
        Write(0x0c, due >> 32);    // ALARM_HIGH, then ALARM_LOW arms it
        Write(0x08, due & 0xffff_ffff);
        Assert.That(_rtc.Read(0x18, 4, out ulong running) && running == 1, Is.True, "ALARM_STATUS: running");
        Assert.That(_rtc.NextDeadline, Is.EqualTo(50UL));
        _ticks = 49;
        _rtc.Poll();
        Assert.That(_irq.Level, Is.False, "not yet");
        _ticks = 50;
        _rtc.Poll();
        Assert.That(_irq.Level, Is.True, "the alarm fired");
        Assert.That(_rtc.Read(0x18, 4, out running) && running == 0, Is.True);
        Assert.That(_rtc.NextDeadline, Is.EqualTo(ulong.MaxValue));
        Write(0x1c, 1);            // CLEAR_INTERRUPT
        Assert.That(_irq.Level, Is.False);
    }

    [Test]
    public void AlarmInThePast_FiresAtOnce_AndADisabledIrqKeepsTheLineLow()
    {
        Write(0x0c, 0);
        Write(0x08, 1);
        Assert.That(_irq.Level, Is.False, "IRQ_ENABLED is 0");
        Write(0x10, 1);
        Assert.That(_irq.Level, Is.True, "pending, now enabled");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(8)]
    public void OnlyWordAccesses(int size)
    {
        Assert.That(_rtc.Read(0x00, size, out _), Is.False);
        Assert.That(_rtc.Write(0x10, size, 1), Is.False);
    }
}
