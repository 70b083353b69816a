using RvEmu.Core.Tracing;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// <see cref="TraceTextFormatter"/> must write exactly what Serilog's output template "{Message:lj}{NewLine}"
/// writes (every trace test checks this for the real events); here, the cases it hands back to Serilog.
/// </summary>
[TestFixture]
public sealed class TraceTextFormatterTests
{
    private static (string Fast, string Reference) Render(string template, params object?[] values)
    {
        var sink = new List<LogEvent>();
        using (var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new ListSink(sink)).CreateLogger())
            log.Information(template, values);
        var fast = new StringWriter();
        var reference = new StringWriter();
        new TraceTextFormatter().Format(sink[0], fast);
        new MessageTemplateTextFormatter(TraceTextFormatter.OutputTemplate).Format(sink[0], reference);
        return (fast.ToString(), reference.ToString());
    }

    private sealed class ListSink(List<LogEvent> events) : Serilog.Core.ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Add(logEvent);
    }

    [TestCase("core {Hart,3}: {Mode} 0x{Pc:x16}", 0, 3, 0x8000_0000UL)]
    [TestCase("{Name,-6}|{Value,8:x}|", "ab", 255, null)]
    [TestCase("{Name,2}", "longer than the width", null, null)]
    [TestCase("{Negative} {Small:x2}", -5L, (byte)7, null)]
    public void StringsAndIntegers_WithFormatsAndAlignment(string template, object? a, object? b, object? c)
    {
        var (fast, reference) = Render(template, a, b, c);
        Assert.That(fast, Is.EqualTo(reference));
    }

    [Test]
    public void OtherValues_FallBackToSerilog()
    {
        (string, string)[] cases =
        {
            Render("{Flag} {Ratio:0.00}", true, 2.5),
            Render("{@Point}", new { X = 1, Y = 2 }),
            Render("{List}", new[] { 1, 2, 3 }),
            Render("{Missing} {Present}", "only one"),
            Render("{Nothing}", (object?)null),
            Render("{Long}", new string('x', 2000)),
        };
        foreach (var (fast, reference) in cases)
            Assert.That(fast, Is.EqualTo(reference));
        Assert.That(cases[5].Item1, Has.Length.EqualTo(2000 + Environment.NewLine.Length), "a line longer than the stack buffer is written whole");
    }
}
