using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RvEmu.Core.Bus;
using RvEmu.Core.Isa;
using RvEmu.Core.Timing;

namespace RvEmu.Core.Cpu;

/// <summary>
/// One RV64GC hardware thread: registers, CSRs, privilege mode, TLB, and the interpreter.
/// Split over partial files by concern: Execute (the run loop), Memory (TLB, Sv39, PMP),
/// Csr (the CSR file), Trap (exceptions, interrupts, xRET), Float (F/D).
/// </summary>
public sealed unsafe partial class Hart : IDisposable
{
    /// <summary>Integer registers x0..x31, then the x0 sink slot (32).</summary>
    private readonly ulong[] _xStore = GC.AllocateArray<ulong>(40, pinned: true);
    /// <summary>FP registers f0..f31 as raw bits (single-precision values NaN-boxed).</summary>
    private readonly ulong[] _fStore = GC.AllocateArray<ulong>(32, pinned: true);
    private readonly ulong* _x;
    private readonly ulong* _f;

    private readonly PhysicalBus _bus;
    private readonly MachineTimer _timer;

    public Hart(int hartId, PhysicalBus bus, MachineTimer timer)
    {
        HartId = hartId;
        _bus = bus;
        _timer = timer;
        _x = (ulong*)Unsafe.AsPointer(ref _xStore[0]);
        _f = (ulong*)Unsafe.AsPointer(ref _fStore[0]);
        _tlbBase = (TlbEntry*)NativeMemory.AllocZeroed((nuint)(TlbSets * TlbSetStride * sizeof(TlbEntry)));
        SelectTlbSets();
        _bus.Reservations.Register(hartId);
        _bus.AttachHart(this);
        Reset(0x1000);
    }

    public int HartId { get; }
    public PhysicalBus Bus => _bus;
    public MachineTimer Timer => _timer;

    /// <summary>Program counter of the next instruction.</summary>
    public ulong Pc { get => _pc; set => _pc = value; }
    private ulong _pc;

    public PrivilegeMode Mode => _priv;
    private PrivilegeMode _priv = PrivilegeMode.Machine;

    /// <summary>
    /// Instructions retired since reset (minstret). Exact whenever the hart's own thread looks, including
    /// inside a device access or CSR access made by the running instruction: the interpreter publishes the
    /// count of the instruction before every slow-path memory access (see Hart.Execute.cs).
    /// </summary>
    public ulong InstructionsRetired => _instret + (ulong)_chunkRetired;
    private ulong _instret;
    /// <summary>Retired so far in the chunk being executed, as published before the current instruction's slow path.</summary>
    private long _chunkRetired;

    /// <summary>True while the hart waits in WFI for an interrupt (privileged spec 3.3.3).</summary>
    public bool WaitingForInterrupt { get; private set; }

    /// <summary>Observer for trace events; null when tracing is off.</summary>
    public IHartObserver? Observer { get; set; }

    /// <summary>Integer register read (x0 reads 0).</summary>
    public ulong GetX(int index) => index == 0 ? 0 : _x[index & 31];

    /// <summary>Integer register write (writes to x0 are ignored).</summary>
    public void SetX(int index, ulong value)
    {
        if (index != 0) _x[index & 31] = value;
    }

    /// <summary>Raw bits of FP register f<paramref name="index"/>.</summary>
    public ulong GetF(int index) => _f[index & 31];

    public void SetF(int index, ulong bits) => _f[index & 31] = bits;

    /// <summary>Reset to M-mode at <paramref name="resetVector"/> (privileged spec 3.4).</summary>
    public void Reset(ulong resetVector)
    {
        Array.Clear(_xStore);
        Array.Clear(_fStore);
        _pc = resetVector;
        _priv = PrivilegeMode.Machine;
        ResetCsrs();
        SelectAddressSpace(_satp);
        ResetTriggers();
        FlushTlb();
        _bus.Reservations.Clear(HartId);
        WaitingForInterrupt = false;
    }

    public void Dispose()
    {
        _wake.Dispose();
        _bus.DetachHart(this);
        if (_tlbBase != null) NativeMemory.Free(_tlbBase);
        _tlbBase = _tlb = null;
        if (_heat != null) NativeMemory.Free(_heat);
        _heat = null;
    }
}

/// <summary>Receives a hart's trace events. Implementations decide per event kind whether to record.</summary>
public interface IHartObserver
{
    /// <summary>True if per-instruction events are wanted (checked once per chunk, not per instruction).</summary>
    bool WantsInstructions { get; }
    void Instruction(Hart hart, ulong pc, uint raw, PrivilegeMode mode);
    /// <summary>The instruction last announced by <see cref="Instruction"/> retired (it did not trap).</summary>
    void Retired(Hart hart);
    void Trap(Hart hart, bool isInterrupt, ulong cause, ulong tval, ulong epc, PrivilegeMode from, PrivilegeMode to, ulong handler);
    void Return(Hart hart, string instruction, ulong target, PrivilegeMode from, PrivilegeMode to);
}
