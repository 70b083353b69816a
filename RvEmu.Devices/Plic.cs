using RvEmu.Core.Bus;
using RvEmu.Devices.Machine;

namespace RvEmu.Devices;

/// <summary>
/// SiFive PLIC as QEMU 7.2's virt board configures it (hw/intc/sifive_plic.c; RISC-V PLIC spec 1.0.0).
/// Sources are level lines from devices (<see cref="Source"/>); contexts are output lines to harts (on
/// the virt board context 2n is hart n M-mode external, 2n+1 hart n S-mode external). Only 32-bit
/// accesses; other widths fault. Unimplemented registers inside the aperture read 0 and ignore writes.
/// </summary>
/// <remarks>
/// Gateway (PLIC spec "Interrupt Gateways"): a rising or high line sets the source's pending bit unless the
/// source is claimed (in flight); the bit is cleared only by a claim, as in QEMU 7.2 (a line dropping before
/// the claim does not withdraw the request). After completion a line still high makes the source pending
/// again. A completion for a source that is not enabled for the completing context is ignored, as the
/// spec says (QEMU 7.2 accepts it from any context; firmware/tests/plic.S records the difference).
/// The context outputs are re-evaluated after every state change, including enable writes (QEMU 7.2 waits
/// for the next other event there; delivering at once is what the spec describes).
/// </remarks>
public sealed class Plic : IMmioDevice
{
    /// <summary>Register layout (PLIC spec, "Memory Map"; QEMU virt.h VIRT_PLIC_*).</summary>
    public const ulong PriorityBase = 0x0, PendingBase = 0x1000, EnableBase = 0x2000, EnableStride = 0x80,
        ContextBase = 0x20_0000, ContextStride = 0x1000, ThresholdOffset = 0x0, ClaimOffset = 0x4;

    /// <summary>Highest priority (QEMU virt: 3 priority bits, num-priorities 7). Priority 0 never interrupts.</summary>
    public const uint MaxPriority = 7;

    private readonly IIrqLine[] _contexts;
    private readonly int _sourceCount;
    private readonly int _words;
    private readonly uint[] _priority;
    private readonly uint[] _pending;
    private readonly uint[] _claimed;
    private readonly uint[] _level;
    private readonly uint[] _enable;
    private readonly uint[] _threshold;
    private readonly bool[] _output;
    private readonly SourceLine[] _sources;

    /// <summary>Create the PLIC.</summary>
    /// <param name="contexts">Output line of each context, in context order.</param>
    /// <param name="sourceCount">
    /// Interrupt ids including the reserved id 0 (QEMU's num-sources): ids 1..sourceCount-1 exist. The virt
    /// board's tree says riscv,ndev = 96, so it uses 97 (sources 1..96; QEMU 7.2 stops at 95, see
    /// <see cref="VirtMemoryMap.PlicSources"/>).
    /// </param>
    public Plic(IReadOnlyList<IIrqLine> contexts, int sourceCount = VirtMemoryMap.PlicIds)
    {
        if (sourceCount < 2 || sourceCount > 1024) throw new ArgumentOutOfRangeException(nameof(sourceCount));
        if (contexts.Count > 15872) throw new ArgumentOutOfRangeException(nameof(contexts));
        _contexts = contexts.ToArray();
        _sourceCount = sourceCount;
        _words = (sourceCount + 31) >> 5;
        _priority = new uint[sourceCount];
        _pending = new uint[_words];
        _claimed = new uint[_words];
        _level = new uint[_words];
        _enable = new uint[_words * _contexts.Length];
        _threshold = new uint[_contexts.Length];
        _output = new bool[_contexts.Length];
        _sources = new SourceLine[sourceCount];
        for (int id = 1; id < sourceCount; id++) _sources[id] = new SourceLine(this, id);
    }

    public string Name => "plic";

    /// <summary>The interrupt line of source <paramref name="id"/> (1..sourceCount-1), for a device to drive.</summary>
    public IIrqLine Source(int id)
    {
        if (id < 1 || id >= _sourceCount) throw new ArgumentOutOfRangeException(nameof(id), $"PLIC source {id} does not exist");
        return _sources[id];
    }

    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (size != 4) return false;
        if (IsPriority(offset, out int id))
        {
            value = _priority[id];
        }
        else if (IsPending(offset, out int word))
        {
            value = _pending[word];
        }
        else if (IsEnable(offset, out int ctx, out word))
        {
            value = _enable[ctx * _words + word];
        }
        else if (IsContextRegister(offset, out ctx, out ulong reg))
        {
            if (reg == ThresholdOffset) value = _threshold[ctx];
            else if (reg == ClaimOffset) value = Claim(ctx);
        }
        return true;
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        if (size != 4) return false;
        uint v = (uint)value;
        if (IsPriority(offset, out int id))
        {
            // PLIC spec: priority is WARL; with 2^n - 1 levels QEMU keeps the low n bits.
            _priority[id] = v & MaxPriority;
            UpdateOutputs();
        }
        else if (IsEnable(offset, out int ctx, out int word))
        {
            // WARL: enable bits of ids past the last source stay 0 (the word holding source 96 has one real bit).
            _enable[ctx * _words + word] = v & ExistingIds(word);
            UpdateOutputs();
        }
        else if (IsContextRegister(offset, out ctx, out ulong reg))
        {
            if (reg == ThresholdOffset)
            {
                _threshold[ctx] = v & MaxPriority;
                UpdateOutputs();
            }
            else if (reg == ClaimOffset && v < _sourceCount && (_enable[ctx * _words + (int)(v >> 5)] & Bit((int)v)) != 0)
            {
                // PLIC spec 1.0.0 "Interrupt Completion": a completion ID that is not enabled for the
                // context is silently ignored. QEMU 7.2 accepts it from any context; we follow the spec.
                Complete((int)v);
            }
        }
        // Pending bits are read-only; other offsets are reserved: writes are ignored.
        return true;
    }

    public string? RegisterName(ulong offset)
    {
        if (IsPriority(offset, out int id)) return $"priority[{id}]";
        if (IsPending(offset, out int word)) return $"pending[{word}]";
        if (IsEnable(offset, out int ctx, out word)) return $"enable[{ctx}][{word}]";
        if (IsContextRegister(offset, out ctx, out ulong reg))
            return reg == ThresholdOffset ? $"threshold[{ctx}]" : reg == ClaimOffset ? $"claim/complete[{ctx}]" : null;
        return null;
    }

    private bool IsPriority(ulong offset, out int id)
    {
        ulong index = (offset - PriorityBase) >> 2;
        id = offset < PendingBase && index >= 1 && index < (ulong)_sourceCount ? (int)index : 0;
        return id != 0;
    }

    private bool IsPending(ulong offset, out int word)
    {
        ulong index = (offset - PendingBase) >> 2;
        word = (int)Math.Min(index, int.MaxValue);
        return offset >= PendingBase && index < (ulong)_words;
    }

    private bool IsEnable(ulong offset, out int ctx, out int word)
    {
        ctx = word = 0;
        if (offset < EnableBase || offset >= EnableBase + EnableStride * (ulong)_contexts.Length) return false;
        ctx = (int)((offset - EnableBase) / EnableStride);
        word = (int)((offset % EnableStride) >> 2);
        return word < _words;
    }

    private bool IsContextRegister(ulong offset, out int ctx, out ulong reg)
    {
        ctx = 0;
        reg = 0;
        if (offset < ContextBase || offset >= ContextBase + ContextStride * (ulong)_contexts.Length) return false;
        ctx = (int)((offset - ContextBase) / ContextStride);
        reg = offset % ContextStride;
        return true;
    }

    /// <summary>
    /// PLIC spec "Interrupt Claim Process": the pending, enabled, unclaimed source with the highest
    /// priority above the context's threshold; ties go to the lowest id. 0 if none.
    /// </summary>
    private int BestCandidate(int ctx)
    {
        uint bestPriority = _threshold[ctx];
        int best = 0;
        for (int w = 0; w < _words; w++)
        {
            uint bits = _pending[w] & ~_claimed[w] & _enable[ctx * _words + w];
            while (bits != 0)
            {
                int id = (w << 5) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                if (id < _sourceCount && _priority[id] > bestPriority)
                {
                    bestPriority = _priority[id];
                    best = id;
                }
            }
        }
        return best;
    }

    private uint Claim(int ctx)
    {
        int id = BestCandidate(ctx);
        if (id != 0)
        {
            _pending[id >> 5] &= ~Bit(id);
            _claimed[id >> 5] |= Bit(id);
        }
        UpdateOutputs();
        return (uint)id;
    }

    /// <summary>PLIC spec "Interrupt Completion": the gateway may forward the source again.</summary>
    private void Complete(int id)
    {
        _claimed[id >> 5] &= ~Bit(id);
        if ((_level[id >> 5] & Bit(id)) != 0 && id != 0) _pending[id >> 5] |= Bit(id);
        UpdateOutputs();
    }

    private void SetSourceLevel(int id, bool level)
    {
        if (level) _level[id >> 5] |= Bit(id);
        else _level[id >> 5] &= ~Bit(id);
        if (!level || (_claimed[id >> 5] & Bit(id)) != 0 || (_pending[id >> 5] & Bit(id)) != 0) return;
        _pending[id >> 5] |= Bit(id);
        UpdateOutputs();
    }

    /// <summary>PLIC spec "Interrupt Notifications": a context's line is high while it has a claimable source.</summary>
    /// <summary>System reset: priorities, enables, thresholds and claims cleared; sources whose line is high are pending again.</summary>
    public void Reset()
    {
        Array.Clear(_priority);
        Array.Clear(_enable);
        Array.Clear(_threshold);
        Array.Clear(_claimed);
        Array.Copy(_level, _pending, _level.Length);
        UpdateOutputs();
    }

    private void UpdateOutputs()
    {
        for (int ctx = 0; ctx < _contexts.Length; ctx++)
        {
            bool level = BestCandidate(ctx) != 0;
            if (level == _output[ctx]) continue;
            _output[ctx] = level;
            _contexts[ctx].Set(level);
        }
    }

    private static uint Bit(int id) => 1u << (id & 31);

    /// <summary>The bits of enable word <paramref name="word"/> below <c>sourceCount</c>.</summary>
    private uint ExistingIds(int word)
    {
        int count = Math.Clamp(_sourceCount - (word << 5), 0, 32);
        return count == 32 ? uint.MaxValue : (1u << count) - 1;
    }

    /// <summary>A device's interrupt line into one PLIC gateway.</summary>
    private sealed class SourceLine(Plic plic, int id) : IIrqLine
    {
        public void Set(bool level) => plic.SetSourceLevel(id, level);
    }
}
