using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace RvEmu.Core.Tracing;

/// <summary>
/// The text trace format: each event as Serilog's output template <see cref="OutputTemplate"/> renders it,
/// one line per event. Trace events hold only strings and integers, which this formatter writes
/// through a stack buffer (no string per property, no writer per aligned property); any other event
/// goes to Serilog's own <see cref="MessageTemplateTextFormatter"/>, so the output is the same either way.
/// </summary>
public sealed class TraceTextFormatter : ITextFormatter
{
    /// <summary>The equivalent Serilog output template: the message, strings unquoted, then a newline.</summary>
    public const string OutputTemplate = "{Message:lj}{NewLine}";

    private const int LineBuffer = 512;
    private static readonly MessageTemplateTextFormatter Fallback = new(OutputTemplate);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        Span<char> line = stackalloc char[LineBuffer];
        if (TryRender(logEvent, line, out int length) && Append(line, ref length, Environment.NewLine))
        {
            output.Write(line[..length]);
        }
        else
        {
            Fallback.Format(logEvent, output);
        }
    }

    private static bool TryRender(LogEvent logEvent, Span<char> line, out int length)
    {
        length = 0;
        // Serilog keeps a template's tokens in an array: index it rather than allocate an enumerator per event.
        var tokens = logEvent.MessageTemplate.Tokens as MessageTemplateToken[] ?? logEvent.MessageTemplate.Tokens.ToArray();
        foreach (var token in tokens)
        {
            if (token is TextToken text)
            {
                if (!Append(line, ref length, text.Text)) return false;
                continue;
            }
            var property = (PropertyToken)token;
            if (!logEvent.Properties.TryGetValue(property.PropertyName, out var value) || value is not ScalarValue scalar) return false;
            int start = length;
            switch (scalar.Value)
            {
                case string s:
                    // ":l" writes strings as they are, without quotes.
                    if (!Append(line, ref length, s)) return false;
                    break;
                case byte or sbyte or short or ushort or int or uint or long or ulong:
                    // As ScalarValue.Render: the token's format in the invariant culture (":j" leaves integers alone).
                    if (!((ISpanFormattable)scalar.Value).TryFormat(line[length..], out int written, property.Format, CultureInfo.InvariantCulture))
                        return false;
                    length += written;
                    break;
                default:
                    return false;
            }
            if (property.Alignment is { } alignment && !Pad(line, start, ref length, alignment)) return false;
        }
        return true;
    }

    private static bool Append(Span<char> line, ref int length, string text)
    {
        if (!text.AsSpan().TryCopyTo(line[length..])) return false;
        length += text.Length;
        return true;
    }

    /// <summary>Pad the value written at line[start..length] to the alignment's width, as Serilog's Padding does.</summary>
    private static bool Pad(Span<char> line, int start, ref int length, Alignment alignment)
    {
        int pad = alignment.Width - (length - start);
        if (pad <= 0) return true;
        if (length + pad > line.Length) return false;
        if (alignment.Direction == AlignmentDirection.Right)
        {
            line[start..length].CopyTo(line[(start + pad)..]);
            line.Slice(start, pad).Fill(' ');
        }
        else
        {
            line.Slice(length, pad).Fill(' ');
        }
        length += pad;
        return true;
    }
}
