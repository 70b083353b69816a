using RvEmu.Core.Bus;
using RvEmu.Core.Timing;

namespace RvEmu.Devices;

/// <summary>
/// The Goldfish real-time clock ("google,goldfish-rtc", as QEMU's hw/rtc/goldfish_rtc.c on the virt board):
/// a 64-bit count of nanoseconds since the Unix epoch, read low word first (the read latches the high word),
/// and one alarm that raises a level interrupt while enabled. Linux's rtc-goldfish driver sets the system
/// clock from it at boot.
/// </summary>
/// <remarks>
/// The clock is the machine timer (mtime, 10 MHz) plus an offset, so it advances with guest time and, under
/// <c>--icount</c>, deterministically: the offset then starts from a fixed instant instead of the host's clock,
/// so two runs print the same bytes. Registers are 32 bits wide; QEMU refuses other widths, and so does RvEmu
/// (an access fault). The clock keeps running across a machine reset, as a real RTC does; the alarm is cleared.
/// </remarks>
public sealed class GoldfishRtc : IMmioDevice, IPolledDevice
{
    private const ulong TimeLow = 0x00, TimeHigh = 0x04, AlarmLow = 0x08, AlarmHigh = 0x0c, IrqEnabled = 0x10,
        ClearAlarm = 0x14, AlarmStatus = 0x18, ClearInterrupt = 0x1c;

    /// <summary>Nanoseconds per machine-timer tick (10 MHz).</summary>
    private const ulong NsPerTick = 1_000_000_000 / MachineTimer.Frequency;

    private readonly MachineTimer _timer;
    private readonly IIrqLine _irq;
    /// <summary>Epoch nanoseconds minus mtime in nanoseconds.</summary>
    private ulong _offsetNs;
    private ulong _latchedHigh, _alarmNs;
    private bool _alarmRunning, _irqEnabled, _irqPending;

    /// <param name="timer">The machine timer the clock counts with.</param>
    /// <param name="irq">The PLIC source of the alarm interrupt.</param>
    /// <param name="epochNanoseconds">What the clock reads when mtime is 0.</param>
    public GoldfishRtc(MachineTimer timer, IIrqLine irq, ulong epochNanoseconds)
    {
        _timer = timer;
        _irq = irq;
        _offsetNs = epochNanoseconds;
    }

    public string Name => "rtc";

    private ulong NowNs => _offsetNs + _timer.Now * NsPerTick;

    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (size != 4) return false;
        switch (offset)
        {
            case TimeLow:
                ulong now = NowNs;
                _latchedHigh = now >> 32;
                value = now & 0xffff_ffff;
                break;
            case TimeHigh: value = _latchedHigh; break;
            case AlarmLow: value = _alarmNs & 0xffff_ffff; break;
            case AlarmHigh: value = _alarmNs >> 32; break;
            case IrqEnabled: value = _irqEnabled ? 1UL : 0UL; break;
            case AlarmStatus: value = _alarmRunning ? 1UL : 0UL; break;
        }
        return true;
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        if (size != 4) return false;
        value &= 0xffff_ffff;
        switch (offset)
        {
            case TimeLow: SetTime((NowNs & ~0xffff_ffffUL) | value); break;
            case TimeHigh: SetTime((NowNs & 0xffff_ffff) | value << 32); break;
            // As QEMU: the low word arms the alarm, so a driver writes the high word first.
            case AlarmLow:
                _alarmNs = (_alarmNs & ~0xffff_ffffUL) | value;
                _alarmRunning = true;
                Poll();
                break;
            case AlarmHigh: _alarmNs = (_alarmNs & 0xffff_ffff) | value << 32; break;
            case IrqEnabled:
                _irqEnabled = (value & 1) != 0;
                UpdateLine();
                break;
            case ClearAlarm: _alarmRunning = false; break;
            case ClearInterrupt:
                _irqPending = false;
                UpdateLine();
                break;
        }
        return true;
    }

    private void SetTime(ulong ns) => _offsetNs += ns - NowNs;

    /// <summary>Fire the alarm once its time has come.</summary>
    public void Poll()
    {
        if (!_alarmRunning || NowNs < _alarmNs) return;
        _alarmRunning = false;
        _irqPending = true;
        UpdateLine();
    }

    /// <inheritdoc/>
    public ulong NextDeadline =>
        !_alarmRunning ? ulong.MaxValue : _alarmNs <= _offsetNs ? 0 : (_alarmNs - _offsetNs + NsPerTick - 1) / NsPerTick;

    private void UpdateLine() => _irq.Set(_irqPending && _irqEnabled);

    /// <summary>Machine reset: the clock runs on; the alarm and its interrupt are cleared.</summary>
    public void Reset()
    {
        _alarmRunning = _irqEnabled = _irqPending = false;
        _alarmNs = _latchedHigh = 0;
        UpdateLine();
    }

    public string? RegisterName(ulong offset) => offset switch
    {
        TimeLow => "TIME_LOW",
        TimeHigh => "TIME_HIGH",
        AlarmLow => "ALARM_LOW",
        AlarmHigh => "ALARM_HIGH",
        IrqEnabled => "IRQ_ENABLED",
        ClearAlarm => "CLEAR_ALARM",
        AlarmStatus => "ALARM_STATUS",
        ClearInterrupt => "CLEAR_INTERRUPT",
        _ => null,
    };
}
