namespace RvEmu.Core.Cpu;

/// <summary>Physical memory protection, 16 entries (privileged spec 3.7).</summary>
public sealed partial class Hart
{
    private const int PmpEntries = 16;
    private readonly byte[] _pmpcfg = new byte[PmpEntries];
    private readonly ulong[] _pmpaddr = new ulong[PmpEntries];
    private bool _pmpActive;

    // pmpcfg fields (3.7.1, figure 3.32)
    private const byte PmpR = 1, PmpW = 2, PmpX = 4, PmpL = 0x80;
    private const int PmpOff = 0, PmpTor = 1, PmpNa4 = 2, PmpNapot = 3;

    private void ResetPmp()
    {
        Array.Clear(_pmpcfg);
        Array.Clear(_pmpaddr);
        _pmpActive = false;
    }

    /// <summary>pmpcfgN: on RV64 only even N exist; N ≥ 4 address entries 16..63, not implemented (read zero).</summary>
    private bool TryReadPmpcfg(int n, out ulong value)
    {
        value = 0;
        if ((n & 1) != 0) return false;
        if (n >= 4) return true;
        for (int i = 7; i >= 0; i--) value = value << 8 | _pmpcfg[n * 4 + i];
        return true;
    }

    private bool TryWritePmpcfg(int n, ulong v)
    {
        if ((n & 1) != 0) return false;
        if (n >= 4) return true;
        for (int i = 0; i < 8; i++)
        {
            int e = n * 4 + i;
            byte cfg = (byte)(v >> (8 * i));
            if ((_pmpcfg[e] & PmpL) != 0) continue; // locked entries ignore writes (3.7.1.3)
            cfg &= 0x9f; // bits 6:5 are reserved, read zero
            if ((cfg & (PmpW | PmpR)) == PmpW) cfg &= unchecked((byte)~PmpW); // R=0,W=1 is reserved: WARL to no write
            _pmpcfg[e] = cfg;
        }
        PmpChanged();
        return true;
    }

    private ulong ReadPmpaddr(int i) => i < PmpEntries ? _pmpaddr[i] : 0;

    private void WritePmpaddr(int i, ulong v)
    {
        if (i >= PmpEntries) return;
        if ((_pmpcfg[i] & PmpL) != 0) return;
        // A locked TOR entry also locks the address register below it.
        if (i + 1 < PmpEntries && (_pmpcfg[i + 1] & PmpL) != 0 && ((_pmpcfg[i + 1] >> 3) & 3) == PmpTor) return;
        _pmpaddr[i] = v & ((1UL << 54) - 1); // bits 53:0 hold address bits 55:2
        PmpChanged();
    }

    private void PmpChanged()
    {
        _pmpActive = false;
        foreach (byte c in _pmpcfg) if (((c >> 3) & 3) != PmpOff) _pmpActive = true;
        FlushTlb();
    }

    /// <summary>True if [pa, pa+size) may be accessed as <paramref name="type"/> in <paramref name="mode"/>.</summary>
    private bool PmpAllows(ulong pa, ulong size, AccessType type, PrivilegeMode mode)
    {
        if (!_pmpActive) return mode == PrivilegeMode.Machine; // no entry matches: only M succeeds (3.7.1)
        ulong end = pa + size;
        for (int i = 0; i < PmpEntries; i++)
        {
            byte cfg = _pmpcfg[i];
            int a = (cfg >> 3) & 3;
            if (a == PmpOff) continue;
            ulong lo, hi;
            if (a == PmpTor)
            {
                lo = i == 0 ? 0 : _pmpaddr[i - 1] << 2;
                hi = _pmpaddr[i] << 2;
            }
            else if (a == PmpNa4)
            {
                lo = _pmpaddr[i] << 2;
                hi = lo + 4;
            }
            else
            {
                ulong addr = _pmpaddr[i];
                int ones = System.Numerics.BitOperations.TrailingZeroCount(~addr);
                if (ones >= 54) { lo = 0; hi = ulong.MaxValue; }
                else
                {
                    lo = (addr & ~((1UL << ones) - 1)) << 2;
                    hi = lo + (1UL << (ones + 3));
                }
            }
            if (end <= lo || pa >= hi) continue;     // no overlap
            if (pa < lo || end > hi) return false;  // partial match fails (3.7.1.4)
            if (mode == PrivilegeMode.Machine && (cfg & PmpL) == 0) return true;
            byte need = type switch { AccessType.Fetch => PmpX, AccessType.Load => PmpR, _ => PmpW };
            return (cfg & need) != 0;
        }
        return mode == PrivilegeMode.Machine;
    }
}
