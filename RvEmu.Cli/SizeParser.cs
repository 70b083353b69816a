using System.Globalization;

namespace RvEmu.Cli;

/// <summary>Parses sizes as QEMU's -m does: a bare number is MiB; K, M, G, T suffixes (optionally "iB" or "B") are powers of 1024.</summary>
internal static class SizeParser
{
    public static bool TryParse(string text, out ulong bytes)
    {
        bytes = 0;
        string s = text.Trim();
        if (s.Length == 0) return false;
        int end = 0;
        while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
        if (end == 0 || !ulong.TryParse(s.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)) return false;
        string suffix = s[end..].Trim().ToUpperInvariant();
        if (suffix.EndsWith("IB")) suffix = suffix[..^2];
        else if (suffix.EndsWith('B') && suffix.Length == 2) suffix = suffix[..^1];
        int shift = suffix switch { "" => 20, "K" => 10, "M" => 20, "G" => 30, "T" => 40, "B" => 0, _ => -1 };
        if (shift < 0) return false;
        if (n > (ulong.MaxValue >> shift)) return false;
        bytes = n << shift;
        return true;
    }
}
