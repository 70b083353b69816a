using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using RvEmu.Core.Cpu;
using RvEmu.Core.Debug;
using RvEmu.Core.Tracing;

namespace RvEmu.Devices.Machine;

/// <summary>
/// The run loop under a GDB remote-protocol debugger (<c>--gdb</c>), all-stop as QEMU's gdbstub: when one
/// hart stops (breakpoint, step, Ctrl-C) every hart stops. Everything happens on the calling thread: the
/// harts run round-robin in chunks (one instruction at a time while breakpoints are set, so a breakpoint
/// stops before the instruction runs), devices are polled between turns, and packets are read and answered
/// there, so the debugger never races a running hart. Each hart is a GDB thread (id = hart id + 1).
/// </summary>
/// <remarks>
/// Registers follow GDB's RISC-V numbering (gdb/riscv-tdep.h): x0-x31 are 0-31, pc 32, f0-f31 33-64, a CSR
/// is 65 + its number (fflags 66, frm 67, fcsr 68), and the privilege level is 65 + 4096. Memory goes through
/// the selected hart's translation without side effects (<see cref="Hart.ReadForDebugger"/>); device
/// registers are not read, so looking never changes a device. Breakpoints (Z0 and Z1 alike) are kept in a
/// set of virtual addresses compared with the pc, not written into guest memory.
/// </remarks>
public sealed partial class VirtMachine
{
    private Socket? _gdb;
    private readonly List<byte> _gdbInput = new();
    private readonly HashSet<ulong> _breakpoints = new();
    /// <summary>Watchpoints (Z2 write, Z3 read, Z4 access): virtual address ranges and the kind each watches.</summary>
    private readonly List<(ulong Address, ulong Length, char Kind)> _watchpoints = new();
    private int _gdbHart;            // Hg: registers and memory
    private int _stepHart = -1;      // the hart a step command runs, or -1 when continuing
    private bool[] _resumed = Array.Empty<bool>(); // harts a continue lets run (vCont;c:TID leaves the others stopped)
    private bool _gdbStopped;
    private TraceEvents _traceEventsAtStart;

    /// <summary>Run with a debugger listening on <paramref name="listener"/>; with <paramref name="waitForDebugger"/> the harts start stopped (QEMU's -S).</summary>
    public RunResult RunUnderDebugger(TcpListener listener, bool waitForDebugger)
    {
        var started = Stopwatch.StartNew();
        _outcome = null;
        _stepsTaken = 0;
        _stepLimit = (long)Math.Min(_options.MaxInstructions ?? long.MaxValue, long.MaxValue);
        TimeSpan timeout = _options.Timeout ?? TimeSpan.MaxValue;
        _traceEventsAtStart = _options.Trace?.Events ?? TraceEvents.None;
        _resumed = Enumerable.Repeat(true, Harts.Count).ToArray();
        // GDB steps, breakpoints and watchpoints see every instruction: the interpreter runs the guest.
        foreach (var h in Harts) h.Jit = null;
        if (waitForDebugger)
        {
            _gdb = listener.AcceptSocket();
            _gdbStopped = true;
        }
        try
        {
            while (_outcome is null)
            {
                if (_gdb is null && listener.Pending())
                {
                    _gdb = listener.AcceptSocket();
                    _gdbStopped = true; // GDB attaches to a stopped target; its '?' asks why
                }
                if (_gdb is not null && !ServeDebugger())
                {
                    // Detached or gone: the guest runs on, every hart, without the debugger's breakpoints.
                    _gdb?.Dispose();
                    _gdb = null;
                    _gdbInput.Clear(); // a partial packet of the old connection must not prefix the next one's
                    _gdbStopped = false;
                    _stepHart = -1;
                    _resumed = Enumerable.Repeat(true, Harts.Count).ToArray();
                    _breakpoints.Clear();
                    _watchpoints.Clear();
                }
                if (_outcome is not null) break;
                if (_gdbStopped) continue;
                RunDebuggedTurn();
                if (_stopRequested) SetOutcome(ExitReason.HostStop, _stopCode, _stopMessage);
                else if (started.Elapsed >= timeout) SetOutcome(ExitReason.Timeout, 124, TimeoutMessage(timeout));
                if (_resetRequested) ResetNow();
            }
            // Tell GDB how the program ended (W: exited with a code; X: killed by a signal).
            if (_gdb is not null) Send(_outcome!.Reason == ExitReason.GuestExit ? $"W{_outcome.ExitCode & 0xff:x2}" : "X09");
        }
        finally
        {
            _gdb?.Dispose();
            _gdb = null;
        }
        var o = _outcome!;
        return new RunResult(o.Reason, o.ExitCode, o.Message, _retiredBeforeReset + TotalRetired, started.Elapsed);
    }

    /// <summary>One round of the harts: a step, or a chunk each (instruction by instruction while breakpoints are set).</summary>
    private void RunDebuggedTurn()
    {
        bool anyAwake = false;
        foreach (var hart in Harts)
        {
            if (_stepHart >= 0 && hart.HartId != _stepHart) continue;
            if (_stepHart < 0 && !_resumed[hart.HartId]) continue;
            if (hart.WaitingForInterrupt)
            {
                hart.UpdateSstc();
                if (!hart.InterruptWakesWfi) continue;
                hart.Wake();
            }
            anyAwake = true;
            TraceLog.CurrentHart = hart.HartId;
            if (_stepHart >= 0)
            {
                _stepsTaken += hart.Run(1);
                _stepHart = -1;
                StopForDebugger(hart.HartId, 5);
            }
            else if (_breakpoints.Count == 0 && _watchpoints.Count == 0)
            {
                _stepsTaken += hart.Run(Math.Min(ChunkSize, _stepLimit - _stepsTaken));
            }
            else
            {
                for (int i = 0; i < ChunkSize && !_gdbStopped && _outcome is null; i++)
                {
                    if (_breakpoints.Contains(hart.Pc)) { StopForDebugger(hart.HartId, 5); break; }
                    var access = _watchpoints.Count > 0 ? DataAccessAt(hart) : default;
                    ulong retired = hart.InstructionsRetired;
                    _stepsTaken += hart.Run(1);
                    if (access.Size > 0 && hart.InstructionsRetired != retired && WatchHit(access) is { } hit)
                    {
                        StopForDebugger(hart.HartId, 5, hit);
                        break;
                    }
                    if (hart.WaitingForInterrupt) break;
                }
            }
            TraceLog.CurrentHart = -1;
            PollDevices(andHarts: true);
            if (_stepsTaken >= _stepLimit) SetOutcome(ExitReason.InstructionLimit, 124, LimitMessage);
            if (_outcome is not null || _gdbStopped) return;
        }
        if (!anyAwake)
        {
            // Every hart waits: sleep until a device deadline or host input, briefly, so Ctrl-C from GDB is seen.
            ulong deadline = PollDevices(andHarts: true);
            foreach (var h in Harts) deadline = Math.Min(deadline, h.NextTimerDeadline);
            if (Timer.Deterministic) { if (deadline != ulong.MaxValue) Timer.SkipTo(deadline); else Thread.Sleep(10); }
            else
            {
                var wait = Timer.Until(deadline);
                _hostEvent.WaitOne(wait > TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : wait);
            }
        }
    }

    private int _stopSignal = 5;

    private string _stopDetail = "";

    private void StopForDebugger(int hartId, int signal, string detail = "")
    {
        _gdbStopped = true;
        _gdbHart = hartId;
        _stopSignal = signal;
        _stopDetail = detail;
        if (_gdb is not null) Send(StopReply());
    }

    /// <summary>The stop reply: signal, thread, and for a watchpoint "watch:ADDR;" (rwatch, awatch) as GDB expects.</summary>
    private string StopReply() => $"T{_stopSignal:x2}thread:{_gdbHart + 1:x};{_stopDetail}";

    /// <summary>The data access the instruction at the hart's pc will make (see <see cref="Hart.TryGetDataAccess"/>).</summary>
    private static (ulong Address, int Size, bool Reads, bool Writes) DataAccessAt(Hart hart) =>
        hart.TryGetDataAccess(out ulong address, out int size, out bool reads, out bool writes) ? (address, size, reads, writes) : default;

    /// <summary>The stop detail for the first watchpoint the access triggers, or null.</summary>
    private string? WatchHit((ulong Address, int Size, bool Reads, bool Writes) a)
    {
        foreach (var (address, length, kind) in _watchpoints)
        {
            bool overlaps = a.Address < address + length && address < a.Address + (ulong)a.Size;
            if (!overlaps) continue;
            if (kind == '2' && a.Writes) return $"watch:{address:x};";
            if (kind == '3' && a.Reads) return $"rwatch:{address:x};";
            if (kind == '4') return $"awatch:{address:x};";
        }
        return null;
    }

    /// <summary>Read what the debugger sent and answer it. While stopped, block until a resume; while running, only look. False when GDB went away.</summary>
    private bool ServeDebugger()
    {
        var socket = _gdb!;
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                // Handle every complete item already received.
                while (true)
                {
                    var input = _gdbInput.ToArray();
                    var r = GdbPacket.Next(input, out int consumed, out byte[] payload);
                    if (r == GdbPacket.Result.Incomplete) break;
                    _gdbInput.RemoveRange(0, consumed);
                    switch (r)
                    {
                        case GdbPacket.Result.Interrupt:
                            if (!_gdbStopped) StopForDebugger(_gdbHart, 2);
                            break;
                        case GdbPacket.Result.BadChecksum:
                        case GdbPacket.Result.TooLong:
                            socket.Send("-"u8);
                            break;
                        case GdbPacket.Result.Packet:
                            socket.Send("+"u8);
                            if (!HandlePacket(Encoding.Latin1.GetString(payload), payload)) return false;
                            break;
                    }
                }
                if (!_gdbStopped || _outcome is not null)
                {
                    // Only look: readable means data, or a connection that closed (then Receive gives 0 or
                    // throws). Available alone stays 0 for a closed connection, so a debugger that went away
                    // while the guest ran was never noticed, and no other could attach.
                    if (!socket.Poll(0, SelectMode.SelectRead)) return true;
                }
                else if (!socket.Poll(TimeSpan.FromMilliseconds(50), SelectMode.SelectRead))
                {
                    if (_stopRequested) { SetOutcome(ExitReason.HostStop, _stopCode, _stopMessage); return true; }
                    continue;
                }
                int n = socket.Receive(buffer);
                if (n == 0) return false; // GDB closed the connection: the guest goes on
                _gdbInput.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Send(string payload)
    {
        try { _gdb?.Send(GdbPacket.Frame(payload)); }
        catch (SocketException) { }
    }

    private Hart DebugHart => Harts[Math.Clamp(_gdbHart, 0, Harts.Count - 1)];

    /// <summary>One packet. False to drop the connection (detach, kill).</summary>
    private bool HandlePacket(string p, byte[] raw)
    {
        if (p.Length == 0) { Send(""); return true; }
        switch (p[0])
        {
            case '?': Send(StopReply()); return true;
            case 'g':
            {
                var sb = new StringBuilder();
                for (int i = 0; i < 32; i++) sb.Append(GdbPacket.HexLe(DebugHart.GetX(i)));
                sb.Append(GdbPacket.HexLe(DebugHart.Pc));
                Send(sb.ToString());
                return true;
            }
            case 'G':
            {
                string hex = p[1..];
                if (hex.Length < 33 * 16) { Send("E01"); return true; }
                for (int i = 1; i < 32; i++) { GdbPacket.TryParseHexLe(hex.Substring(16 * i, 16), out ulong v); DebugHart.SetX(i, v); }
                GdbPacket.TryParseHexLe(hex.Substring(32 * 16, 16), out ulong pc);
                DebugHart.Pc = pc;
                Send("OK");
                return true;
            }
            case 'p':
            {
                int regnum = Convert.ToInt32(p[1..], 16);
                Send(TryReadRegister(regnum, out ulong value) ? GdbPacket.HexLe(value, RegisterBytes(regnum)) : "E01");
            }
                return true;
            case 'P':
            {
                int eq = p.IndexOf('=');
                bool ok = eq > 1 && GdbPacket.TryParseHexLe(p[(eq + 1)..], out ulong v) && TryWriteRegister(Convert.ToInt32(p[1..eq], 16), v);
                Send(ok ? "OK" : "E01");
                return true;
            }
            case 'm':
            {
                if (!TryAddressLength(p[1..], out ulong address, out int length)) { Send("E01"); return true; }
                var bytes = new byte[length];
                Send(DebugHart.ReadForDebugger(address, bytes) ? Convert.ToHexStringLower(bytes) : "E14");
                return true;
            }
            case 'M':
            {
                int colon = p.IndexOf(':');
                if (colon < 0 || !TryAddressLength(p[1..colon], out ulong address, out int length) || p.Length - colon - 1 != 2 * length) { Send("E01"); return true; }
                Send(DebugHart.WriteForDebugger(address, Convert.FromHexString(p[(colon + 1)..])) ? "OK" : "E14");
                return true;
            }
            case 'X':
            {
                int colon = Array.IndexOf(raw, (byte)':');
                if (colon < 0 || !TryAddressLength(p[1..colon], out ulong address, out int length) || raw.Length - colon - 1 != length) { Send("E01"); return true; }
                Send(DebugHart.WriteForDebugger(address, raw.AsSpan(colon + 1)) ? "OK" : "E14");
                return true;
            }
            case 'Z':
            case 'z':
            {
                // Z0/Z1 breakpoint (type,addr,kind), Z2/Z3/Z4 write/read/access watchpoint (type,addr,length).
                var parts = p[1..].Split(',');
                if (parts.Length < 3 || parts[0].Length != 1 || parts[0][0] is < '0' or > '4'
                    || !ulong.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out ulong address)
                    || !ulong.TryParse(parts[2].Split(';')[0], System.Globalization.NumberStyles.HexNumber, null, out ulong length))
                {
                    Send("E01");
                    return true;
                }
                char type = parts[0][0];
                if (type is '0' or '1')
                {
                    if (p[0] == 'Z') _breakpoints.Add(address); else _breakpoints.Remove(address);
                }
                else if (p[0] == 'Z') _watchpoints.Add((address, Math.Max(length, 1), type));
                else _watchpoints.Remove((address, Math.Max(length, 1), type));
                Send("OK");
                return true;
            }
            case 'c':
                _resumed = Enumerable.Repeat(true, Harts.Count).ToArray();
                Resume(-1, p);
                return true;
            case 's':
                Resume(_gdbHart, p);
                return true;
            case 'H':
            {
                // Hg / Hc with a thread id: 0 or -1 mean "any"/"all", which keep the current hart.
                if (p.Length > 2 && int.TryParse(p[2..], System.Globalization.NumberStyles.HexNumber, null, out int t) && t > 0 && t <= Harts.Count)
                    _gdbHart = t - 1;
                Send("OK");
                return true;
            }
            case 'T':
            {
                bool alive = int.TryParse(p[1..], System.Globalization.NumberStyles.HexNumber, null, out int t) && t > 0 && t <= Harts.Count;
                Send(alive ? "OK" : "E01");
                return true;
            }
            case 'D':
                Send("OK");
                _breakpoints.Clear();
                _watchpoints.Clear();
                return false;
            case 'k':
                SetOutcome(ExitReason.HostStop, 137, "killed by the debugger");
                return false;
            case 'v':
                if (p == "vCont?") { Send("vCont;c;C;s;S"); return true; }
                if (p.StartsWith("vCont;", StringComparison.Ordinal))
                {
                    // Each hart takes the first action that applies to it ("s:2", or "c" for every thread);
                    // a hart no action applies to stays stopped. One stepping hart is supported, as GDB uses.
                    var resumed = new bool[Harts.Count];
                    var decided = new bool[Harts.Count];
                    int step = -1;
                    foreach (string action in p[6..].Split(';', StringSplitOptions.RemoveEmptyEntries))
                    {
                        int colon = action.IndexOf(':');
                        int thread = colon > 0 && int.TryParse(action[(colon + 1)..], System.Globalization.NumberStyles.HexNumber, null, out int t) ? t : -1;
                        for (int h = 0; h < Harts.Count; h++)
                        {
                            if (decided[h] || (thread > 0 && thread - 1 != h)) continue;
                            decided[h] = true;
                            if (action[0] is 's' or 'S') { if (step < 0) step = h; }
                            else if (action[0] is 'c' or 'C') resumed[h] = true;
                        }
                    }
                    _resumed = resumed;
                    Resume(step, "");
                    return true;
                }
                Send("");
                return true;
            case 'q':
                HandleQuery(p);
                return true;
            default:
                Send("");
                return true;
        }
    }

    private void Resume(int stepHart, string packet)
    {
        // "c ADDR" / "s ADDR" resume at ADDR.
        if (packet.Length > 1 && packet[0] is 'c' or 's' && ulong.TryParse(packet[1..], System.Globalization.NumberStyles.HexNumber, null, out ulong at))
            DebugHart.Pc = at;
        _stepHart = stepHart;
        _gdbStopped = false;
    }

    private void HandleQuery(string p)
    {
        if (p.StartsWith("qSupported", StringComparison.Ordinal)) Send($"PacketSize={GdbPacket.MaxPayload:x};qXfer:features:read+;vContSupported+;swbreak+;hwbreak+");
        else if (p == "qAttached") Send("1");
        else if (p == "qC") Send($"QC{_gdbHart + 1:x}");
        else if (p == "qfThreadInfo") Send("m" + string.Join(",", Harts.Select(h => (h.HartId + 1).ToString("x"))));
        else if (p == "qsThreadInfo") Send("l");
        else if (p.StartsWith("qThreadExtraInfo,", StringComparison.Ordinal))
        {
            int t = Convert.ToInt32(p[17..], 16) - 1;
            string text = t >= 0 && t < Harts.Count ? $"hart {t}, {Harts[t].Mode}-mode" : "unknown";
            Send(Convert.ToHexStringLower(Encoding.ASCII.GetBytes(text)));
        }
        else if (p == "qSymbol::") Send("OK");
        else if (p.StartsWith("qRcmd,", StringComparison.Ordinal))
        {
            // monitor COMMAND: output as "O" packets (hex text), then OK.
            string command;
            try { command = Encoding.ASCII.GetString(Convert.FromHexString(p[6..])).Trim(); }
            catch (FormatException) { Send("E01"); return; }
            string text = Monitor(command);
            for (int i = 0; i < text.Length; i += 1000)
                Send("O" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(text.Substring(i, Math.Min(1000, text.Length - i)))));
            Send("OK");
        }
        else if (p.StartsWith(XferTargetXml, StringComparison.Ordinal))
        {
            // qXfer:features:read:ANNEX:OFFSET,LENGTH → "m" + part, or "l" + the last part.
            if (!TryAddressLength(p[XferTargetXml.Length..], out ulong offset, out int length)) { Send("E01"); return; }
            _targetXml ??= TargetXml();
            int start = (int)Math.Min(offset, (ulong)_targetXml.Length);
            int count = Math.Min(length, _targetXml.Length - start);
            Send((start + count >= _targetXml.Length ? "l" : "m") + _targetXml.Substring(start, count));
        }
        else Send("");
    }

    /// <summary>GDB's <c>monitor</c> commands.</summary>
    private string Monitor(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words.FirstOrDefault())
        {
            case null or "help":
                return "monitor help                this list\n" +
                       "monitor harts               every hart: pc, privilege mode, WFI\n" +
                       "monitor pagetable           the selected hart's Sv39 mappings (also: info mem)\n" +
                       "monitor trace on [EVENTS]   record EVENTS (default: the --trace-events given) in the --trace log\n" +
                       "monitor trace off           stop recording\n";
            case "harts":
                return string.Concat(Harts.Select(h => $"hart {h.HartId}: pc 0x{h.Pc:x16} {h.Mode}-mode{(h.WaitingForInterrupt ? " (wfi)" : "")}{(h.HartId == _gdbHart ? " *" : "")}\n"));
            case "pagetable":
            case "info" when words.Length > 1 && words[1] == "mem":
                return PageTableDump(DebugHart);
            case "trace":
                if (_options.Trace is not { } trace) return "no trace log: start rvemu with --trace FILE\n";
                if (words.Length < 2 || words[1] is not ("on" or "off")) return "usage: monitor trace on [EVENTS] | monitor trace off\n";
                if (words[1] == "off")
                {
                    trace.Events = TraceEvents.None;
                    return "trace off\n";
                }
                var events = _traceEventsAtStart;
                if (words.Length > 2 && !TraceEventsParser.TryParse(words[2], out events, out string? unknown))
                    return $"unknown trace event '{unknown}' (known: {string.Join(", ", TraceEventsParser.KnownNames)})\n";
                trace.Events = events;
                return $"trace on: {events}\n";
            default:
                return $"unknown monitor command '{command}': try 'monitor help'\n";
        }
    }

    /// <summary>The Sv39 leaves of <paramref name="hart"/>'s table, contiguous runs with equal permissions merged.</summary>
    private static string PageTableDump(Hart hart)
    {
        hart.TryReadCsrAsDebugger(0x180, out ulong satp);
        if (satp >> 60 != 8) return $"satp 0x{satp:x16}: no translation (Bare)\n";
        var sb = new StringBuilder($"satp 0x{satp:x16}: Sv39, root table at 0x{(satp & ((1UL << 44) - 1)) << 12:x}\n");
        (ulong Va, ulong Pa, ulong Size, ulong Flags)? run = null;
        void Flush()
        {
            if (run is not { } r) return;
            ulong f = r.Flags;
            string perms = string.Concat((f & 2) != 0 ? "r" : "-", (f & 4) != 0 ? "w" : "-", (f & 8) != 0 ? "x" : "-",
                (f & 16) != 0 ? "u" : "-", (f & 32) != 0 ? "g" : "-", (f & 64) != 0 ? "a" : "-", (f & 128) != 0 ? "d" : "-");
            sb.Append($"0x{r.Va:x16}-0x{r.Va + r.Size - 1:x16} -> 0x{r.Pa:x}-0x{r.Pa + r.Size - 1:x} {perms}\n");
            run = null;
        }
        void Walk(ulong table, int level, ulong vaBase)
        {
            for (ulong i = 0; i < 512; i++)
            {
                ulong pte = ReadPhysical64(hart, table + i * 8);
                ulong va = vaBase | i << (12 + 9 * level);
                if (level == 2 && (va & (1UL << 38)) != 0) va |= 0xffff_ff80_0000_0000; // sign-extend bit 38
                if ((pte & 1) == 0) { Flush(); continue; }
                ulong pa = ((pte >> 10) & ((1UL << 44) - 1)) << 12;
                if ((pte & 0xe) == 0)
                {
                    if (level > 0) Walk(pa, level - 1, va);
                    continue;
                }
                ulong size = 1UL << (12 + 9 * level), flags = pte & 0xfe;
                if (run is { } r && r.Va + r.Size == va && r.Pa + r.Size == pa && r.Flags == flags) run = (r.Va, r.Pa, r.Size + size, flags);
                else { Flush(); run = (va, pa, size, flags); }
            }
        }
        Walk(satp << 12 & (((1UL << 44) - 1) << 12), 2, 0);
        Flush();
        return sb.ToString();
    }

    private static ulong ReadPhysical64(Hart hart, ulong pa)
    {
        var mem = hart.Bus.FindMemory(pa);
        return mem is not null && mem.Contains(pa, 8) ? BitConverter.ToUInt64(mem.AsSpan(pa, 8)) : 0;
    }

    private string? _targetXml;
    private const string XferTargetXml = "qXfer:features:read:target.xml:";

    /// <summary>
    /// The target description (GDB manual, "Target Descriptions"; features as gdb/features/riscv): the integer
    /// registers and pc, the FP registers with fflags/frm/fcsr, every CSR this hart implements under its name,
    /// and the privilege level as QEMU exposes it (org.gnu.gdb.riscv.virtual, "priv").
    /// </summary>
    private string TargetXml()
    {
        var x = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\"><target version=\"1.0\"><architecture>riscv:rv64</architecture>");
        x.Append("<feature name=\"org.gnu.gdb.riscv.cpu\">");
        for (int i = 0; i < 32; i++)
            x.Append($"<reg name=\"{(i == 8 ? "fp" : Core.Isa.RegisterNames.X(i))}\" bitsize=\"64\" type=\"{(i == 1 ? "code_ptr" : i is 2 or 3 or 8 ? "data_ptr" : "int")}\" regnum=\"{i}\"/>");
        x.Append("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/></feature>");
        x.Append("<feature name=\"org.gnu.gdb.riscv.fpu\">");
        for (int i = 0; i < 32; i++) x.Append($"<reg name=\"{Core.Isa.RegisterNames.F(i)}\" bitsize=\"64\" type=\"ieee_double\" regnum=\"{33 + i}\"/>");
        x.Append("<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\"/><reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"67\"/>");
        x.Append("<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/></feature>");
        x.Append("<feature name=\"org.gnu.gdb.riscv.csr\">");
        var h = Harts[0];
        for (int csr = 4; csr < 4096; csr++)
        {
            string name = Core.Isa.CsrNames.Name(csr);
            if (name.StartsWith("0x", StringComparison.Ordinal) || !h.TryReadCsrAsDebugger(csr, out _)) continue;
            x.Append($"<reg name=\"{name}\" bitsize=\"64\" type=\"int\" regnum=\"{65 + csr}\" save-restore=\"no\" group=\"system\"/>");
        }
        x.Append("</feature><feature name=\"org.gnu.gdb.riscv.virtual\"><reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\" group=\"system\"/></feature></target>");
        return x.ToString();
    }

    /// <summary>Bytes GDB expects for a register: the FP CSRs are 32 bits in the description, the rest 64.</summary>
    private static int RegisterBytes(int regnum) => regnum is 66 or 67 or 68 ? 4 : 8;

    private static bool TryAddressLength(string text, out ulong address, out int length)
    {
        address = 0;
        length = 0;
        var parts = text.Split(',');
        return parts.Length == 2 && ulong.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out address)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out length) && length is >= 0 and <= GdbPacket.MaxPayload / 2;
    }

    /// <summary>GDB's RISC-V register numbers (see the remarks above).</summary>
    private bool TryReadRegister(int regnum, out ulong value)
    {
        var h = DebugHart;
        value = 0;
        if (regnum is >= 0 and < 32) { value = h.GetX(regnum); return true; }
        if (regnum == 32) { value = h.Pc; return true; }
        if (regnum is >= 33 and < 65) { value = h.GetF(regnum - 33); return true; }
        if (regnum == 65 + 4096) { value = (ulong)h.Mode; return true; }
        if (regnum is >= 65 and < 65 + 4096) return h.TryReadCsrAsDebugger(regnum - 65, out value);
        return false;
    }

    private bool TryWriteRegister(int regnum, ulong value)
    {
        var h = DebugHart;
        if (regnum is >= 0 and < 32) { h.SetX(regnum, value); return true; }
        if (regnum == 32) { h.Pc = value; return true; }
        if (regnum is >= 33 and < 65) { h.SetF(regnum - 33, value); return true; }
        if (regnum is >= 65 and < 65 + 4096) return h.TryWriteCsrAsDebugger(regnum - 65, value);
        return false;
    }
}
