using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Isa;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace RvEmu.Core.Tracing;

/// <summary>
/// The debug trace: hart and bus events written through Serilog, as QEMU's <c>-d in_asm,int,guest_errors</c>
/// and Spike's <c>-l --log-commits</c> give them. Every event carries structured properties
/// (Hart, Pc, Mode, Cause, Device...), so the same events can go to a JSON sink.
/// Instruction lines follow Spike's layout: <c>core   0: 3 0x0000000080000000 (0x00000297) auipc t0,0x0</c>;
/// commit lines: <c>core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000</c>, or
/// <c>... mem 0x0000000010000000 0x48</c> for a store.
/// </summary>
/// <remarks>
/// Instruction and commit events come once per instruction, so they skip Serilog's per-call template
/// lookup and argument capture: their templates are parsed once, and the properties of an instruction
/// (pc, bits, disassembly, destination) are built once per (pc, bits) and reused from a small cache.
/// Rarer events (traps, device accesses) use the ordinary <see cref="ILogger"/> calls.
/// </remarks>
public sealed class TraceLog : IHartObserver, IBusObserver, IPageWalkObserver
{
    private static readonly MessageTemplate InsnTemplate = Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) {Disassembly:l}");
    private static readonly MessageTemplate CommitTemplate = Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l})");
    // Spike prints the register as "x%-2d", so "x5  0x..." and "x12 0x...".
    private static readonly MessageTemplate CommitRegisterTemplate = Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) {Register,-3:l} 0x{Value:x16}");
    // Spike prints the stored data with as many hex digits as the store is wide; index = log2(size).
    private static readonly MessageTemplate[] CommitMemoryTemplates =
    {
        Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) mem 0x{Address:x16} 0x{Data:x2}"),
        Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) mem 0x{Address:x16} 0x{Data:x4}"),
        Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) mem 0x{Address:x16} 0x{Data:x8}"),
        Parse("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) mem 0x{Address:x16} 0x{Data:x16}"),
    };

    private static readonly LogEventProperty[] ModeProperties =
        Enumerable.Range(0, 4).Select(m => new LogEventProperty("Mode", new ScalarValue(m))).ToArray();

    /// <summary>Per-instruction properties, cached direct-mapped by pc (32 KiB of code without conflicts).</summary>
    private const int InsnCacheSize = 16384;

    private readonly ILogger _log;
    private TraceEvents _events;
    private readonly TraceFilter _filter;
    private readonly InsnInfo?[] _insnCache = new InsnInfo?[InsnCacheSize];
    private LogEventProperty?[] _hartProperties = new LogEventProperty?[1];

    /// <summary>Per hart: the instruction announced by Instruction() whose commit line Retired() writes.</summary>
    private sealed class PendingCommit
    {
        public InsnInfo? Info;
        public LogEventProperty? Hart, Mode;
        public ulong StoreAddress, StoreData;
    }

    private PendingCommit?[] _pending = new PendingCommit?[1];

    private PendingCommit PendingOf(int hartId)
    {
        if (hartId >= _pending.Length) Array.Resize(ref _pending, hartId + 1);
        return _pending[hartId] ??= new PendingCommit();
    }

    /// <summary>
    /// Harts on several host threads and the machine's I/O thread all write here: one lock around each event
    /// keeps the reused property list and the per-instruction caches consistent and lines whole.
    /// </summary>
    private readonly object _sync = new();

    /// <summary>The last fetch walk logged, with the instruction count then (see <see cref="PageWalk"/>).</summary>
    private (ulong Va, PrivilegeMode Mode, ulong Pa, ExceptionCause? Fault, ulong Retired)? _lastFetchWalk;

    /// <summary>A trace of <paramref name="events"/> to <paramref name="log"/>; <paramref name="filter"/> selects the instructions (insn, commit) kept.</summary>
    public TraceLog(ILogger log, TraceEvents events, TraceFilter? filter = null)
    {
        _log = log;
        _events = events;
        _filter = filter ?? new TraceFilter();
    }

    /// <summary>The kinds of events recorded; the debugger's <c>monitor trace</c> changes them while the harts are stopped.</summary>
    public TraceEvents Events
    {
        get => _events;
        set => _events = value;
    }

    private bool On(TraceEvents e) => (_events & e) != 0;

    /// <summary>
    /// Name the hart on every line ("core N: " before traps, interrupts, SBI calls, xRET, mmu and device
    /// accesses, as instruction lines always do). Set for machines with several harts; a one-hart trace
    /// keeps its shorter lines.
    /// </summary>
    public bool NameHarts { get; set; }

    [ThreadStatic] private static int t_hartPlusOne;

    /// <summary>
    /// The hart the calling thread runs (set by the run loop before it runs a hart), or -1 on a thread that
    /// runs none (the machine's I/O thread): device accesses are attributed to it.
    /// </summary>
    public static int CurrentHart
    {
        get => t_hartPlusOne - 1;
        set => t_hartPlusOne = value + 1;
    }

    /// <summary>One event of <paramref name="hart"/> (-1: none), named when <see cref="NameHarts"/> is set and the hart known.</summary>
    private void Log(LogEventLevel level, int hart, string template, params object?[] args)
    {
        if (NameHarts && hart >= 0) _log.Write(level, "core {Hart,3}: " + template, [hart, .. args]);
        else _log.Write(level, template, args);
    }

    /// <inheritdoc/>
    public bool WantsInstructions => On(TraceEvents.Insn | TraceEvents.Commit);

    private static MessageTemplate Parse(string text) => new MessageTemplateParser().Parse(text);

    /// <summary>What an instruction's events need, computed once per (pc, bits).</summary>
    private sealed class InsnInfo
    {
        public required ulong Pc { get; init; }
        public required uint Raw { get; init; }
        public required LogEventProperty PcProperty { get; init; }
        public required LogEventProperty BitsProperty { get; init; }
        public required LogEventProperty DisassemblyProperty { get; init; }
        /// <summary>"x5", "f3": the register the instruction writes, or null.</summary>
        public LogEventProperty? Register { get; init; }
        public int RegisterIndex { get; init; }
        public bool FloatRegister { get; init; }
        /// <summary>Bytes a store writes (0 for anything else); its address is x[Rs1] + Imm, its data x[Rs2] or f[Rs2].</summary>
        public int StoreSize { get; init; }
        public bool FloatStore { get; init; }
        public int Rs1 { get; init; }
        public int Rs2 { get; init; }
        public long Imm { get; init; }
    }

    private InsnInfo Info(ulong pc, uint raw)
    {
        ref var slot = ref _insnCache[(int)(pc >> 1) & (InsnCacheSize - 1)];
        if (slot is { } hit && hit.Pc == pc && hit.Raw == raw) return hit;
        var d = Decoder.Decode(raw);
        var (file, index) = InstructionTable.Destination(d);
        slot = new InsnInfo
        {
            Pc = pc,
            Raw = raw,
            PcProperty = new LogEventProperty("Pc", new ScalarValue(pc)),
            BitsProperty = new LogEventProperty("Bits", new ScalarValue(Bits(raw))),
            DisassemblyProperty = new LogEventProperty("Disassembly", new ScalarValue(Disassembler.Disassemble(raw, pc).Replace('\t', ' '))),
            Register = file is 'x' or 'f' ? new LogEventProperty("Register", new ScalarValue($"{file}{index}")) : null,
            RegisterIndex = index,
            FloatRegister = file == 'f',
            StoreSize = d.Op switch { Op.Sb => 1, Op.Sh => 2, Op.Sw or Op.Fsw => 4, Op.Sd or Op.Fsd => 8, _ => 0 },
            FloatStore = d.Op is Op.Fsw or Op.Fsd,
            Rs1 = d.Rs1,
            Rs2 = d.Rs2,
            Imm = d.Imm,
        };
        return slot;
    }

    private LogEventProperty HartProperty(int hartId)
    {
        if (hartId >= _hartProperties.Length) Array.Resize(ref _hartProperties, hartId + 1);
        return _hartProperties[hartId] ??= new LogEventProperty("Hart", new ScalarValue(hartId));
    }

    /// <summary>
    /// Write an instruction or commit event. The timestamp is UTC (no time-zone lookup per event); the
    /// properties go through one reused list, which LogEvent's constructor copies.
    /// </summary>
    private void Write(MessageTemplate template, LogEventProperty a, LogEventProperty b, LogEventProperty c, LogEventProperty d,
        LogEventProperty? e = null, LogEventProperty? f = null)
    {
        _properties.Set(a, b, c, d, e, f);
        _log.Write(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, template, _properties));
    }

    private readonly PropertyList _properties = new();

    /// <summary>
    /// Up to six properties as an enumerable that allocates nothing: LogEvent's constructor reads them once.
    /// Instruction and commit events come only from the emulation thread, so one list per trace log is enough.
    /// </summary>
    private sealed class PropertyList : IEnumerable<LogEventProperty>, IEnumerator<LogEventProperty>
    {
        private readonly LogEventProperty[] _items = new LogEventProperty[6];
        private int _count, _index;

        public void Set(LogEventProperty a, LogEventProperty b, LogEventProperty c, LogEventProperty d, LogEventProperty? e, LogEventProperty? f)
        {
            _items[0] = a;
            _items[1] = b;
            _items[2] = c;
            _items[3] = d;
            _count = 4;
            if (e is not null) _items[_count++] = e;
            if (f is not null) _items[_count++] = f;
        }

        public IEnumerator<LogEventProperty> GetEnumerator()
        {
            _index = -1;
            return this;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public bool MoveNext() => ++_index < _count;
        public LogEventProperty Current => _items[_index];
        object System.Collections.IEnumerator.Current => Current;
        public void Reset() => _index = -1;
        public void Dispose() { }
    }

    private static string ModeName(PrivilegeMode m) => m switch
    {
        PrivilegeMode.Machine => "M",
        PrivilegeMode.Supervisor => "S",
        _ => "U",
    };

    /// <summary>The hart is about to run the instruction <paramref name="raw"/> at <paramref name="pc"/>: its insn line, and what its commit line needs.</summary>
    public void Instruction(Hart hart, ulong pc, uint raw, PrivilegeMode mode)
    {
        lock (_sync)
        {
            var pending = PendingOf(hart.HartId);
            pending.Info = null;
            if (!_filter.Accepts(hart.InstructionsRetired, pc, mode) || !_filter.AcceptsHart(hart.HartId)) return;
            var info = Info(pc, raw);
            var hartProperty = HartProperty(hart.HartId);
            var modeProperty = ModeProperties[(int)mode & 3];
            if (On(TraceEvents.Insn))
                Write(InsnTemplate, hartProperty, modeProperty, info.PcProperty, info.BitsProperty, info.DisassemblyProperty);
            if (!On(TraceEvents.Commit)) return;
            pending.Info = info;
            pending.Hart = hartProperty;
            pending.Mode = modeProperty;
            if (info.StoreSize != 0)
            {
                // The memory write of a store is known before it executes: address rs1 + imm, data from rs2.
                pending.StoreAddress = hart.GetX(info.Rs1) + (ulong)info.Imm;
                ulong data = info.FloatStore ? hart.GetF(info.Rs2) : hart.GetX(info.Rs2);
                pending.StoreData = info.StoreSize == 8 ? data : data & ((1UL << (8 * info.StoreSize)) - 1);
            }
        }
    }

    /// <summary>The instruction announced by <see cref="Instruction"/> retired: log its writes.</summary>
    public void Retired(Hart hart)
    {
        lock (_sync)
        {
            var pending = PendingOf(hart.HartId);
            if (pending.Info is not { } info) return;
            pending.Info = null;
            var hartProperty = pending.Hart!;
            var modeProperty = pending.Mode!;
            if (info.StoreSize != 0)
            {
                Write(CommitMemoryTemplates[System.Numerics.BitOperations.Log2((uint)info.StoreSize)], hartProperty, modeProperty, info.PcProperty, info.BitsProperty,
                    new LogEventProperty("Address", new ScalarValue(pending.StoreAddress)), new LogEventProperty("Data", new ScalarValue(pending.StoreData)));
            }
            else if (info.Register is { } register)
            {
                // As Spike's commit log: the destination register is written even when its value does not change.
                ulong value = info.FloatRegister ? hart.GetF(info.RegisterIndex) : hart.GetX(info.RegisterIndex);
                Write(CommitRegisterTemplate, hartProperty, modeProperty, info.PcProperty, info.BitsProperty, register, new LogEventProperty("Value", new ScalarValue(value)));
            }
            else
            {
                Write(CommitTemplate, hartProperty, modeProperty, info.PcProperty, info.BitsProperty);
            }
        }
    }

    /// <summary>An exception (trap, and sbi for an ecall from S to M) or an interrupt (irq) was taken.</summary>
    public void Trap(Hart hart, bool isInterrupt, ulong cause, ulong tval, ulong epc, PrivilegeMode from, PrivilegeMode to, ulong handler)
    {
        lock (_sync) TrapLocked(hart, isInterrupt, cause, tval, epc, from, to, handler);
    }

    private void TrapLocked(Hart hart, bool isInterrupt, ulong cause, ulong tval, ulong epc, PrivilegeMode from, PrivilegeMode to, ulong handler)
    {
        PendingOf(hart.HartId).Info = null;
        if (!_filter.AcceptsHart(hart.HartId)) return;
        if (isInterrupt)
        {
            if (!On(TraceEvents.Irq)) return;
            Log(LogEventLevel.Information, hart.HartId, "irq: {CauseName:l} ({Cause}) epc=0x{Epc:x16} {From:l}->{To:l} handler=0x{Handler:x16}",
                Interrupt.Name((int)cause), cause, epc, ModeName(from), ModeName(to), handler);
            return;
        }
        if (On(TraceEvents.Sbi) && cause == (ulong)ExceptionCause.EcallFromS && to == PrivilegeMode.Machine)
        {
            ulong eid = hart.GetX(17), fid = hart.GetX(16);
            Log(LogEventLevel.Information, hart.HartId, "sbi: eid=0x{Eid:x} ({Extension:l}) fid={Fid} a0=0x{A0:x} a1=0x{A1:x} a2=0x{A2:x}",
                eid, SbiNames.Extension(eid), fid, hart.GetX(10), hart.GetX(11), hart.GetX(12));
        }
        if (!On(TraceEvents.Trap)) return;
        Log(LogEventLevel.Information, hart.HartId, "trap: {CauseName:l} ({Cause}) tval=0x{Tval:x16} epc=0x{Epc:x16} {From:l}->{To:l} handler=0x{Handler:x16}",
            ExceptionName(cause), cause, tval, epc, ModeName(from), ModeName(to), handler);
    }

    /// <summary>mret or sret returned (a trap event).</summary>
    public void Return(Hart hart, string instruction, ulong target, PrivilegeMode from, PrivilegeMode to)
    {
        lock (_sync)
        {
            if (!On(TraceEvents.Trap)) return;
            if (!_filter.AcceptsHart(hart.HartId)) return;
            Log(LogEventLevel.Information, hart.HartId, "{Instruction:l}: {From:l}->{To:l} pc=0x{Target:x16}", instruction, ModeName(from), ModeName(to), target);
        }
    }

    /// <summary>A device register access (mmio); a refused one is also a guest error.</summary>
    public void DeviceAccess(IMmioDevice device, ulong offset, int size, ulong value, bool isWrite, bool ok)
    {
        lock (_sync)
        {
            // The bus carries a store's whole source register (a byte store of 0x80 from a sign-extended
            // register arrives as 0xffff...80); the device sees, and the trace shows, only the access's width.
            if (size < 8) value &= (1UL << (8 * size)) - 1;
            if (!_filter.AcceptsHart(CurrentHart)) return;
            if (On(TraceEvents.Mmio))
            {
                Log(LogEventLevel.Information, CurrentHart, "mmio: {Device:l}+0x{Offset:x} {Register:l} {Access:l} {Size} 0x{Value:x}{Fault:l}",
                    device.Name, offset, device.RegisterName(offset) ?? "?", isWrite ? "write" : "read", size, value, ok ? "" : " (fault)");
            }
            if (!ok && On(TraceEvents.GuestErrors))
                Log(LogEventLevel.Warning, CurrentHart, "guest-error: {Device:l}+0x{Offset:x}: {Access:l} of {Size} bytes refused", device.Name, offset, isWrite ? "write" : "read", size);
        }
    }

    /// <summary>A guest mistake reported by the bus or a device model (a warning).</summary>
    public void GuestError(string message)
    {
        lock (_sync)
        {
            if (On(TraceEvents.GuestErrors) && _filter.AcceptsHart(CurrentHart)) Log(LogEventLevel.Warning, CurrentHart, "guest-error: {Message:l}", message);
        }
    }

    /// <summary>A virtio event (notify, request, interrupt) from a device model.</summary>
    public void Virtio(string device, string message)
    {
        lock (_sync)
        {
            if (!On(TraceEvents.Virtio) || !_filter.AcceptsHart(CurrentHart)) return;
            // The transport's messages already start with its name ("virtio7: notify queue 0"); say it once.
            if (message.StartsWith(device, StringComparison.Ordinal) && message.AsSpan(device.Length).StartsWith(": "))
                message = message[(device.Length + 2)..];
            Log(LogEventLevel.Information, CurrentHart, "virtio: {Device:l}: {Message:l}", device, message);
        }
    }

    /// <summary>A completed block request, with each field a structured property (Request, Sector, Length, Status).</summary>
    public void VirtioRequest(string device, string model, string request, ulong sector, ulong length, string status)
    {
        lock (_sync)
        {
            if (!On(TraceEvents.Virtio)) return;
            if (!_filter.AcceptsHart(CurrentHart)) return;
            Log(LogEventLevel.Information, CurrentHart, "virtio: {Device:l}: {Model:l}: request {Request:l} sector {Sector} length {Length} status {Status:l}",
                device, model, request, sector, length, status);
        }
    }

    /// <summary>A page-table walk and its result: the physical address, or the exception it raised.</summary>
    public void PageWalk(Hart hart, ulong va, AccessType access, PrivilegeMode mode, ulong pa, ExceptionCause? fault)
    {
        lock (_sync)
        {
            if (!On(TraceEvents.Mmu) || !_filter.AcceptsHart(hart.HartId)) return;
            if (access == AccessType.Fetch && WantsInstructions)
            {
                // For the insn line the hart reads the instruction before running it, and then fetches it again when
                // that read left nothing in its TLB (a fault, a page PMP splits): the same walk, logged once.
                var walk = (va, mode, pa, fault, hart.InstructionsRetired);
                if (walk == _lastFetchWalk) return;
                _lastFetchWalk = walk;
            }
            string accessName = access switch { AccessType.Fetch => "fetch", AccessType.Load => "load", _ => "store" };
            if (fault is { } f)
            {
                Log(LogEventLevel.Information, hart.HartId, "mmu: {Access:l} va=0x{Va:x16} as {Privilege:l} -> {CauseName:l} ({Cause})",
                    accessName, va, ModeName(mode), ExceptionName((ulong)f), (ulong)f);
            }
            else
            {
                Log(LogEventLevel.Information, hart.HartId, "mmu: {Access:l} va=0x{Va:x16} as {Privilege:l} -> pa=0x{Pa:x16}", accessName, va, ModeName(mode), pa);
            }
        }
    }

    /// <summary>Instruction bits as Spike prints them: 4 hex digits for compressed, 8 otherwise.</summary>
    private static string Bits(uint raw) => InstructionWord.IsCompressed(raw) ? $"0x{raw & 0xffff:x4}" : $"0x{raw:x8}";

    /// <summary>Exception names as the privileged spec's mcause table (3.1.15, table 3.6) words them.</summary>
    public static string ExceptionName(ulong cause) => cause switch
    {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        11 => "environment call from M-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => $"exception {cause}",
    };
}

/// <summary>SBI extension names (SBI spec v1.0, ch. 3-10), for readable traces.</summary>
public static class SbiNames
{
    /// <summary>The name of extension <paramref name="eid"/>: "BASE", "TIME"..., "legacy" for the v0.1 calls.</summary>
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
