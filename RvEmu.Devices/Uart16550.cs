using System.Collections.Concurrent;
using RvEmu.Core.Bus;
using RvEmu.Core.Timing;

namespace RvEmu.Devices;

/// <summary>
/// NS16550A UART as QEMU 7.2 emulates it (hw/char/serial.c behind serial-mm with reg-shift 0):
/// eight byte-wide registers at offsets 0..7, readable and writable with 1-, 2-, 4- or 8-byte
/// accesses (QEMU's serial_mm ops accept up to 8 bytes and pass only the low byte); offsets 8 and up
/// are outside QEMU's region and fault. Transmission is instant, so THRE/TEMT are set again right after
/// a write to THR. Host input arrives on any thread through <see cref="EnqueueInput"/> and enters the
/// guest-visible receiver only on the emulation thread (<see cref="Poll"/>, or a guest read of RBR/LSR).
/// The modem lines are not connected to the host: MSR reads DCD|DSR|CTS and never reports a change.
/// </summary>
public sealed class Uart16550 : IMmioDevice, IPolledDevice
{
    /// <summary>Receive FIFO depth of the 16550A.</summary>
    public const int FifoSize = 16;

    /// <summary>Bytes of register space QEMU decodes (8 registers, reg-shift 0); beyond it accesses fault.</summary>
    public const ulong RegisterSpan = 8;

    /// <summary>Baud base QEMU's virt board gives the UART (hw/riscv/virt.c, serial_mm_init); sets the character time.</summary>
    public const uint BaudBase = 399_193;

    /// <summary>Register offsets (16550 datasheet, "Register summary"; DLAB = LCR bit 7 selects DLL/DLM).</summary>
    private enum Reg
    {
        RbrThrDll = 0,
        IerDlm = 1,
        IirFcr = 2,
        Lcr = 3,
        Mcr = 4,
        Lsr = 5,
        Msr = 6,
        Scr = 7,
    }

    // IER bits.
    private const byte IerRdi = 0x01, IerThri = 0x02, IerRlsi = 0x04, IerMask = 0x0f;
    // IIR interrupt identification (bits 3:0) and FIFO state (bits 7:6).
    private const byte IirNoInt = 0x01, IirThri = 0x02, IirRdi = 0x04, IirRlsi = 0x06, IirCti = 0x0c, IirFifoEnabled = 0xc0;
    // FCR bits: only FE, DMA mode and the trigger level stick (QEMU stores val & 0xc9).
    private const byte FcrFe = 0x01, FcrRfr = 0x02, FcrXfr = 0x04, FcrSticky = 0xc9, FcrTriggerMask = 0xc0;
    // LCR / MCR bits.
    private const byte LcrDlab = 0x80, McrDtr = 0x01, McrRts = 0x02, McrOut1 = 0x04, McrOut2 = 0x08, McrLoop = 0x10, McrMask = 0x1f;
    // LSR bits.
    private const byte LsrDr = 0x01, LsrOe = 0x02, LsrBi = 0x10, LsrThre = 0x20, LsrTemt = 0x40, LsrInterruptBits = 0x1e;
    // MSR bits.
    private const byte MsrCts = 0x10, MsrDsr = 0x20, MsrRi = 0x40, MsrDcd = 0x80;

    /// <summary>MSR with the host side "connected": DCD, DSR and CTS asserted (QEMU's reset value).</summary>
    private const byte MsrIdle = MsrDcd | MsrDsr | MsrCts;

    private readonly Action<byte> _output;
    private readonly IIrqLine _irq;
    private readonly Action? _inputArrived;
    private readonly MachineTimer? _timer;
    private readonly ConcurrentQueue<byte> _hostInput = new();
    private readonly Queue<byte> _rxFifo = new(FifoSize);

    private byte _rbr, _ier, _lcr, _mcr = McrOut2, _lsr = LsrTemt | LsrThre, _scr, _fcr;
    private byte _iirId = IirNoInt;
    private ushort _divisor = 0x0c;
    private int _rxTriggerLevel = 1;
    private bool _thrInterruptPending, _timeoutInterruptPending, _irqLevel;
    /// <summary>mtime at which the character timeout fires; <see cref="ulong.MaxValue"/> when not armed.</summary>
    private ulong _timeoutDeadline = ulong.MaxValue;

    /// <summary>Create the UART.</summary>
    /// <param name="output">Receives every transmitted byte (the host terminal); called on the emulation thread.</param>
    /// <param name="irq">Interrupt output (PLIC source 10 on the virt board), driven as a level.</param>
    /// <param name="inputArrived">Called from <see cref="EnqueueInput"/> on the host thread, e.g. to wake a hart in WFI.</param>
    /// <param name="timer">
    /// mtime source for the FIFO character timeout (4 character times). Without it the timeout fires at
    /// the first <see cref="Poll"/> after it was armed.
    /// </param>
    public Uart16550(Action<byte> output, IIrqLine irq, Action? inputArrived = null, MachineTimer? timer = null)
    {
        _output = output;
        _irq = irq;
        _inputArrived = inputArrived;
        _timer = timer;
    }

    public string Name => "uart";

    /// <summary>
    /// Queue bytes typed on the host. Thread-safe; may be called from any thread. The bytes reach the
    /// receiver on the emulation thread, as fast as the guest-visible receiver can take them (flow
    /// control as QEMU's chardev: host input never overruns).
    /// </summary>
    public void EnqueueInput(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) _hostInput.Enqueue(b);
        if (!bytes.IsEmpty) _inputArrived?.Invoke();
    }

    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (offset >= RegisterSpan) return false;
        value = ReadRegister((Reg)offset);
        return true;
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        if (offset >= RegisterSpan) return false;
        WriteRegister((Reg)offset, (byte)value); // serial_mm_write keeps only the low byte
        return true;
    }

    /// <summary>Move host input into the receiver and fire the character timeout when due.</summary>
    public void Poll()
    {
        // The timeout is checked before new input lands, so it always follows a quiet interval.
        if (_timeoutDeadline != ulong.MaxValue && (_timer is null || _timer.Now >= _timeoutDeadline))
        {
            _timeoutDeadline = ulong.MaxValue;
            if (_rxFifo.Count > 0) _timeoutInterruptPending = true;
        }
        PullHostInput();
        UpdateIrq();
    }

    /// <summary>When the character timeout is due (0 = at the next poll when there is no timer).</summary>
    public ulong NextDeadline => _timeoutDeadline;

    public string? RegisterName(ulong offset)
    {
        bool dlab = (_lcr & LcrDlab) != 0;
        return offset switch
        {
            0 => dlab ? "DLL" : "RBR/THR",
            1 => dlab ? "DLM" : "IER",
            2 => "IIR/FCR",
            3 => "LCR",
            4 => "MCR",
            5 => "LSR",
            6 => "MSR",
            7 => "SCR",
            _ => null,
        };
    }

    private bool FifoEnabled => (_fcr & FcrFe) != 0;
    private bool Loopback => (_mcr & McrLoop) != 0;

    private byte ReadRegister(Reg reg)
    {
        switch (reg)
        {
            case Reg.RbrThrDll:
                if ((_lcr & LcrDlab) != 0) return (byte)_divisor;
                PullHostInput();
                return ReadReceiveBuffer();
            case Reg.IerDlm:
                return (_lcr & LcrDlab) != 0 ? (byte)(_divisor >> 8) : _ier;
            case Reg.IirFcr:
            {
                byte iir = (byte)(_iirId | (FifoEnabled ? IirFifoEnabled : 0));
                // 16550 datasheet, IIR: reading IIR clears a THRE interrupt when it is the one reported.
                if (_iirId == IirThri)
                {
                    _thrInterruptPending = false;
                    UpdateIrq();
                }
                return iir;
            }
            case Reg.Lcr:
                return _lcr;
            case Reg.Mcr:
                return _mcr;
            case Reg.Lsr:
            {
                PullHostInput();
                byte lsr = _lsr;
                // Reading LSR clears the error bits (overrun, break) and so the line status interrupt.
                if ((_lsr & (LsrBi | LsrOe)) != 0)
                {
                    _lsr &= unchecked((byte)~(LsrBi | LsrOe));
                    UpdateIrq();
                }
                return lsr;
            }
            case Reg.Msr:
                return Loopback ? LoopbackModemStatus() : MsrIdle;
            default:
                return _scr;
        }
    }

    private byte ReadReceiveBuffer()
    {
        byte value;
        if (FifoEnabled)
        {
            value = _rxFifo.Count > 0 ? _rxFifo.Dequeue() : (byte)0;
            if (_rxFifo.Count == 0) _lsr &= unchecked((byte)~(LsrDr | LsrBi));
            else ArmTimeout();
            _timeoutInterruptPending = false;
        }
        else
        {
            value = _rbr;
            _lsr &= unchecked((byte)~(LsrDr | LsrBi));
        }
        PullHostInput();
        UpdateIrq();
        return value;
    }

    /// <summary>16550 datasheet, MCR bit 4: in loopback DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD.</summary>
    private byte LoopbackModemStatus() => (byte)(
        ((_mcr & McrDtr) != 0 ? MsrDsr : 0) | ((_mcr & McrRts) != 0 ? MsrCts : 0) |
        ((_mcr & McrOut1) != 0 ? MsrRi : 0) | ((_mcr & McrOut2) != 0 ? MsrDcd : 0));

    private void WriteRegister(Reg reg, byte value)
    {
        switch (reg)
        {
            case Reg.RbrThrDll:
                if ((_lcr & LcrDlab) != 0) _divisor = (ushort)((_divisor & 0xff00) | value);
                else Transmit(value);
                break;
            case Reg.IerDlm:
                if ((_lcr & LcrDlab) != 0) _divisor = (ushort)((_divisor & 0x00ff) | (value << 8));
                else WriteIer(value);
                break;
            case Reg.IirFcr:
                WriteFcr(value);
                break;
            case Reg.Lcr:
                _lcr = value;
                break;
            case Reg.Mcr:
                _mcr = (byte)(value & McrMask);
                break;
            case Reg.Lsr:
            case Reg.Msr:
                break; // read-only
            default:
                _scr = value;
                break;
        }
    }

    private void Transmit(byte value)
    {
        // Writing THR clears a THRE interrupt; the byte leaves at once, so THR is empty again and a new
        // THRE interrupt is pending (as QEMU's serial_xmit re-arms it after each byte).
        if (Loopback) Receive(value);
        else _output(value);
        _lsr |= LsrThre | LsrTemt;
        _thrInterruptPending = true;
        UpdateIrq();
    }

    private void WriteIer(byte value)
    {
        byte changed = (byte)((_ier ^ value) & IerMask);
        _ier = (byte)(value & IerMask);
        // Enabling ETBEI while THR is empty raises a THRE interrupt even if an IIR read had cleared it
        // (QEMU serial.c; real 16550s behave so and Windows relies on it). Only a change of the bit re-arms.
        if ((changed & IerThri) != 0) _thrInterruptPending = (_ier & IerThri) != 0 && (_lsr & LsrThre) != 0;
        if (changed != 0) UpdateIrq();
    }

    private void WriteFcr(byte value)
    {
        // 16550 datasheet, FCR bit 0: changing the FIFO enable resets both FIFOs.
        if (((value ^ _fcr) & FcrFe) != 0) value |= FcrXfr | FcrRfr;
        if ((value & FcrRfr) != 0)
        {
            _rxFifo.Clear();
            _lsr &= unchecked((byte)~(LsrDr | LsrBi));
            _timeoutDeadline = ulong.MaxValue;
            _timeoutInterruptPending = false;
        }
        if ((value & FcrXfr) != 0)
        {
            _lsr |= LsrThre;
            _thrInterruptPending = true;
        }
        _fcr = (byte)(value & FcrSticky);
        _rxTriggerLevel = (_fcr & FcrTriggerMask) switch { 0x00 => 1, 0x40 => 4, 0x80 => 8, _ => 14 };
        UpdateIrq();
    }

    /// <summary>A character arrives at the receiver (host input or loopback). Caller updates the irq.</summary>
    private void Receive(byte value)
    {
        if (FifoEnabled)
        {
            // 16550 datasheet, LSR bit 1: an overrun does not overwrite the FIFO; the new character is lost.
            if (_rxFifo.Count < FifoSize) _rxFifo.Enqueue(value);
            else _lsr |= LsrOe;
            _lsr |= LsrDr;
            ArmTimeout();
        }
        else
        {
            // Without FIFO the holding register is overwritten and OE reports the lost character.
            if ((_lsr & LsrDr) != 0) _lsr |= LsrOe;
            _rbr = value;
            _lsr |= LsrDr;
        }
    }

    /// <summary>
    /// Move host bytes in while the receiver can take them. Like QEMU's serial_can_receive, a FIFO is
    /// filled up to its trigger level (then one byte at a time), a plain holding register only when empty.
    /// In loopback the receiver is disconnected from the serial input (16550 datasheet, MCR bit 4).
    /// </summary>
    private void PullHostInput()
    {
        if (Loopback || _hostInput.IsEmpty) return;
        int room;
        if (FifoEnabled)
        {
            int count = _rxFifo.Count;
            room = count >= FifoSize ? 0 : count <= _rxTriggerLevel ? _rxTriggerLevel - count : 1;
        }
        else
        {
            room = (_lsr & LsrDr) == 0 ? 1 : 0;
        }
        bool any = false;
        while (room-- > 0 && _hostInput.TryDequeue(out byte b))
        {
            Receive(b);
            any = true;
        }
        if (any) UpdateIrq();
    }

    /// <summary>
    /// 16550 datasheet, IIR "character timeout": data has sat in the FIFO below the trigger level for
    /// four character times without being read or added to.
    /// </summary>
    private void ArmTimeout()
    {
        if (_timer is null)
        {
            _timeoutDeadline = 0;
            return;
        }
        int frameBits = 1 + 5 + (_lcr & 0x03) + ((_lcr & 0x08) != 0 ? 1 : 0) + ((_lcr & 0x04) != 0 ? 2 : 1);
        // Character time in mtime ticks = frame bits / baud, baud = BaudBase / divisor (QEMU: about 3500 baud for divisor 0).
        ulong charTicks = _divisor == 0
            ? (ulong)frameBits * MachineTimer.Frequency / 3500
            : (ulong)frameBits * MachineTimer.Frequency * _divisor / BaudBase;
        _timeoutDeadline = _timer.Now + 4 * Math.Max(charTicks, 1);
    }

    /// <summary>System reset: registers to their datasheet reset values, FIFOs emptied (host input already queued is kept).</summary>
    public void Reset()
    {
        _rxFifo.Clear();
        _rbr = _ier = _lcr = _scr = _fcr = 0;
        _mcr = McrOut2;
        _lsr = LsrTemt | LsrThre;
        _divisor = 0x0c;
        _rxTriggerLevel = 1;
        _thrInterruptPending = _timeoutInterruptPending = false;
        _timeoutDeadline = ulong.MaxValue;
        UpdateIrq();
    }

    /// <summary>16550 datasheet, IIR: report the highest-priority enabled interrupt and drive the line.</summary>
    private void UpdateIrq()
    {
        byte id;
        if ((_ier & IerRlsi) != 0 && (_lsr & LsrInterruptBits) != 0) id = IirRlsi;
        else if ((_ier & IerRdi) != 0 && _timeoutInterruptPending) id = IirCti;
        else if ((_ier & IerRdi) != 0 && (_lsr & LsrDr) != 0 && (!FifoEnabled || _rxFifo.Count >= _rxTriggerLevel)) id = IirRdi;
        else if ((_ier & IerThri) != 0 && _thrInterruptPending) id = IirThri;
        // Modem status (lowest priority) never fires: the modem lines are not connected, so MSR never changes.
        else id = IirNoInt;
        _iirId = id;
        bool level = id != IirNoInt;
        if (level == _irqLevel) return;
        _irqLevel = level;
        _irq.Set(level);
    }
}
