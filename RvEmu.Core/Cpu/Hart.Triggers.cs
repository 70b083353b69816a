using RvEmu.Core.Isa;

namespace RvEmu.Core.Cpu;

/// <summary>
/// The trigger module (Sdtrig, RISC-V Debug Specification 1.0 chapter 5) as QEMU 7.2 offers it to guest
/// software: two address-match triggers of type 2 (mcontrol) or 6 (mcontrol6, tinfo = 0x44) behind
/// tselect/tdata1/tdata2/tdata3/tinfo, each
/// matching an execute address, a load address or a store address exactly, in the modes its M/S/U bits
/// enable, and raising a breakpoint exception (cause 3, xtval = the matching address) before the instruction
/// or the access happens. A debugger attached through the GDB stub keeps its breakpoints and watchpoints
/// apart (in the run loop), so the guest's triggers and GDB's never take each other's slots.
/// </summary>
/// <remarks>
/// Kept to what guests use: match = 0 (equal) only, timing = 0 (before), action = 0 (breakpoint
/// exception), no chaining, select = 0 (address); other values of those WARL fields read back as the
/// supported ones. In M-mode a trigger fires only while mstatus.MIE is set, the rule for harts without
/// tcontrol (debug spec 5.4, "to prevent a trap handler from re-triggering"). While any trigger is armed
/// the hart runs one instruction at a time through <see cref="StepWithTriggers"/>; otherwise the
/// interpreter's loop has no trigger checks at all.
/// </remarks>
public sealed unsafe partial class Hart
{
    public const int TriggerCount = 2;
    private const ulong McontrolType = 2UL << 60, Mcontrol6Type = 6UL << 60, TypeMask = 0xfUL << 60;
    // Bits kept writable (debug spec 5.5.2 mcontrol, 5.5.3 mcontrol6): hit (20; hit0 22 in mcontrol6), m (6),
    // s (4), u (3), execute (2), store (1), load (0). The rest are the supported values of WARL fields: zero.
    private const ulong ModeAndAccess = 1 << 6 | 1 << 4 | 1 << 3 | 7;
    private const ulong McontrolM = 1 << 6, McontrolS = 1 << 4, McontrolU = 1 << 3;
    private const ulong McontrolExecute = 1 << 2, McontrolStore = 1 << 1, McontrolLoad = 1;
    private static ulong HitBit(ulong tdata1) => (tdata1 & TypeMask) == Mcontrol6Type ? 1UL << 22 : 1UL << 20;

    private readonly ulong[] _tdata1 = { McontrolType, McontrolType };
    private readonly ulong[] _tdata2 = new ulong[TriggerCount];
    private int _tselect;
    /// <summary>True when some trigger can fire (a mode bit and an access bit set): then Run steps through the checks.</summary>
    private bool _triggersArmed;

    private void ResetTriggers()
    {
        for (int i = 0; i < TriggerCount; i++) { _tdata1[i] = McontrolType; _tdata2[i] = 0; }
        _tselect = 0;
        _triggersArmed = false;
    }

    private bool TryReadTriggerCsr(int csr, out ulong value)
    {
        value = csr switch
        {
            0x7a0 => (ulong)_tselect,
            0x7a1 => _tdata1[_tselect],
            0x7a2 => _tdata2[_tselect],
            0x7a3 => 0,              // tdata3: nothing to select on for type 2 here
            _ => 1UL << 2 | 1UL << 6, // tinfo (0x7a4): types 2 and 6, as QEMU 7.2
        };
        return true;
    }

    private bool TryWriteTriggerCsr(int csr, ulong v)
    {
        switch (csr)
        {
            case 0x7a0: if (v < TriggerCount) _tselect = (int)v; break; // WARL: an index that does not exist is ignored
            case 0x7a1:
            {
                // The type is WARL: 2 or 6 as written; anything else (0 is how software disables a trigger)
                // keeps the trigger's type with nothing enabled.
                ulong type = v & TypeMask;
                if (type != McontrolType && type != Mcontrol6Type)
                {
                    _tdata1[_tselect] &= TypeMask;
                    break;
                }
                _tdata1[_tselect] = type | (v & (ModeAndAccess | HitBit(type)));
                break;
            }
            case 0x7a2: _tdata2[_tselect] = v; break;
            default: break; // tdata3, tinfo: read-only here
        }
        _triggersArmed = false;
        for (int i = 0; i < TriggerCount; i++)
            if ((_tdata1[i] & (McontrolM | McontrolS | McontrolU)) != 0 && (_tdata1[i] & 7) != 0) _triggersArmed = true;
        return true;
    }

    /// <summary>Trigger CSRs are 0x7a0-0x7a4 (tselect, tdata1-3, tinfo).</summary>
    private static bool IsTriggerCsr(int csr) => csr is >= 0x7a0 and <= 0x7a4;

    /// <summary>Does trigger <paramref name="i"/> watch <paramref name="kind"/> accesses in the current mode? (M-mode only with MIE.)</summary>
    private bool TriggerEnabled(int i, ulong kind)
    {
        ulong t = _tdata1[i];
        if ((t & kind) == 0) return false;
        return _priv switch
        {
            PrivilegeMode.Machine => (t & McontrolM) != 0 && (_mstatus & MIE) != 0,
            PrivilegeMode.Supervisor => (t & McontrolS) != 0,
            _ => (t & McontrolU) != 0,
        };
    }

    /// <summary>The first trigger of <paramref name="kind"/> matching <paramref name="address"/> (setting its hit bit), or -1.</summary>
    private int MatchTrigger(ulong kind, ulong address)
    {
        for (int i = 0; i < TriggerCount; i++)
        {
            if (!TriggerEnabled(i, kind) || _tdata2[i] != address) continue;
            _tdata1[i] |= HitBit(_tdata1[i]);
            return i;
        }
        return -1;
    }

    /// <summary>
    /// Run up to <paramref name="maxSteps"/> instructions one at a time, raising a breakpoint exception
    /// before an instruction whose address, or whose load or store address, an armed trigger matches.
    /// </summary>
    private long StepWithTriggers(long maxSteps)
    {
        long steps = 0;
        while (steps < maxSteps && _triggersArmed && !WaitingForInterrupt)
        {
            ulong pc = _pc;
            if (MatchTrigger(McontrolExecute, pc) >= 0)
            {
                EnterTrap(false, (ulong)ExceptionCause.Breakpoint, pc, pc);
                steps++;
                continue;
            }
            if (TryGetDataAccess(out ulong address, out _, out bool reads, out bool writes))
            {
                ulong kind = (reads ? McontrolLoad : 0) | (writes ? McontrolStore : 0);
                if (MatchTrigger(kind, address) >= 0)
                {
                    EnterTrap(false, (ulong)ExceptionCause.Breakpoint, address, pc);
                    steps++;
                    continue;
                }
            }
            steps += Execute(1);
            // An interrupt the instruction made takeable (a CSR write, xRET) is taken at the next Run, at once.
            if (PendingInterrupt() >= 0) break;
        }
        return steps;
    }

    /// <summary>
    /// The data access the instruction at pc would make, as a debugger or a trigger sees it before it runs:
    /// address (x[rs1] + imm; x[rs1] for LR/SC/AMOs), size in bytes, and whether it reads and writes.
    /// False when the instruction makes none (or cannot be fetched). No side effects.
    /// </summary>
    public bool TryGetDataAccess(out ulong address, out int size, out bool reads, out bool writes)
    {
        address = 0;
        size = 0;
        reads = writes = false;
        if (!TryPeekInstruction(_pc, out uint raw)) return false;
        var d = Decoder.Decode(raw);
        ulong ea = _x[d.Rs1] + (ulong)d.Imm;
        (address, size, reads, writes) = d.Op switch
        {
            Op.Lb or Op.Lbu => (ea, 1, true, false),
            Op.Lh or Op.Lhu => (ea, 2, true, false),
            Op.Lw or Op.Lwu or Op.Flw => (ea, 4, true, false),
            Op.Ld or Op.Fld => (ea, 8, true, false),
            Op.Sb => (ea, 1, false, true),
            Op.Sh => (ea, 2, false, true),
            Op.Sw or Op.Fsw => (ea, 4, false, true),
            Op.Sd or Op.Fsd => (ea, 8, false, true),
            Op.LrW => (_x[d.Rs1], 4, true, false),
            Op.LrD => (_x[d.Rs1], 8, true, false),
            Op.ScW => (_x[d.Rs1], 4, false, true),
            Op.ScD => (_x[d.Rs1], 8, false, true),
            // An AMO both loads and stores.
            >= Op.AmoswapW and <= Op.AmomaxuW => (_x[d.Rs1], 4, true, true),
            >= Op.AmoswapD and <= Op.AmomaxuD => (_x[d.Rs1], 8, true, true),
            _ => (0UL, 0, false, false),
        };
        return size != 0;
    }
}
