using System.Text.Json;
using RvEmu.Core.Cpu;
using RvEmu.Core.Tracing;
using RvEmu.Devices.Machine;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace RvEmu.Tests.Tracing;

/// <summary>An in-memory Serilog sink: each event rendered by a formatter, kept as one string without its newline.</summary>
internal sealed class RenderedLinesSink(ITextFormatter formatter) : ILogEventSink
{
    private readonly List<string> _rendered = new();

    /// <summary>Each event's text without its final newline (checked here: Serilog swallows exceptions thrown by sinks).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            Assert.That(_rendered, Has.All.EndWith(Environment.NewLine), "every event ends its line");
            Assert.That(_rendered.Select(r => r[..^Environment.NewLine.Length]), Has.None.Contain('\n'), "one event, one line");
            return _rendered.Select(r => r[..^Environment.NewLine.Length]).ToList();
        }
    }

    public void Emit(LogEvent logEvent)
    {
        var writer = new StringWriter();
        formatter.Format(logEvent, writer);
        _rendered.Add(writer.ToString());
    }
}

/// <summary>
/// A trace log whose events go to three in-memory sinks: text as Serilog's own output template renders
/// it (the reference), text as RvEmu's <see cref="TraceTextFormatter"/> renders it (what --trace writes),
/// and JSON as <c>--trace-format json</c> writes it.
/// </summary>
internal sealed class TraceCapture : IDisposable
{
    private readonly RenderedLinesSink _serilogText = new(new MessageTemplateTextFormatter(TraceTextFormatter.OutputTemplate));
    private readonly RenderedLinesSink _traceText = new(new TraceTextFormatter());
    private readonly RenderedLinesSink _json = new(new JsonFormatter(renderMessage: true));
    private readonly Logger _logger;

    public TraceCapture(TraceEvents events, TraceFilter? filter = null)
    {
        _logger = new LoggerConfiguration().MinimumLevel.Verbose()
            .WriteTo.Sink(_serilogText).WriteTo.Sink(_traceText).WriteTo.Sink(_json).CreateLogger();
        Log = new TraceLog(_logger, events, filter);
    }

    public TraceLog Log { get; }

    /// <summary>The text lines (checked to be the same from both text formatters).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            Assert.That(_traceText.Lines, Is.EqualTo(_serilogText.Lines), "TraceTextFormatter renders as Serilog's {Message:lj}{NewLine}");
            return _serilogText.Lines;
        }
    }

    /// <summary>Every event as a parsed JSON object, in order.</summary>
    public IReadOnlyList<JsonElement> Json => _json.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>The JSON events whose rendered message starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<JsonElement> JsonStartingWith(string prefix) =>
        Json.Where(e => e.GetProperty("RenderedMessage").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    /// <summary>Run a virt machine with this trace attached; returns how it ended.</summary>
    public RunResult RunMachine(MachineOptions options)
    {
        options.Trace = Log;
        using var machine = VirtMachine.Create(options);
        var result = machine.Run();
        Symbols = machine.KernelSymbols;
        return result;
    }

    /// <summary>Symbols of the kernel of the last <see cref="RunMachine"/>.</summary>
    public IReadOnlyDictionary<string, ulong> Symbols { get; private set; } = new Dictionary<string, ulong>();

    public void Dispose() => _logger.Dispose();
}

/// <summary>Pieces of a Spike-style instruction or commit line: "core   0: 3 0x0000000080000000 (0x00000297) ...".</summary>
internal readonly record struct CoreLine(int Hart, PrivilegeMode Mode, ulong Pc, string Bits, string Rest)
{
    public static bool TryParse(string line, out CoreLine parsed)
    {
        parsed = default;
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^core +(\d+): (\d) 0x([0-9a-f]{16}) \((0x[0-9a-f]+)\)(.*)$");
        if (!m.Success) return false;
        parsed = new CoreLine(int.Parse(m.Groups[1].Value), (PrivilegeMode)int.Parse(m.Groups[2].Value),
            Convert.ToUInt64(m.Groups[3].Value, 16), m.Groups[4].Value, m.Groups[5].Value);
        return true;
    }
}
