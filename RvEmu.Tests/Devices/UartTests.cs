using RvEmu.Core.Bus;
using RvEmu.Core.Timing;
using RvEmu.Devices;

namespace RvEmu.Tests.Devices;

/// <summary>
/// NS16550A behaviour per the 16550 datasheet, with the details QEMU 7.2 shows on the virt board
/// (values cross-checked by a bare-metal probe run under qemu-system-riscv64 7.2).
/// </summary>
public sealed class UartTests
{
    // Register offsets (16550 datasheet).
    private const ulong Rbr = 0, Thr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;
    // IIR values: no interrupt, THR empty, received data, line status, character timeout; FIFO bits 7:6.
    private const byte IirNone = 0x01, IirThre = 0x02, IirRda = 0x04, IirRls = 0x06, IirTimeout = 0x0c, IirFifo = 0xc0;
    // LSR bits.
    private const byte LsrDr = 0x01, LsrOe = 0x02, LsrThre = 0x20, LsrTemt = 0x40;

    private List<byte> _out = null!;
    private FakeIrqLine _irq = null!;
    private ulong _instructions;
    private MachineTimer _timer = null!;
    private int _wakeups;
    private Uart16550 _uart = null!;

    [SetUp]
    public void SetUp()
    {
        _out = new List<byte>();
        _irq = new FakeIrqLine();
        _instructions = 0;
        _timer = new MachineTimer { InstructionCounter = () => _instructions, InstructionsPerTick = 1 };
        _wakeups = 0;
        _uart = new Uart16550(_out.Add, _irq, () => Interlocked.Increment(ref _wakeups), _timer);
    }

    private IMmioDevice Dev => _uart;

    private byte R(ulong offset)
    {
        Assert.That(Dev.Read(offset, 1, out ulong v), Is.True, $"read of offset {offset} faulted");
        Assert.That(v, Is.LessThanOrEqualTo(0xffUL));
        return (byte)v;
    }

    private void W(ulong offset, byte value) => Assert.That(Dev.Write(offset, 1, value), Is.True, $"write of offset {offset} faulted");

    [Test]
    public void ResetState_MatchesDatasheetAndQemu()
    {
        Assert.Multiple(() =>
        {
            Assert.That(R(Iir), Is.EqualTo(IirNone));
            Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt));
            Assert.That(R(Msr), Is.EqualTo(0xb0), "DCD, DSR, CTS asserted");
            Assert.That(R(Mcr), Is.EqualTo(0x08), "OUT2 set at reset in QEMU");
            Assert.That(R(Lcr), Is.EqualTo(0));
            Assert.That(R(Ier), Is.EqualTo(0));
            Assert.That(_irq.Level, Is.False);
        });
    }

    [Test]
    public void WriteThr_SendsByteAndTransmitterStaysEmpty()
    {
        W(Thr, (byte)'h');
        W(Thr, (byte)'i');
        Assert.That(_out, Is.EqualTo("hi"u8.ToArray()));
        Assert.That(R(Lsr) & (LsrThre | LsrTemt), Is.EqualTo(LsrThre | LsrTemt));
    }

    [Test]
    public void ScratchRegister_HoldsAnyByte()
    {
        W(Scr, 0x5a);
        Assert.That(R(Scr), Is.EqualTo(0x5a));
        W(Scr, 0xa5);
        Assert.That(R(Scr), Is.EqualTo(0xa5));
        Assert.That(R(Lcr), Is.EqualTo(0), "scratch is independent of other registers");
    }

    [Test]
    public void Dlab_SwitchesOffsets0And1ToDivisorLatch()
    {
        W(Ier, 0x05);
        W(Lcr, 0x83);
        W(Dll, 0x34);
        W(Dlm, 0x12);
        Assert.That(_out, Is.Empty, "a write to offset 0 with DLAB set is not transmitted");
        Assert.That(R(Dll), Is.EqualTo(0x34));
        Assert.That(R(Dlm), Is.EqualTo(0x12));
        Assert.That(R(Lcr), Is.EqualTo(0x83));
        W(Lcr, 0x03);
        Assert.That(R(Ier), Is.EqualTo(0x05), "IER unchanged by the divisor write");
        W(Thr, 0x41);
        Assert.That(_out, Is.EqualTo(new byte[] { 0x41 }));
        W(Lcr, 0x80);
        Assert.That(R(Dll), Is.EqualTo(0x34), "divisor unchanged by the THR write");
    }

    [Test]
    public void DivisorLatch_ResetsTo12()
    {
        W(Lcr, 0x80);
        Assert.That(R(Dll), Is.EqualTo(0x0c));
        Assert.That(R(Dlm), Is.EqualTo(0x00));
    }

    [Test]
    public void WiderAccesses_ReachTheByteRegister_AsQemuSerialMm()
    {
        Assert.That(Dev.Write(Mcr, 4, 0x1234_56ab), Is.True);
        Assert.That(Dev.Read(Mcr, 4, out ulong mcr), Is.True);
        Assert.That(mcr, Is.EqualTo(0x0bUL), "only the low byte is written, MCR keeps bits 4:0");
        W(Lcr, 0x80);
        Assert.That(Dev.Read(Dll, 8, out ulong dll), Is.True);
        Assert.That(dll, Is.EqualTo(0x0cUL), "an 8-byte read returns only DLL");
        Assert.That(Dev.Read(Iir, 2, out ulong iir), Is.True);
        Assert.That(iir, Is.EqualTo((ulong)IirNone));
    }

    [Test]
    public void OffsetsBeyondTheEightRegisters_Fault()
    {
        Assert.That(Dev.Read(8, 1, out _), Is.False);
        Assert.That(Dev.Read(0xff, 1, out _), Is.False);
        Assert.That(Dev.Write(0x10, 4, 0), Is.False);
    }

    [Test]
    public void WritableBits_IerFourMcrFiveLsrReadOnly()
    {
        W(Ier, 0xff);
        W(Mcr, 0xff);
        W(Lsr, 0x00);
        Assert.That(R(Ier), Is.EqualTo(0x0f));
        Assert.That(R(Mcr), Is.EqualTo(0x1f));
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt));
    }

    [Test]
    public void ThreInterrupt_ClearedByReadingIir()
    {
        W(Ier, 0x02);
        Assert.That(_irq.Level, Is.True);
        Assert.That(R(Iir), Is.EqualTo(IirThre));
        Assert.That(_irq.Level, Is.False, "reading IIR while it reports THRE clears that interrupt");
        Assert.That(R(Iir), Is.EqualTo(IirNone));
    }

    [Test]
    public void ThreInterrupt_RearmedByEnablingEtbeiOrWritingThr()
    {
        W(Ier, 0x02);
        R(Iir);
        W(Ier, 0x02);
        Assert.That(R(Iir), Is.EqualTo(IirNone), "rewriting the same IER value does not re-arm (QEMU)");
        W(Ier, 0x00);
        W(Ier, 0x02);
        Assert.That(R(Iir), Is.EqualTo(IirThre), "setting ETBEI while THR is empty re-arms");
        Assert.That(R(Iir), Is.EqualTo(IirNone));
        W(Thr, 0x41);
        Assert.That(_irq.Level, Is.True, "THR empties at once after a write, so THRE is pending again");
        Assert.That(R(Iir), Is.EqualTo(IirThre));
    }

    [Test]
    public void ThreInterrupt_MaskedWhenEtbeiClear()
    {
        W(Ier, 0x02);
        W(Ier, 0x00);
        Assert.That(_irq.Level, Is.False);
        Assert.That(R(Iir), Is.EqualTo(IirNone));
    }

    [Test]
    public void Loopback_ModemOutputsDriveModemInputs()
    {
        W(Mcr, 0x10 | 0x08 | 0x02 | 0x01); // LOOP, OUT2, RTS, DTR
        Assert.That(R(Msr), Is.EqualTo(0x80 | 0x10 | 0x20), "OUT2->DCD, RTS->CTS, DTR->DSR");
        W(Mcr, 0x10 | 0x04 | 0x01); // LOOP, OUT1, DTR
        Assert.That(R(Msr), Is.EqualTo(0x40 | 0x20), "OUT1->RI, DTR->DSR");
    }

    [Test]
    public void Loopback_TransmittedByteIsReceivedNotOutput()
    {
        W(Mcr, 0x10);
        W(Thr, 0x42);
        Assert.That(_out, Is.Empty);
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt | LsrDr));
        Assert.That(R(Rbr), Is.EqualTo(0x42));
        Assert.That(R(Lsr) & LsrDr, Is.EqualTo(0));
    }

    [Test]
    public void WithoutFifo_SecondByteOverrunsAndOverwrites()
    {
        W(Mcr, 0x10);
        W(Thr, 0x41);
        W(Thr, 0x42);
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt | LsrDr | LsrOe));
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt | LsrDr), "reading LSR clears OE");
        Assert.That(R(Rbr), Is.EqualTo(0x42));
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt));
    }

    [Test]
    public void Fifo_EnabledStateShowsInIir()
    {
        W(Fcr, 0x01);
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirNone));
        W(Fcr, 0x00);
        Assert.That(R(Iir), Is.EqualTo(IirNone));
    }

    [Test]
    public void Fifo_HoldsSixteenBytesThenOverruns()
    {
        W(Fcr, 0x01);
        W(Mcr, 0x10);
        for (int i = 0; i < 18; i++) W(Thr, (byte)(0x41 + i));
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt | LsrDr | LsrOe));
        Assert.That(R(Lsr) & LsrOe, Is.EqualTo(0));
        var received = new List<byte>();
        while ((R(Lsr) & LsrDr) != 0) received.Add(R(Rbr));
        Assert.That(received, Is.EqualTo(Enumerable.Range(0x41, 16).Select(b => (byte)b)), "an overrun does not overwrite the FIFO");
        Assert.That(R(Rbr), Is.EqualTo(0), "empty FIFO reads 0");
    }

    [Test]
    public void Fifo_ReceivedDataInterruptAtTriggerLevel()
    {
        W(Fcr, 0xc1); // FIFO on, trigger 14
        W(Ier, 0x01);
        W(Mcr, 0x10);
        W(Thr, 0x30);
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirNone), "below the trigger level");
        Assert.That(_irq.Level, Is.False);
        for (int i = 0; i < 13; i++) W(Thr, (byte)i);
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirRda));
        Assert.That(_irq.Level, Is.True);
    }

    [Test]
    public void Fifo_CharacterTimeoutAfterFourCharacterTimes()
    {
        W(Lcr, 0x03); // 8N1: 10-bit frames
        W(Fcr, 0xc1);
        W(Ier, 0x01);
        W(Mcr, 0x10);
        W(Thr, 0x30);
        // Default divisor 12 at QEMU's virt baud base 399193: 33266 baud; 4 ten-bit characters = 1.2 ms = 12024 ticks.
        _instructions += 11_500;
        _uart.Poll();
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirNone), "no timeout before four character times");
        Assert.That(_uart.NextDeadline, Is.GreaterThan(_timer.Now).And.LessThan(_timer.Now + 1000));
        _instructions += 1_000;
        _uart.Poll();
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirTimeout));
        Assert.That(_irq.Level, Is.True);
        Assert.That(R(Rbr), Is.EqualTo(0x30));
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirNone), "reading RBR clears the timeout");
        Assert.That(_irq.Level, Is.False);
        Assert.That(_uart.NextDeadline, Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void Fifo_CharacterTimeoutWithoutTimer_FiresAtNextPoll()
    {
        var irq = new FakeIrqLine();
        IMmioDevice uart = new Uart16550(_ => { }, irq);
        uart.Write(Fcr, 1, 0xc1);
        uart.Write(Ier, 1, 0x01);
        uart.Write(Mcr, 1, 0x10);
        uart.Write(Thr, 1, 0x30);
        Assert.That(((IPolledDevice)uart).NextDeadline, Is.EqualTo(0UL), "due at once");
        Assert.That(irq.Level, Is.False);
        ((IPolledDevice)uart).Poll();
        Assert.That(uart.Read(Iir, 1, out ulong iir), Is.True);
        Assert.That(iir, Is.EqualTo((ulong)(IirFifo | IirTimeout)));
        Assert.That(irq.Level, Is.True);
    }

    [Test]
    public void Fifo_ReceiverResetEmptiesFifo_TransmitterResetRearmsThre()
    {
        W(Fcr, 0x01);
        W(Mcr, 0x10);
        W(Thr, 0x31);
        W(Thr, 0x32);
        W(Fcr, 0x01 | 0x02);
        Assert.That(R(Lsr), Is.EqualTo(LsrThre | LsrTemt), "RCVR FIFO reset drops the data");
        W(Ier, 0x02);
        R(Iir);
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirNone));
        W(Fcr, 0x01 | 0x04);
        Assert.That(R(Iir), Is.EqualTo(IirFifo | IirThre), "XMIT FIFO reset empties THR: THRE pending again");
    }

    [Test]
    public void InterruptPriority_LineStatusOverDataOverThre()
    {
        W(Ier, 0x07); // RLS, THRE, RDA
        W(Mcr, 0x10);
        W(Thr, 1);
        W(Thr, 2);
        Assert.That(R(Iir), Is.EqualTo(IirRls), "overrun: receiver line status has top priority");
        R(Lsr);
        Assert.That(R(Iir), Is.EqualTo(IirRda), "then received data available");
        R(Rbr);
        Assert.That(R(Iir), Is.EqualTo(IirThre), "then THR empty");
        Assert.That(R(Iir), Is.EqualTo(IirNone));
        Assert.That(_irq.Level, Is.False);
    }

    [Test]
    public void IrqLine_FollowsEnabledPendingInterrupts()
    {
        W(Mcr, 0x10);
        W(Thr, 7);
        Assert.That(_irq.Level, Is.False, "data received but RDA not enabled");
        W(Ier, 0x01);
        Assert.That(_irq.Level, Is.True);
        R(Rbr);
        Assert.That(_irq.Level, Is.False);
    }

    [Test]
    public void HostInput_FromAnotherThread_ReachesGuestOnPoll()
    {
        W(Ier, 0x01);
        var writer = new Thread(() => _uart.EnqueueInput("ok"u8));
        writer.Start();
        writer.Join();
        Assert.That(Volatile.Read(ref _wakeups), Is.EqualTo(1), "inputArrived wakes the machine");
        Assert.That(_irq.Level, Is.False, "nothing reaches the receiver before the emulation thread polls");
        _uart.Poll();
        Assert.That(_irq.Level, Is.True);
        Assert.That(R(Iir), Is.EqualTo(IirRda));
        Assert.That(R(Rbr), Is.EqualTo((byte)'o'));
        Assert.That(R(Lsr) & (LsrDr | LsrOe), Is.EqualTo(LsrDr), "next byte moved in once RBR was read, no overrun");
        Assert.That(R(Rbr), Is.EqualTo((byte)'k'));
        Assert.That(R(Lsr) & LsrDr, Is.EqualTo(0));
    }

    [Test]
    public void HostInput_VisibleToLsrPollingWithoutPoll()
    {
        _uart.EnqueueInput("x"u8);
        Assert.That(R(Lsr) & LsrDr, Is.EqualTo(LsrDr));
        Assert.That(R(Rbr), Is.EqualTo((byte)'x'));
    }

    [Test]
    public void HostInput_IsFlowControlled_NeverOverruns()
    {
        var text = Enumerable.Range(0, 40).Select(i => (byte)('a' + i % 26)).ToArray();
        W(Fcr, 0x81); // FIFO, trigger 8
        _uart.EnqueueInput(text);
        _uart.Poll();
        _uart.Poll();
        var received = new List<byte>();
        for (int guard = 0; guard < 1000 && received.Count < text.Length; guard++)
        {
            byte lsr = R(Lsr);
            Assert.That(lsr & LsrOe, Is.EqualTo(0));
            if ((lsr & LsrDr) != 0) received.Add(R(Rbr));
        }
        Assert.That(received, Is.EqualTo(text));
    }

    [Test]
    public void HostInput_ConcurrentProducers_LoseNothing()
    {
        const int perThread = 500;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++) _uart.EnqueueInput(new[] { (byte)t });
        })).ToArray();
        foreach (var t in threads) t.Start();
        var counts = new int[4];
        int total = 0;
        for (int guard = 0; guard < 100_000 && total < 4 * perThread; guard++)
        {
            _uart.Poll();
            while ((R(Lsr) & LsrDr) != 0)
            {
                counts[R(Rbr)]++;
                total++;
            }
            if (guard % 64 == 0) Thread.Yield();
        }
        foreach (var t in threads) t.Join();
        Assert.That(counts, Is.EqualTo(new[] { perThread, perThread, perThread, perThread }));
    }

    [Test]
    public void HostInput_NotReceivedInLoopback()
    {
        W(Mcr, 0x10);
        _uart.EnqueueInput("z"u8);
        _uart.Poll();
        Assert.That(R(Lsr) & LsrDr, Is.EqualTo(0), "loopback disconnects the serial input");
        W(Mcr, 0x00);
        Assert.That(R(Lsr) & LsrDr, Is.EqualTo(LsrDr));
        Assert.That(R(Rbr), Is.EqualTo((byte)'z'));
    }

    [Test]
    public void RegisterName_IsDlabAware()
    {
        Assert.That(Dev.RegisterName(0), Is.EqualTo("RBR/THR"));
        Assert.That(Dev.RegisterName(1), Is.EqualTo("IER"));
        Assert.That(Dev.RegisterName(5), Is.EqualTo("LSR"));
        Assert.That(Dev.RegisterName(8), Is.Null);
        W(Lcr, 0x80);
        Assert.That(Dev.RegisterName(0), Is.EqualTo("DLL"));
        Assert.That(Dev.RegisterName(1), Is.EqualTo("DLM"));
    }
}
