namespace RvEmu.Core.Cpu;

/// <summary>The CSR file (privileged spec ch. 2, 3.1, 4.1; Zicsr ch. 9; Sstc).</summary>
public sealed partial class Hart
{
    // mstatus fields (privileged spec 3.1.6, figure 3.7)
    internal const ulong SIE = 1UL << 1, MIE = 1UL << 3, SPIE = 1UL << 5, MPIE = 1UL << 7, SPP = 1UL << 8;
    internal const ulong MPP = 3UL << 11, FS = 3UL << 13, XS = 3UL << 15, MPRV = 1UL << 17, SUM = 1UL << 18;
    internal const ulong MXR = 1UL << 19, TVM = 1UL << 20, TW = 1UL << 21, TSR = 1UL << 22, SD = 1UL << 63;
    internal const ulong UXL = 3UL << 32, SXL = 3UL << 34;
    private const int MppShift = 11, FsShift = 13;
    private const ulong MstatusWritable = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    private const ulong SstatusMask = SIE | SPIE | SPP | FS | XS | SUM | MXR | UXL | SD;
    /// <summary>UXL = SXL = 2: XLEN 64 in every mode, read-only (3.1.6.2).</summary>
    private const ulong MstatusFixed = (2UL << 32) | (2UL << 34);

    // Interrupt bits.
    private const ulong SSIP = 1UL << 1, MSIP = 1UL << 3, STIP = 1UL << 5, MTIP = 1UL << 7, SEIP = 1UL << 9, MEIP = 1UL << 11;
    private const ulong SupervisorInterrupts = SSIP | STIP | SEIP;
    private const ulong AllInterrupts = SupervisorInterrupts | MSIP | MTIP | MEIP;
    /// <summary>Exceptions that may be delegated: all but ecall from M (3.1.8).</summary>
    private const ulong DelegableExceptions = 0xb3ff & ~(1UL << 11);

    private const ulong MenvcfgStce = 1UL << 63, EnvcfgFiom = 1;

    /// <summary>misa: RV64 (MXL=2) with A, C, I, M, S, U, plus F and D once floating point is implemented.</summary>
    public static ulong Misa => (2UL << 62) | Ext('A') | Ext('C') | Ext('I') | Ext('M') | Ext('S') | Ext('U')
        | (FloatingPointImplemented ? Ext('F') | Ext('D') : 0);

    private static ulong Ext(char c) => 1UL << (c - 'A');

    private ulong _mstatus, _medeleg, _mideleg, _mie, _mtvec, _stvec, _mepc, _sepc, _mcause, _scause, _mtval, _stval;
    private ulong _mscratch, _sscratch, _satp, _menvcfg, _senvcfg, _stimecmp;
    private uint _mcounteren, _scounteren, _mcountinhibit;
    /// <summary>mip bits written by software (SSIP, STIP, SEIP).</summary>
    private ulong _mipSoftware;
    /// <summary>mip bits driven by interrupt lines (CLINT, PLIC) and by Sstc.</summary>
    private ulong _mipLines;
    private ulong _cycleOffset, _instretOffset;
    /// <summary>mcycle / minstret while mcountinhibit.CY / IR holds them still (3.1.13).</summary>
    private ulong _cycleHeld, _instretHeld;
    private byte _fflags, _frm;

    private void ResetCsrs()
    {
        _mstatus = MstatusFixed;
        _medeleg = _mideleg = _mie = _mtvec = _stvec = _mepc = _sepc = _mcause = _scause = _mtval = _stval = 0;
        _mscratch = _sscratch = _satp = _menvcfg = _senvcfg = 0;
        _stimecmp = ulong.MaxValue;
        _mcounteren = _scounteren = _mcountinhibit = 0;
        _mipSoftware = 0;
        _instret = 0;
        _cycleOffset = _instretOffset = 0;
        _cycleHeld = _instretHeld = 0;
        _fflags = _frm = 0;
        ResetPmp();
    }

    /// <summary>
    /// mip as software reads it. While menvcfg.STCE is set, STIP is stimecmp's comparison alone (Sstc):
    /// a STIP that M-mode wrote before setting STCE must not show through.
    /// </summary>
    public ulong Mip => ((_menvcfg & MenvcfgStce) != 0 ? _mipSoftware & ~STIP : _mipSoftware) | Volatile.Read(ref _mipLines);

    public ulong Mie => _mie;
    public ulong Mstatus => ComputeSd(_mstatus);
    public ulong Satp => _satp;

    private static ulong ComputeSd(ulong s) => (s & FS) == FS || (s & XS) == XS ? s | SD : s & ~SD;

    /// <summary>
    /// Drive an interrupt-pending bit from a line (CLINT: MSIP/MTIP, PLIC: MEIP/SEIP, Sstc: STIP). Safe from
    /// any thread: devices run on the thread of whichever hart touched them, or on the machine's I/O thread.
    /// A raised line ends the hart's chunk after its current device access (when it raised the line itself)
    /// and wakes it from WFI at once; a running hart on another thread sees it at its next chunk end.
    /// </summary>
    internal void SetLine(int irq, bool level)
    {
        ulong bit = 1UL << irq;
        ulong old = level ? Interlocked.Or(ref _mipLines, bit) : Interlocked.And(ref _mipLines, ~bit);
        if ((old & bit) == (level ? bit : 0)) return;
        _endChunk = true; // let the interrupt be taken right after the access that raised it
        if (level) _wake.Set();
    }

    /// <summary>An <see cref="Bus.IIrqLine"/> that drives interrupt <paramref name="irq"/> of this hart.</summary>
    public Bus.IIrqLine InterruptLine(int irq) => new HartIrqLine(this, irq);

    private sealed class HartIrqLine(Hart hart, int irq) : Bus.IIrqLine
    {
        public void Set(bool level) => hart.SetLine(irq, level);
    }

    /// <summary>CSR access permission (privileged spec 2.1): bits 9:8 give the lowest privilege, bits 11:10 = 3 mean read-only.</summary>
    private bool CsrAccessible(int csr, bool write)
    {
        if ((int)_priv < ((csr >> 8) & 3)) return false;
        if (write && (csr >> 10) == 3) return false;
        return true;
    }

    /// <summary>
    /// Read a CSR with M-mode's rights, whatever mode the hart is in, as a debugger or a lock-step comparer
    /// does. Only while the hart is stopped (not running on another thread).
    /// </summary>
    public bool TryReadCsrAsDebugger(int csr, out ulong value)
    {
        // A debugger sees the FP CSRs even while mstatus.FS is Off (as QEMU's gdbstub does).
        switch (csr)
        {
            case 0x001: value = _fflags; return true;
            case 0x002: value = _frm; return true;
            case 0x003: value = (ulong)(_frm << 5 | _fflags); return true;
        }
        var mode = _priv;
        _priv = PrivilegeMode.Machine;
        try { return TryReadCsr(csr, out value); }
        finally { _priv = mode; }
    }

    /// <summary>Write a CSR with M-mode's rights (see <see cref="TryReadCsrAsDebugger"/>).</summary>
    public bool TryWriteCsrAsDebugger(int csr, ulong value)
    {
        switch (csr)
        {
            case 0x001: _fflags = (byte)(value & 31); return true;
            case 0x002: _frm = (byte)(value & 7); return true;
            case 0x003: _fflags = (byte)(value & 31); _frm = (byte)((value >> 5) & 7); return true;
        }
        var mode = _priv;
        _priv = PrivilegeMode.Machine;
        try { return TryWriteCsr(csr, value); }
        finally
        {
            _priv = mode;
            SelectTlbSets(); // an mstatus write chose sets as if in M-mode
        }
    }

    /// <summary>Read a CSR. False means illegal instruction (unknown CSR or no permission).</summary>
    internal bool TryReadCsr(int csr, out ulong value)
    {
        value = 0;
        if (!CsrAccessible(csr, write: false)) return false;
        if (IsTriggerCsr(csr)) return TryReadTriggerCsr(csr, out value);
        switch (csr)
        {
            case 0x001: if (!FpEnabled) return false; value = _fflags; return true;
            case 0x002: if (!FpEnabled) return false; value = _frm; return true;
            case 0x003: if (!FpEnabled) return false; value = (ulong)(_frm << 5 | _fflags); return true;

            case 0xc00: case 0xc01: case 0xc02:
            case >= 0xc03 and <= 0xc1f:
                if (!CounterAccessible(csr & 31)) return false;
                value = csr switch { 0xc00 => Cycle, 0xc01 => _timer.Now, 0xc02 => Instret, _ => 0 };
                return true;

            case 0x100: value = Mstatus & SstatusMask; return true;
            case 0x104: value = _mie & _mideleg; return true;
            case 0x105: value = _stvec; return true;
            case 0x106: value = _scounteren; return true;
            case 0x10a: value = _senvcfg; return true;
            case 0x140: value = _sscratch; return true;
            case 0x141: value = _sepc; return true;
            case 0x142: value = _scause; return true;
            case 0x143: value = _stval; return true;
            case 0x144: value = Mip & _mideleg; return true;
            case 0x14d: if (!StimecmpAccessible) return false; value = _stimecmp; return true;
            case 0x180: if (_priv == PrivilegeMode.Supervisor && (_mstatus & TVM) != 0) return false; value = _satp; return true;

            case 0xf11: case 0xf12: case 0xf13: case 0xf15: value = 0; return true; // not implemented: 0 (3.1.2-3.1.4, 3.1.17)
            case 0xf14: value = (ulong)HartId; return true;
            case 0x300: value = Mstatus; return true;
            case 0x301: value = Misa; return true;
            case 0x302: value = _medeleg; return true;
            case 0x303: value = _mideleg; return true;
            case 0x304: value = _mie; return true;
            case 0x305: value = _mtvec; return true;
            case 0x306: value = _mcounteren; return true;
            case 0x30a: value = _menvcfg; return true;
            case 0x320: value = _mcountinhibit; return true;
            case >= 0x323 and <= 0x33f: value = 0; return true; // mhpmevent3..31: no events
            case 0x340: value = _mscratch; return true;
            case 0x341: value = _mepc; return true;
            case 0x342: value = _mcause; return true;
            case 0x343: value = _mtval; return true;
            case 0x344: value = Mip; return true;
            case >= 0x3a0 and <= 0x3af: return TryReadPmpcfg(csr - 0x3a0, out value);
            case >= 0x3b0 and <= 0x3ef: value = ReadPmpaddr(csr - 0x3b0); return true;
            case 0xb00: value = Cycle; return true;
            case 0xb02: value = Instret; return true;
            case >= 0xb03 and <= 0xb1f: value = 0; return true; // mhpmcounter3..31 read as zero
            default: return false;
        }
    }

    /// <summary>Write a CSR. False means illegal instruction.</summary>
    internal bool TryWriteCsr(int csr, ulong v)
    {
        if (!CsrAccessible(csr, write: true)) return false;
        if (IsTriggerCsr(csr)) return TryWriteTriggerCsr(csr, v);
        switch (csr)
        {
            case 0x001: if (!FpEnabled) return false; _fflags = (byte)(v & 31); MarkFpDirty(); return true;
            case 0x002: if (!FpEnabled) return false; _frm = (byte)(v & 7); MarkFpDirty(); return true;
            case 0x003: if (!FpEnabled) return false; _fflags = (byte)(v & 31); _frm = (byte)((v >> 5) & 7); MarkFpDirty(); return true;

            case 0x100: WriteMstatus((_mstatus & ~SstatusMask) | (v & SstatusMask)); return true;
            case 0x104: _mie = (_mie & ~_mideleg) | (v & _mideleg); return true;
            case 0x105: _stvec = LegalTvec(v, _stvec); return true;
            case 0x106: _scounteren = (uint)v; return true;
            case 0x10a: _senvcfg = v & EnvcfgFiom; return true;
            case 0x140: _sscratch = v; return true;
            case 0x141: _sepc = v & ~1UL; return true;
            case 0x142: _scause = v; return true;
            case 0x143: _stval = v; return true;
            case 0x144: _mipSoftware = (_mipSoftware & ~(SSIP & _mideleg)) | (v & SSIP & _mideleg); return true;
            case 0x14d: if (!StimecmpAccessible) return false; _stimecmp = v; UpdateSstc(); return true;
            case 0x180:
                if (_priv == PrivilegeMode.Supervisor && (_mstatus & TVM) != 0) return false;
                WriteSatp(v);
                return true;

            case 0x300: WriteMstatus(v); return true;
            case 0x301: return true; // misa is read-only here (WARL: writes ignored)
            case 0x302: _medeleg = v & DelegableExceptions; return true;
            case 0x303: _mideleg = v & SupervisorInterrupts; return true;
            case 0x304: _mie = v & AllInterrupts; return true;
            case 0x305: _mtvec = LegalTvec(v, _mtvec); return true;
            case 0x306: _mcounteren = (uint)v; return true;
            case 0x30a: _menvcfg = v & (MenvcfgStce | EnvcfgFiom); UpdateSstc(); return true;
            case 0x320: WriteMcountinhibit((uint)v & ~2u); return true; // bit 1 (TM) is read-only zero
            case >= 0x323 and <= 0x33f: return true;
            case 0x340: _mscratch = v; return true;
            case 0x341: _mepc = v & ~1UL; return true;
            case 0x342: _mcause = v; return true;
            case 0x343: _mtval = v; return true;
            case 0x344:
            {
                // SSIP, STIP and SEIP are writable from M-mode (3.1.9); STIP is read-only while Sstc is on.
                ulong writable = (_menvcfg & MenvcfgStce) != 0 ? SSIP | SEIP : SupervisorInterrupts;
                _mipSoftware = (_mipSoftware & ~writable) | (v & writable);
                return true;
            }
            case >= 0x3a0 and <= 0x3af: return TryWritePmpcfg(csr - 0x3a0, v);
            case >= 0x3b0 and <= 0x3ef: WritePmpaddr(csr - 0x3b0, v); return true;
            // "A value written to instret by one instruction will be the value read by the following
            // instruction" (unprivileged 10.1): the write replaces the writing instruction's own increment.
            case 0xb00: if (CycleInhibited) _cycleHeld = v; else _cycleOffset = v - RawCycle - 1; return true;
            case 0xb02: if (InstretInhibited) _instretHeld = v; else _instretOffset = v - InstructionsRetired - 1; return true;
            case >= 0xb03 and <= 0xb1f: return true;
            case 0xf11: case 0xf12: case 0xf13: case 0xf14: case 0xf15: return false;
            default: return false;
        }
    }

    private ulong RawCycle => InstructionsRetired; // one cycle per instruction
    private ulong Cycle => CycleInhibited ? _cycleHeld : RawCycle + _cycleOffset;
    private ulong Instret => InstretInhibited ? _instretHeld : InstructionsRetired + _instretOffset;
    private bool CycleInhibited => (_mcountinhibit & 1) != 0;
    private bool InstretInhibited => (_mcountinhibit & 4) != 0;

    /// <summary>
    /// mcountinhibit (3.1.13): while CY or IR is set, mcycle or minstret does not increment. A CSR write
    /// takes effect after its instruction, so the instruction that sets a bit is still counted and the
    /// one that clears it is not: the counter continues from the value it held.
    /// </summary>
    private void WriteMcountinhibit(uint v)
    {
        uint old = _mcountinhibit;
        if ((old & 1) == 0 && (v & 1) != 0) _cycleHeld = Cycle + 1;
        if ((old & 1) != 0 && (v & 1) == 0) _cycleOffset = _cycleHeld - RawCycle - 1;
        if ((old & 4) == 0 && (v & 4) != 0) _instretHeld = Instret + 1;
        if ((old & 4) != 0 && (v & 4) == 0) _instretOffset = _instretHeld - InstructionsRetired - 1;
        _mcountinhibit = v;
    }

    /// <summary>Counter access below M-mode (privileged spec 3.1.11, 4.1.5): mcounteren, then scounteren for U.</summary>
    private bool CounterAccessible(int index)
    {
        uint bit = 1u << index;
        if (_priv < PrivilegeMode.Machine && (_mcounteren & bit) == 0) return false;
        if (_priv == PrivilegeMode.User && (_scounteren & bit) == 0) return false;
        return true;
    }

    /// <summary>Sstc: S-mode reaches stimecmp only with menvcfg.STCE and mcounteren.TM.</summary>
    private bool StimecmpAccessible =>
        _priv == PrivilegeMode.Machine || ((_menvcfg & MenvcfgStce) != 0 && (_mcounteren & 2) != 0);

    private static ulong LegalTvec(ulong v, ulong old) => (v & 3) >= 2 ? old : v & ~2UL;

    private void WriteMstatus(ulong v)
    {
        ulong old = _mstatus;
        ulong n = (old & ~MstatusWritable) | (v & MstatusWritable) | MstatusFixed;
        // MPP is WARL: 2 (reserved) keeps the previous value.
        if (((n & MPP) >> MppShift) == 2) n = (n & ~MPP) | (old & MPP);
        _mstatus = n;
        // Loads and stores translate according to SUM, MXR, and MPRV with MPP (3.1.6.3); fetches do not. SUM, MPRV
        // and MPP choose the data TLB set (SelectTlbSets); MXR needs nothing (see Translate).
        if (((old ^ n) & (SUM | MPRV | MPP)) != 0) SelectTlbSets();
    }

    private void WriteSatp(ulong v)
    {
        // Only Bare (0) and Sv39 (8) are supported; a write of another MODE leaves satp unchanged
        // (privileged spec 4.1.11: "the write has no effect"). ASID is 16 bits, PPN 44 bits.
        ulong mode = v >> 60;
        if (mode != 0 && mode != 8) return;
        _satp = v & ((0xfUL << 60) | (0xffffUL << 44) | ((1UL << 44) - 1));
        SelectAddressSpace(_satp);
    }

    /// <summary>Sstc: STIP follows time ≥ stimecmp while menvcfg.STCE is set.</summary>
    public void UpdateSstc()
    {
        bool on = (_menvcfg & MenvcfgStce) != 0 && _timer.Now >= _stimecmp;
        SetLine(Interrupt.SupervisorTimer, on);
    }

    /// <summary>
    /// The mtime value at which Sstc will next raise STIP, or MaxValue. A stimecmp that time has already
    /// passed is no deadline: STIP is pending already, and waiting for it again would wait for nothing
    /// (with interrupts masked and a WFI, an --icount run used to spin on it forever).
    /// </summary>
    public ulong NextTimerDeadline =>
        (_menvcfg & MenvcfgStce) != 0 && _stimecmp > _timer.Now ? _stimecmp : ulong.MaxValue;

    private bool FpEnabled => FloatingPointImplemented && (_mstatus & FS) != 0;

    private void MarkFpDirty() => _mstatus |= FS;
}
