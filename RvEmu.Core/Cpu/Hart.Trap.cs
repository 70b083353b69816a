namespace RvEmu.Core.Cpu;

/// <summary>Trap entry, interrupt selection and xRET (privileged spec 3.1.6.1, 3.1.7-3.1.9, 3.3.2).</summary>
public sealed partial class Hart
{
    /// <summary>The exception raised by the instruction being executed, taken by <see cref="TakePendingException"/>.</summary>
    private ExceptionCause _pendingCause;
    private ulong _pendingTval;

    /// <summary>
    /// Pseudo-cause used by the memory slow path after a device access when the machine asked for the
    /// chunk to end (an interrupt line changed, the guest asked to power off): the access completed,
    /// the instruction retires, and <see cref="Run"/> returns so interrupts and exits are seen at once.
    /// </summary>
    internal const ExceptionCause EndOfChunk = (ExceptionCause)0xff;

    /// <summary>Set (from any thread) to make the hart return from <see cref="Run"/> after its current device access.</summary>
    private volatile bool _endChunk;

    /// <summary>Signalled when an interrupt line rises or the machine kicks the hart: ends a WFI sleep.</summary>
    private readonly AutoResetEvent _wake = new(false);

    /// <summary>
    /// Ask the hart to return from <see cref="Run"/> soon and wake it if it sleeps (safe from any thread):
    /// at once after its current device access, else at its chunk end.
    /// </summary>
    public void RequestChunkEnd()
    {
        _endChunk = true;
        _wake.Set();
    }

    /// <summary>
    /// Sleep the calling thread (the hart's own) for at most <paramref name="timeout"/>, or until an
    /// interrupt line rises or <see cref="RequestChunkEnd"/> is called. Used while the hart waits in WFI.
    /// </summary>
    public void Sleep(TimeSpan timeout)
    {
        if (timeout > TimeSpan.Zero) _wake.WaitOne(timeout);
    }

    /// <summary>Called after every device access: end the chunk if someone asked. Returns false (with <see cref="EndOfChunk"/>) to do so.</summary>
    private bool ContinueAfterDeviceAccess()
    {
        if (!_endChunk) return true;
        _endChunk = false;
        return Raise(EndOfChunk, 0);
    }

    /// <summary>Record an exception for the current instruction. Always returns false, for "return Raise(...)".</summary>
    private bool Raise(ExceptionCause cause, ulong tval)
    {
        _pendingCause = cause;
        _pendingTval = tval;
        return false;
    }

    /// <summary>Take the exception recorded by <see cref="Raise"/> for the instruction at <paramref name="pc"/>.</summary>
    private void TakePendingException(ulong pc) => EnterTrap(false, (ulong)_pendingCause, _pendingTval, pc);

    /// <summary>Raise and take an exception at once (used outside the run loop, e.g. by tests).</summary>
    internal void TakeException(ExceptionCause cause, ulong tval, ulong pc) => EnterTrap(false, (ulong)cause, tval, pc);

    private void EnterTrap(bool isInterrupt, ulong cause, ulong tval, ulong epc)
    {
        PrivilegeMode from = _priv;
        ulong deleg = isInterrupt ? _mideleg : _medeleg;
        bool toS = from <= PrivilegeMode.Supervisor && cause < 64 && ((deleg >> (int)cause) & 1) != 0;
        ulong causeValue = (isInterrupt ? 1UL << 63 : 0) | cause;
        ulong handler;
        if (toS)
        {
            _scause = causeValue;
            _sepc = epc;
            _stval = tval;
            ulong s = _mstatus;
            s = (s & SIE) != 0 ? s | SPIE : s & ~SPIE;
            s = from == PrivilegeMode.Supervisor ? s | SPP : s & ~SPP;
            _mstatus = s & ~SIE;
            handler = VectorTarget(_stvec, isInterrupt, cause);
            SetMode(PrivilegeMode.Supervisor);
        }
        else
        {
            _mcause = causeValue;
            _mepc = epc;
            _mtval = tval;
            ulong s = _mstatus;
            s = (s & MIE) != 0 ? s | MPIE : s & ~MPIE;
            s = (s & ~MPP) | ((ulong)from << MppShift);
            _mstatus = s & ~MIE;
            handler = VectorTarget(_mtvec, isInterrupt, cause);
            SetMode(PrivilegeMode.Machine);
        }
        _pc = handler;
        WaitingForInterrupt = false;
        Observer?.Trap(this, isInterrupt, cause, tval, epc, from, _priv, handler);
    }

    /// <summary>xtvec: direct mode jumps to BASE; vectored mode sends interrupts to BASE + 4·cause (3.1.7).</summary>
    private static ulong VectorTarget(ulong tvec, bool isInterrupt, ulong cause) =>
        (tvec & 3) == 1 && isInterrupt ? (tvec & ~3UL) + 4 * cause : tvec & ~3UL;

    /// <summary>
    /// Change privilege, after mstatus took its new value: switch to the TLB sets of the new mode and of its
    /// DataMode (Hart.Memory.cs), no flush.
    /// </summary>
    private void SetMode(PrivilegeMode mode)
    {
        _priv = mode;
        SelectTlbSets();
    }

    /// <summary>The highest-priority interrupt that is pending, enabled and allowed in the current mode, or -1 (3.1.9).</summary>
    public int PendingInterrupt()
    {
        ulong pending = Mip & _mie;
        if (pending == 0) return -1;
        // M-level interrupts (not delegated) are taken below M always, and in M when mstatus.MIE.
        bool mEnabled = _priv < PrivilegeMode.Machine || (_mstatus & MIE) != 0;
        // S-level (delegated) interrupts are never taken in M; in S only when sstatus.SIE; always in U.
        bool sEnabled = _priv < PrivilegeMode.Supervisor || (_priv == PrivilegeMode.Supervisor && (_mstatus & SIE) != 0);
        ulong enabled = (mEnabled ? pending & ~_mideleg : 0) | (sEnabled ? pending & _mideleg : 0);
        if (enabled == 0) return -1;
        foreach (int irq in Interrupt.Priority)
            if ((enabled & (1UL << irq)) != 0) return irq;
        return -1;
    }

    /// <summary>Take a pending enabled interrupt, if any. True if one was taken.</summary>
    public bool TakePendingInterrupt()
    {
        int irq = PendingInterrupt();
        if (irq < 0) return false;
        EnterTrap(true, (ulong)irq, 0, _pc);
        return true;
    }

    /// <summary>True if any interrupt is pending and enabled in mie, regardless of global enables: this wakes WFI (3.3.3).</summary>
    public bool InterruptWakesWfi => (Mip & _mie) != 0;

    /// <summary>MRET (3.3.2). Returns the new pc, or null when the instruction is illegal here.</summary>
    private bool DoMret(out ulong target)
    {
        target = 0;
        if (_priv != PrivilegeMode.Machine) return false;
        ulong s = _mstatus;
        var to = (PrivilegeMode)((s & MPP) >> MppShift);
        s = (s & MPIE) != 0 ? s | MIE : s & ~MIE;
        s |= MPIE;
        s &= ~MPP; // MPP = U (least-privileged supported mode)
        if (to != PrivilegeMode.Machine) s &= ~MPRV;
        _mstatus = s;
        var from = _priv;
        SetMode(to);
        target = _mepc;
        Observer?.Return(this, "mret", target, from, to);
        return true;
    }

    /// <summary>SRET (3.3.2): illegal in U-mode, and in S-mode when mstatus.TSR is set.</summary>
    private bool DoSret(out ulong target)
    {
        target = 0;
        if (_priv == PrivilegeMode.User || (_priv == PrivilegeMode.Supervisor && (_mstatus & TSR) != 0)) return false;
        ulong s = _mstatus;
        var to = (s & SPP) != 0 ? PrivilegeMode.Supervisor : PrivilegeMode.User;
        s = (s & SPIE) != 0 ? s | SIE : s & ~SIE;
        s |= SPIE;
        s &= ~SPP;
        s &= ~MPRV; // the new mode is below M
        _mstatus = s;
        var from = _priv;
        SetMode(to);
        target = _sepc;
        Observer?.Return(this, "sret", target, from, to);
        return true;
    }

    /// <summary>WFI (3.3.3): illegal in U-mode, and below M when mstatus.TW is set.</summary>
    private bool DoWfi()
    {
        if (_priv == PrivilegeMode.User) return false;
        if (_priv < PrivilegeMode.Machine && (_mstatus & TW) != 0) return false;
        if (!InterruptWakesWfi) WaitingForInterrupt = true;
        return true;
    }

    /// <summary>Leave WFI: called by the machine when an interrupt becomes pending.</summary>
    public void Wake() => WaitingForInterrupt = false;
}
