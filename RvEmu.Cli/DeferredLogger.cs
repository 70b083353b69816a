using System.Diagnostics.CodeAnalysis;
using Serilog;
using Serilog.Events;

namespace RvEmu.Cli;

/// <summary>
/// RvEmu's diagnostic log, built on first use. Building Serilog's console pipeline costs 10-15 ms of a start-up of
/// about 150 ms, and at the default level (warning) most runs log nothing at all. Serilog's own defaults for every
/// other <see cref="ILogger"/> member check <see cref="IsEnabled"/> and bind through here, so a message below the
/// level costs a comparison and builds nothing.
/// </summary>
internal sealed class DeferredLogger(LogEventLevel minimum, Func<ILogger> build) : ILogger
{
    private ILogger? _logger;

    private ILogger Logger => _logger ??= build();

    public bool IsEnabled(LogEventLevel level) => level >= minimum;

    public void Write(LogEvent logEvent)
    {
        if (IsEnabled(logEvent.Level)) Logger.Write(logEvent);
    }

    public bool BindMessageTemplate(string messageTemplate, object?[]? propertyValues,
        [NotNullWhen(true)] out MessageTemplate? parsedTemplate, [NotNullWhen(true)] out IEnumerable<LogEventProperty>? boundProperties)
        => Logger.BindMessageTemplate(messageTemplate, propertyValues, out parsedTemplate, out boundProperties);

    public bool BindProperty(string? propertyName, object? value, bool destructureObjects, [NotNullWhen(true)] out LogEventProperty? property)
        => Logger.BindProperty(propertyName, value, destructureObjects, out property);
}
