using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Isa;
using Serilog;

namespace RvEmu.Core.Tracing;

/// <summary>
/// The debug trace: hart and bus events written through Serilog, as QEMU's <c>-d in_asm,int,guest_errors</c>
/// and Spike's <c>-l --log-commits</c> give them. Every event carries structured properties
/// (Hart, Pc, Mode, Cause, Device...), so the same events can go to a JSON sink.
/// Instruction lines follow Spike's layout: <c>core   0: 3 0x0000000080000000 (0x00000297) auipc t0,0x0</c>;
/// commit lines: <c>core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000 mem 0x... 0x...</c>.
/// </summary>
public sealed class TraceLog : IHartObserver, IBusObserver
{
    private readonly ILogger _log;
    private readonly TraceEvents _events;
    private readonly TraceFilter _filter;
    private bool _commitPending;
    private ulong _commitPc;
    private uint _commitRaw;
    private PrivilegeMode _commitMode;
    private ulong _storeAddr, _storeValue;
    private int _storeSize;
    private (char File, int Index) _destination;

    public TraceLog(ILogger log, TraceEvents events, TraceFilter? filter = null)
    {
        _log = log;
        _events = events;
        _filter = filter ?? new TraceFilter();
    }

    public TraceEvents Events => _events;

    private bool On(TraceEvents e) => (_events & e) != 0;

    public bool WantsInstructions => On(TraceEvents.Insn | TraceEvents.Commit);

    private static int ModeNumber(PrivilegeMode m) => (int)m;

    private static string ModeName(PrivilegeMode m) => m switch
    {
        PrivilegeMode.Machine => "M",
        PrivilegeMode.Supervisor => "S",
        _ => "U",
    };

    public void Instruction(Hart hart, ulong pc, uint raw, PrivilegeMode mode)
    {
        _commitPending = false;
        if (!_filter.Accepts(hart.InstructionsRetired, pc, mode)) return;
        if (On(TraceEvents.Insn))
        {
            string text = Disassembler.Disassemble(raw, pc).Replace('\t', ' ');
            _log.Information("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits}) {Disassembly}", hart.HartId, ModeNumber(mode), pc, Bits(raw), text);
        }
        if (!On(TraceEvents.Commit)) return;
        _commitPending = true;
        _commitPc = pc;
        _commitRaw = raw;
        _commitMode = mode;
        // The memory write of a store is known before it executes: address from rs1 + imm, data from rs2.
        var d = Decoder.Decode(raw);
        _destination = InstructionTable.Destination(d);
        _storeSize = d.Op switch
        {
            Op.Sb => 1, Op.Sh => 2, Op.Sw or Op.Fsw => 4, Op.Sd or Op.Fsd => 8, _ => 0,
        };
        if (_storeSize != 0)
        {
            _storeAddr = hart.GetX(d.Rs1) + (ulong)d.Imm;
            ulong data = d.Op is Op.Fsw or Op.Fsd ? hart.GetF(d.Rs2) : hart.GetX(d.Rs2);
            _storeValue = _storeSize == 8 ? data : data & ((1UL << (8 * _storeSize)) - 1);
        }
    }

    /// <summary>The instruction announced by <see cref="Instruction"/> retired: log its writes.</summary>
    public void Retired(Hart hart)
    {
        if (!_commitPending) return;
        _commitPending = false;
        // As Spike's commit log: the destination register is written even when its value does not change.
        var writes = new System.Text.StringBuilder();
        if (_destination.File == 'x') writes.Append($" x{_destination.Index,-2} 0x{hart.GetX(_destination.Index):x16}");
        else if (_destination.File == 'f') writes.Append($" f{_destination.Index,-2} 0x{hart.GetF(_destination.Index):x16}");
        if (_storeSize != 0) writes.Append($" mem 0x{_storeAddr:x16} 0x{_storeValue.ToString($"x{2 * _storeSize}")}");
        _log.Information("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits}){Writes}", hart.HartId, ModeNumber(_commitMode), _commitPc, Bits(_commitRaw), writes.ToString());
    }

    public void Trap(Hart hart, bool isInterrupt, ulong cause, ulong tval, ulong epc, PrivilegeMode from, PrivilegeMode to, ulong handler)
    {
        _commitPending = false;
        if (isInterrupt)
        {
            if (!On(TraceEvents.Irq)) return;
            _log.Information("irq: {CauseName} ({Cause}) epc=0x{Epc:x16} {From}->{To} handler=0x{Handler:x16}",
                Interrupt.Name((int)cause), cause, epc, ModeName(from), ModeName(to), handler);
            return;
        }
        if (On(TraceEvents.Sbi) && cause == (ulong)ExceptionCause.EcallFromS && to == PrivilegeMode.Machine)
        {
            ulong eid = hart.GetX(17), fid = hart.GetX(16);
            _log.Information("sbi: eid=0x{Eid:x} ({Extension}) fid={Fid} a0=0x{A0:x} a1=0x{A1:x} a2=0x{A2:x}",
                eid, SbiNames.Extension(eid), fid, hart.GetX(10), hart.GetX(11), hart.GetX(12));
        }
        if (!On(TraceEvents.Trap)) return;
        _log.Information("trap: {CauseName} ({Cause}) tval=0x{Tval:x16} epc=0x{Epc:x16} {From}->{To} handler=0x{Handler:x16}",
            ExceptionName(cause), cause, tval, epc, ModeName(from), ModeName(to), handler);
    }

    public void Return(Hart hart, string instruction, ulong target, PrivilegeMode from, PrivilegeMode to)
    {
        if (!On(TraceEvents.Trap)) return;
        _log.Information("{Instruction}: {From}->{To} pc=0x{Target:x16}", instruction, ModeName(from), ModeName(to), target);
    }

    public void DeviceAccess(IMmioDevice device, ulong offset, int size, ulong value, bool isWrite, bool ok)
    {
        if (On(TraceEvents.Mmio))
        {
            _log.Information("mmio: {Device}+0x{Offset:x} {Register} {Access} {Size} 0x{Value:x}{Fault}",
                device.Name, offset, device.RegisterName(offset) ?? "?", isWrite ? "write" : "read", size, value, ok ? "" : " (fault)");
        }
        if (!ok && On(TraceEvents.GuestErrors))
            _log.Warning("guest-error: {Device}+0x{Offset:x}: {Access} of {Size} bytes refused", device.Name, offset, isWrite ? "write" : "read", size);
    }

    public void GuestError(string message)
    {
        if (On(TraceEvents.GuestErrors)) _log.Warning("guest-error: {Message}", message);
    }

    /// <summary>A virtio event (notify, request, interrupt) from a device model.</summary>
    public void Virtio(string device, string message)
    {
        if (On(TraceEvents.Virtio)) _log.Information("virtio: {Device}: {Message}", device, message);
    }

    /// <summary>A page-table walk and its result.</summary>
    public void PageWalk(ulong va, string access, string result)
    {
        if (On(TraceEvents.Mmu)) _log.Information("mmu: {Access} va=0x{Va:x16} {Result}", access, va, result);
    }

    /// <summary>Instruction bits as Spike prints them: 4 hex digits for compressed, 8 otherwise.</summary>
    private static string Bits(uint raw) => InstructionWord.IsCompressed(raw) ? $"0x{raw & 0xffff:x4}" : $"0x{raw:x8}";

    private static string ExceptionName(ulong cause) =>
        Enum.IsDefined(typeof(ExceptionCause), (byte)cause) && cause < 64 ? ((ExceptionCause)(byte)cause).ToString() : $"cause {cause}";
}

/// <summary>SBI extension names (SBI spec v1.0, ch. 3-10), for readable traces.</summary>
public static class SbiNames
{
    public static string Extension(ulong eid) => eid switch
    {
        0x10 => "BASE",
        0x54494D45 => "TIME",
        0x735049 => "IPI",
        0x52464E43 => "RFENCE",
        0x48534D => "HSM",
        0x53525354 => "SRST",
        0x504D55 => "PMU",
        0x4442434E => "DBCN",
        <= 0x0f => "legacy",
        _ => "unknown",
    };
}
