using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using RvEmu.Core.Cpu;
using RvEmu.Core.Tracing;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;
using Serilog.Parsing;
using Serilog.Sinks.File;

namespace RvEmu.Cli;

/// <summary>The trace and diagnostic-log options of <c>rvemu run</c>, and the Serilog loggers they build.</summary>
internal sealed class TraceOptions
{
    /// <summary>Trace files kept when --trace-max-size rotates them (the current one included).</summary>
    public const int RetainedFiles = 4;

    /// <summary>Smallest --trace-max-size: room for the slack below plus a useful amount of trace.</summary>
    public const long MinimumCap = 4096;

    /// <summary>
    /// How far below the cap Serilog is asked to roll. Its file sink counts bytes only as its buffered
    /// writer flushes them (up to 1024 characters at a time) and never splits an event, so a file ends up
    /// to one writer buffer plus one event past the limit it is given; every trace event is well under 1 KiB.
    /// </summary>
    private const long CapSlack = 2048;

    public Option<string?> Trace { get; } = new("--trace") { Description = "Attach a debug trace log to FILE ('-' for stderr)", HelpName = "FILE" };
    public Option<string> Events { get; } = new("--trace-events") { Description = "What the trace records: insn,commit,trap,irq,mmio,virtio,sbi,mmu,guest-errors (or all)", HelpName = "LIST", DefaultValueFactory = _ => "trap,irq,guest-errors" };
    public Option<string> Format { get; } = new("--trace-format") { Description = "Trace format: text or json (one Serilog event per line)", HelpName = "text|json", DefaultValueFactory = _ => "text" };
    public Option<ulong?> From { get; } = new("--trace-from") { Description = "Trace instructions (insn, commit) from this count of instructions retired on", HelpName = "N", CustomParser = Cli.Number<ulong>("--trace-from", "an instruction count") };
    public Option<ulong?> To { get; } = new("--trace-to") { Description = "Trace instructions (insn, commit) up to, not including, this count of instructions retired", HelpName = "N", CustomParser = Cli.Number<ulong>("--trace-to", "an instruction count") };
    public Option<string?> Pc { get; } = new("--trace-pc") { Description = "Trace only instructions (insn, commit) with pc in LO..HI (inclusive)", HelpName = "LO..HI" };
    public Option<string?> Mode { get; } = new("--trace-mode") { Description = "Trace only instructions (insn, commit) in this privilege mode", HelpName = "u|s|m" };
    public Option<string?> Hart { get; } = new("--trace-hart") { Description = "Trace only these harts (ids, comma-separated); device events no hart caused are kept", HelpName = "N[,N...]" };
    public Option<string?> MaxSize { get; } = new("--trace-max-size") { Description = $"Keep each trace file below SIZE (at least 4K): continue in FILE_001, FILE_002... (each opening with a line naming the one before), keeping the {RetainedFiles} newest", HelpName = "SIZE" };
    public Option<string> LogLevel { get; } = new("--log-level") { Description = "RvEmu's own diagnostics on stderr: verbose, debug, information, warning, error", HelpName = "LEVEL", DefaultValueFactory = _ => "warning" };

    public IEnumerable<Option> All => new Option[] { Trace, Events, Format, From, To, Pc, Mode, Hart, MaxSize, LogLevel };

    /// <summary>RvEmu's diagnostic log: Serilog console sink on stderr, never mixed into the guest's stdout.</summary>
    public ILogger BuildDiagnostics(ParseResult p)
    {
        if (!Enum.TryParse<LogEventLevel>(p.GetValue(LogLevel), ignoreCase: true, out var level))
            throw new UsageException($"--log-level: '{p.GetValue(LogLevel)}' is not one of verbose, debug, information, warning, error");
        return new DeferredLogger(level, () => new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: "rvemu: {Level:w}: {Message:lj}{NewLine}", standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger());
    }

    /// <summary>
    /// Check every trace option and build the trace, without touching any file: the trace file is created only
    /// by <see cref="TraceOutput.Open"/>, once the machine is built, so a run that cannot start leaves it as it
    /// was. Null when --trace is not given; then every other trace option is an error, since it could not take
    /// effect.
    /// </summary>
    public TraceOutput? Prepare(ParseResult p, int harts = 1)
    {
        string? path = p.GetValue(Trace);
        if (path is null)
        {
            if (new Option[] { Events, Format, MaxSize, From, To, Pc, Mode, Hart }.FirstOrDefault(o => p.GetResult(o) is { Implicit: false }) is { } stray)
                throw new UsageException($"{stray.Name}: has no effect without --trace FILE");
            return null;
        }
        if (!TraceEventsParser.TryParse(p.GetValue(Events)!, out var events, out string? unknown))
            throw new UsageException($"--trace-events: unknown event '{unknown}' (known: {string.Join(", ", TraceEventsParser.KnownNames)})");
        bool json = p.GetValue(Format) switch
        {
            "text" => false,
            "json" => true,
            var f => throw new UsageException($"--trace-format: '{f}' is not text or json"),
        };
        var filter = new TraceFilter
        {
            From = p.GetValue(From) ?? 0,
            To = p.GetValue(To) ?? ulong.MaxValue,
            Mode = p.GetValue(Mode) switch
            {
                null => null,
                "u" or "U" => PrivilegeMode.User,
                "s" or "S" => PrivilegeMode.Supervisor,
                "m" or "M" => PrivilegeMode.Machine,
                var m => throw new UsageException($"--trace-mode: '{m}' is not u, s or m"),
            },
        };
        if (p.GetValue(Pc) is { } range)
        {
            if (!TraceFilter.TryParseRange(range, out ulong lo, out ulong hi)) throw new UsageException($"--trace-pc: '{range}' is not LO..HI");
            filter = filter with { PcLow = lo, PcHigh = hi };
        }
        if (p.GetValue(Hart) is { } hartList) filter = filter with { Harts = ParseHarts(hartList, harts) };
        long? cap = null;
        if (p.GetValue(MaxSize) is { } sizeText)
        {
            if (!SizeParser.TryParse(sizeText.Any(char.IsLetter) ? sizeText : sizeText + "B", out ulong bytes) || bytes == 0)
                throw new UsageException($"--trace-max-size: '{sizeText}' is not a size");
            if (bytes < MinimumCap || bytes > long.MaxValue)
                throw new UsageException($"--trace-max-size: {sizeText} is below the minimum of {MinimumCap / 1024}K");
            cap = (long)bytes;
        }
        return new TraceOutput(events, filter, () => CreateLogger(path, json, cap));
    }

    /// <summary>--trace-hart: "0,2" as a bit mask of hart ids, each below <paramref name="harts"/> (--smp).</summary>
    private static ulong ParseHarts(string text, int harts)
    {
        ulong mask = 0;
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), out int id) || id < 0)
                throw new UsageException($"--trace-hart: '{text}' is not a list of hart ids (example: 0,2)");
            if (id >= harts)
                throw new UsageException($"--trace-hart: hart {id} does not exist (the machine has {harts} hart{(harts == 1 ? "" : "s")}: --smp)");
            mask |= 1UL << id;
        }
        return mask;
    }

    /// <summary>The Serilog logger writing the trace to <paramref name="path"/> (created or truncated now).</summary>
    private static Logger CreateLogger(string path, bool json, long? cap)
    {
        var config = new LoggerConfiguration().MinimumLevel.Verbose();
        if (path == "-")
        {
            if (json) config.WriteTo.Console(new JsonFormatter(renderMessage: true), standardErrorFromLevel: LogEventLevel.Verbose);
            else config.WriteTo.Console(new TraceTextFormatter(), standardErrorFromLevel: LogEventLevel.Verbose);
        }
        else
        {
            try
            {
                using (File.Open(path, FileMode.Create, FileAccess.Write)) { }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
            {
                throw new UsageException($"--trace: cannot write {path}: {e.Message}");
            }
            ITextFormatter formatter = json ? new JsonFormatter(renderMessage: true) : new TraceTextFormatter();
            if (cap is { } limit)
            {
                DeleteRotatedFiles(path);
                config.WriteTo.File(formatter, path, buffered: true, fileSizeLimitBytes: limit - CapSlack, rollOnFileSizeLimit: true,
                    retainedFileCountLimit: RetainedFiles, hooks: new RotationHeader(formatter, limit));
            }
            else
            {
                config.WriteTo.File(formatter, path, buffered: true, fileSizeLimitBytes: null, hooks: new LargeWriteBuffer());
            }
        }
        return config.CreateLogger();
    }

    /// <summary>
    /// The trace of one run: <see cref="Log"/> is handed to the machine at once; its events reach the file only
    /// after <see cref="Open"/> (those from before, such as guest errors found while building the machine, are
    /// kept and written first). Dispose flushes and closes the file.
    /// </summary>
    public sealed class TraceOutput : IDisposable
    {
        private readonly DeferredSink _sink = new();
        private readonly Logger _front;
        private readonly Func<Logger> _open;
        private Logger? _file;

        public TraceOutput(TraceEvents events, TraceFilter filter, Func<Logger> open)
        {
            _open = open;
            _front = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_sink).CreateLogger();
            Log = new TraceLog(_front, events, filter);
        }

        public TraceLog Log { get; }

        /// <summary>Create the trace file and start writing; throws <see cref="UsageException"/> if it cannot be written.</summary>
        public void Open()
        {
            _file = _open();
            _sink.Attach(_file);
        }

        public void Dispose()
        {
            _sink.Attach(null);
            _front.Dispose();
            _file?.Dispose();
        }
    }

    /// <summary>Holds events until the real logger exists, then forwards them (see <see cref="TraceOutput"/>).</summary>
    private sealed class DeferredSink : ILogEventSink
    {
        /// <summary>Events kept before the file opens: building a machine reports a handful at most.</summary>
        private const int MaxEarlyEvents = 1000;

        private readonly List<LogEvent> _early = new();
        private ILogger? _target;

        public void Attach(ILogger? target)
        {
            _target = target;
            if (target is null) return;
            foreach (var e in _early) target.Write(e);
            _early.Clear();
        }

        public void Emit(LogEvent logEvent)
        {
            if (_target is { } t) t.Write(logEvent);
            else if (_early.Count < MaxEarlyEvents) _early.Add(logEvent);
        }
    }

    /// <summary>
    /// Remove FILE_001, FILE_002... left by an earlier run: Serilog's rolling sink would otherwise append
    /// to the newest of them, mixing two runs. (FILE itself was just truncated.)
    /// </summary>
    private static void DeleteRotatedFiles(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var rotated = new Regex("^" + Regex.Escape(Path.GetFileNameWithoutExtension(path)) + @"_\d{3,}" + Regex.Escape(Path.GetExtension(path)) + "$");
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            if (!rotated.IsMatch(Path.GetFileName(file))) continue;
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--trace: cannot remove {file} from an earlier run: {e.Message}");
            }
        }
    }

    /// <summary>
    /// A 1 MiB buffer between Serilog's writer and the trace file: an instruction trace writes tens of
    /// megabytes a second, and the file stream's own 4 KiB buffer would make that a system call every
    /// ~70 lines. (Not with --trace-max-size: the size count must see the bytes as they are written.)
    /// </summary>
    private sealed class LargeWriteBuffer : FileLifecycleHooks
    {
        public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding) =>
            new BufferedStream(underlyingStream, 1 << 20);
    }

    /// <summary>
    /// Opens every rotated trace file after the first with a line (an event in the trace's own format)
    /// saying where the trace comes from, so a file that starts mid-run says so.
    /// </summary>
    private sealed class RotationHeader(ITextFormatter formatter, long cap) : FileLifecycleHooks
    {
        private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
            "trace: continued from {Previous:l}, which reached the --trace-max-size cap of {Cap} bytes (the " + RetainedFiles + " newest files are kept)");

        private string? _previous;

        public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding)
        {
            if (_previous is { } previous)
            {
                var header = new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, Template, new[]
                {
                    new LogEventProperty("Previous", new ScalarValue(Path.GetFileName(previous))),
                    new LogEventProperty("Cap", new ScalarValue(cap)),
                });
                using var writer = new StreamWriter(underlyingStream, encoding, bufferSize: 1024, leaveOpen: true);
                formatter.Format(header, writer);
            }
            _previous = path;
            return underlyingStream;
        }
    }
}
