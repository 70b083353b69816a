using System.CommandLine;
using RvEmu.Core.Cpu;
using RvEmu.Core.Tracing;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace RvEmu.Cli;

/// <summary>The trace and diagnostic-log options of <c>rvemu run</c>, and the Serilog loggers they build.</summary>
internal sealed class TraceOptions
{
    private const string LineTemplate = "{Message:lj}{NewLine}";

    public Option<string?> Trace { get; } = new("--trace") { Description = "Attach a debug trace log to FILE ('-' for stderr)", HelpName = "FILE" };
    public Option<string> Events { get; } = new("--trace-events") { Description = "What the trace records: insn,commit,trap,irq,mmio,virtio,sbi,mmu,guest-errors (or all)", HelpName = "LIST", DefaultValueFactory = _ => "trap,irq,guest-errors" };
    public Option<string> Format { get; } = new("--trace-format") { Description = "Trace format: text or json (one Serilog event per line)", HelpName = "text|json", DefaultValueFactory = _ => "text" };
    public Option<ulong?> From { get; } = new("--trace-from") { Description = "Trace from this instruction count on", HelpName = "N", CustomParser = Cli.Number<ulong>("--trace-from", "an instruction count") };
    public Option<ulong?> To { get; } = new("--trace-to") { Description = "Trace up to this instruction count", HelpName = "N", CustomParser = Cli.Number<ulong>("--trace-to", "an instruction count") };
    public Option<string?> Pc { get; } = new("--trace-pc") { Description = "Trace only instructions with pc in LO..HI", HelpName = "LO..HI" };
    public Option<string?> Mode { get; } = new("--trace-mode") { Description = "Trace only instructions in this privilege mode", HelpName = "u|s|m" };
    public Option<string?> MaxSize { get; } = new("--trace-max-size") { Description = "Rotate the trace file when it reaches SIZE (keeps the last 4 files)", HelpName = "SIZE" };
    public Option<string> LogLevel { get; } = new("--log-level") { Description = "RvEmu's own diagnostics on stderr: verbose, debug, information, warning, error", HelpName = "LEVEL", DefaultValueFactory = _ => "warning" };

    public IEnumerable<Option> All => new Option[] { Trace, Events, Format, From, To, Pc, Mode, MaxSize, LogLevel };

    /// <summary>RvEmu's diagnostic log: Serilog console sink on stderr, never mixed into the guest's stdout.</summary>
    public ILogger BuildDiagnostics(ParseResult p)
    {
        if (!Enum.TryParse<LogEventLevel>(p.GetValue(LogLevel), ignoreCase: true, out var level))
            throw new UsageException($"--log-level: '{p.GetValue(LogLevel)}' is not one of verbose, debug, information, warning, error");
        return new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: "rvemu: {Level:l}: {Message:lj}{NewLine}", standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }

    /// <summary>The trace log, or null when --trace is not given. The returned logger must be disposed to flush it.</summary>
    public TraceLog? BuildTrace(ParseResult p, out Logger? logger)
    {
        logger = null;
        string? path = p.GetValue(Trace);
        if (path is null) return null;
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
        long? cap = null;
        if (p.GetValue(MaxSize) is { } sizeText)
        {
            if (!SizeParser.TryParse(sizeText.Any(char.IsLetter) ? sizeText : sizeText + "B", out ulong bytes) || bytes == 0)
                throw new UsageException($"--trace-max-size: '{sizeText}' is not a size");
            cap = (long)bytes;
        }
        var config = new LoggerConfiguration().MinimumLevel.Verbose();
        if (path == "-")
        {
            if (json) config.WriteTo.Console(new JsonFormatter(renderMessage: true), standardErrorFromLevel: LogEventLevel.Verbose);
            else config.WriteTo.Console(outputTemplate: LineTemplate, standardErrorFromLevel: LogEventLevel.Verbose);
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
            if (json)
                config.WriteTo.File(new JsonFormatter(renderMessage: true), path, buffered: true, fileSizeLimitBytes: cap, rollOnFileSizeLimit: cap is not null, retainedFileCountLimit: 4);
            else
                config.WriteTo.File(path, outputTemplate: LineTemplate, buffered: true, fileSizeLimitBytes: cap, rollOnFileSizeLimit: cap is not null, retainedFileCountLimit: 4);
        }
        logger = config.CreateLogger();
        return new TraceLog(logger, events, filter);
    }
}
