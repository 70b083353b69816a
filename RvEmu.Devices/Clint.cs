using RvEmu.Core.Bus;
using RvEmu.Core.Timing;

namespace RvEmu.Devices;

/// <summary>
/// SiFive CLINT as QEMU 7.2's virt board builds it (hw/intc/riscv_aclint.c: an MSWI at +0 and an
/// MTIMER at +0x4000). msip: one 32-bit register per hart, only bit 0 stored, 4-byte accesses only.
/// mtimecmp (8 bytes per hart) and mtime: 4- or 8-byte accesses, a 4-byte access reaching the low or
/// high half. MTIP = (mtime &gt;= mtimecmp), re-evaluated on every mtimecmp/mtime write and in
/// <see cref="Poll"/>. mtimecmp resets to 0 as in QEMU, so MTIP is pending until firmware programs it.
/// Registers of harts that do not exist read 0 and ignore writes; offsets 0xc000 and up fault
/// (outside QEMU's MTIMER region), as do accesses of an unsupported width.
/// </summary>
public sealed class Clint : IMmioDevice, IPolledDevice
{
    /// <summary>Register offsets (SiFive CLINT / RISC-V ACLINT MSWI and MTIMER).</summary>
    public const ulong MsipBase = 0x0000, MtimecmpBase = 0x4000, MtimeOffset = 0xbff8;

    /// <summary>End of QEMU's MTIMER region (0x4000 + 0x8000); beyond it nothing is mapped.</summary>
    private const ulong MtimerEnd = 0xc000;

    private readonly MachineTimer _timer;
    private readonly (IIrqLine Msip, IIrqLine Mtip)[] _harts;
    private readonly bool[] _msip;
    private readonly bool[] _mtip;
    private readonly ulong[] _mtimecmp;

    /// <summary>Create the CLINT.</summary>
    /// <param name="timer">mtime; a guest write of mtime sets it.</param>
    /// <param name="harts">Per hart, in hart-id order: the machine software (MSIP) and machine timer (MTIP) interrupt lines.</param>
    public Clint(MachineTimer timer, IReadOnlyList<(IIrqLine Msip, IIrqLine Mtip)> harts)
    {
        _timer = timer;
        _harts = harts.ToArray();
        _msip = new bool[_harts.Length];
        _mtip = new bool[_harts.Length];
        _mtimecmp = new ulong[_harts.Length];
        UpdateTimerInterrupts();
    }

    public string Name => "clint";

    /// <summary>Called after a write that may move <see cref="NextDeadline"/> (mtimecmp, mtime), so a sleeping poller can recompute it.</summary>
    public Action? DeadlineChanged { get; set; }

    /// <summary>System reset: msip cleared, mtimecmp back to 0 (as QEMU; mtime keeps running).</summary>
    public void Reset()
    {
        for (int h = 0; h < _harts.Length; h++)
        {
            if (_msip[h]) _harts[h].Msip.Set(false);
            _msip[h] = false;
            _mtimecmp[h] = 0;
        }
        UpdateTimerInterrupts();
    }

    /// <summary>mtimecmp of <paramref name="hart"/> (for the machine and tests).</summary>
    public ulong MtimecmpOf(int hart) => _mtimecmp[hart];

    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (offset < MtimecmpBase)
        {
            if (size != 4) return false;
            ulong hart = offset >> 2;
            if (hart < (ulong)_harts.Length) value = _msip[hart] ? 1UL : 0;
            return true;
        }
        if (offset >= MtimerEnd || size < 4) return false;
        if (IsMtimecmp(offset, out int h))
        {
            value = Half(_mtimecmp[h], offset, size);
        }
        else if (offset is MtimeOffset or MtimeOffset + 4)
        {
            value = Half(_timer.Now, offset, size);
        }
        return true;
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        if (offset < MtimecmpBase)
        {
            if (size != 4) return false;
            ulong hart = offset >> 2;
            if (hart < (ulong)_harts.Length)
            {
                bool level = (value & 1) != 0; // only bit 0 of msip is implemented
                if (level != _msip[hart])
                {
                    _msip[hart] = level;
                    _harts[hart].Msip.Set(level);
                }
            }
            return true;
        }
        if (offset >= MtimerEnd || size < 4) return false;
        if (IsMtimecmp(offset, out int h))
        {
            _mtimecmp[h] = Merge(_mtimecmp[h], offset, size, value);
            UpdateTimerInterrupts();
            DeadlineChanged?.Invoke();
        }
        else if (offset is MtimeOffset or MtimeOffset + 4)
        {
            _timer.Set(Merge(_timer.Now, offset, size, value));
            UpdateTimerInterrupts();
            DeadlineChanged?.Invoke();
        }
        return true;
    }

    public void Poll() => UpdateTimerInterrupts();

    /// <summary>The earliest mtimecmp that mtime has not reached yet, or <see cref="ulong.MaxValue"/>.</summary>
    public ulong NextDeadline
    {
        get
        {
            ulong now = _timer.Now, next = ulong.MaxValue;
            foreach (ulong cmp in _mtimecmp)
                if (cmp > now && cmp < next) next = cmp;
            return next;
        }
    }

    public string? RegisterName(ulong offset)
    {
        if (offset < MtimecmpBase) return $"msip{offset >> 2}";
        if (offset >= MtimecmpBase && offset < MtimecmpBase + 8 * (ulong)_harts.Length)
            return $"mtimecmp{(offset - MtimecmpBase) >> 3}{((offset & 4) != 0 ? ".hi" : "")}";
        return offset switch { MtimeOffset => "mtime", MtimeOffset + 4 => "mtime.hi", _ => null };
    }

    private bool IsMtimecmp(ulong offset, out int hart)
    {
        hart = -1;
        if (offset < MtimecmpBase || offset - MtimecmpBase >= 8 * (ulong)_harts.Length) return false;
        hart = (int)((offset - MtimecmpBase) >> 3);
        return true;
    }

    /// <summary>An 8-byte read at the register sees all of it; a 4-byte read, or any read at +4, one half.</summary>
    private static ulong Half(ulong register, ulong offset, int size) =>
        (offset & 4) != 0 ? register >> 32 : size == 8 ? register : register & 0xffff_ffff;

    /// <summary>
    /// An 8-byte write at the register replaces it, a 4-byte write only the half at its offset; an
    /// 8-byte write at +4 is ignored (QEMU logs it as a guest error).
    /// </summary>
    private static ulong Merge(ulong register, ulong offset, int size, ulong value) =>
        (offset & 4) != 0 ? (size == 8 ? register : (value << 32) | (register & 0xffff_ffff))
        : size == 8 ? value
        : (register & 0xffff_ffff_0000_0000) | (value & 0xffff_ffff);

    /// <summary>Priv spec 3.2.1: MTIP is pending while mtime &gt;= mtimecmp.</summary>
    private void UpdateTimerInterrupts()
    {
        ulong now = _timer.Now;
        for (int h = 0; h < _harts.Length; h++)
        {
            bool level = now >= _mtimecmp[h];
            if (level == _mtip[h]) continue;
            _mtip[h] = level;
            _harts[h].Mtip.Set(level);
        }
    }
}
