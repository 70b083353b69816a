using System.Text;

namespace RvEmu.Core.Debug;

/// <summary>
/// The GDB remote serial protocol's framing (GDB manual, "Overview" of Remote Protocol): <c>$payload#cc</c>
/// with a two-digit hex checksum (sum of the payload bytes mod 256), '}' escaping ('}' then the byte XOR
/// 0x20) for '#', '$', '}' and '*' in binary data, and run-length encoding ('*' and a count character)
/// in replies. Pure functions, so every malformed case is unit-tested.
/// </summary>
public static class GdbPacket
{
    /// <summary>Longest packet accepted (and announced in qSupported as PacketSize).</summary>
    public const int MaxPayload = 0x4000;

    public enum Result { Incomplete, Packet, BadChecksum, Interrupt, Ack, Nack, TooLong, Noise }

    /// <summary>
    /// Look for the next item at the start of <paramref name="input"/>: a packet, a Ctrl-C (0x03), an ack
    /// ('+') or nack ('-'). <paramref name="consumed"/> is how many bytes the item (or the noise before a
    /// '$') took; <paramref name="payload"/> holds a packet's unescaped payload.
    /// </summary>
    public static Result Next(ReadOnlySpan<byte> input, out int consumed, out byte[] payload)
    {
        payload = Array.Empty<byte>();
        consumed = 0;
        if (input.IsEmpty) return Result.Incomplete;
        switch (input[0])
        {
            case 0x03: consumed = 1; return Result.Interrupt;
            case (byte)'+': consumed = 1; return Result.Ack;
            case (byte)'-': consumed = 1; return Result.Nack;
            case (byte)'$': break;
            default:
                int dollar = input.IndexOfAny((byte)'$', (byte)0x03);
                consumed = dollar < 0 ? input.Length : dollar;
                return Result.Noise;
        }
        int hash = input.IndexOf((byte)'#');
        if (hash < 0)
        {
            if (input.Length > MaxPayload * 2 + 4) { consumed = input.Length; return Result.TooLong; }
            return Result.Incomplete;
        }
        if (input.Length < hash + 3) return Result.Incomplete;
        consumed = hash + 3;
        var body = input[1..hash];
        byte sum = 0;
        foreach (byte b in body) sum += b;
        if (!TryHexByte(input.Slice(hash + 1, 2), out byte expected) || expected != sum) return Result.BadChecksum;
        var bytes = new List<byte>(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] == (byte)'}' && i + 1 < body.Length) bytes.Add((byte)(body[++i] ^ 0x20));
            else bytes.Add(body[i]);
        }
        if (bytes.Count > MaxPayload) return Result.TooLong;
        payload = bytes.ToArray();
        return Result.Packet;
    }

    /// <summary>Frame a reply: escape, run-length encode runs of more than three equal characters, add the checksum.</summary>
    public static byte[] Frame(string payload)
    {
        var body = new StringBuilder();
        for (int i = 0; i < payload.Length;)
        {
            char c = payload[i];
            int run = 1;
            while (i + run < payload.Length && payload[i + run] == c && run < 98) run++;
            // "c*N" repeats c N-29 more times; N must be printable and not '#', '$', '+', '-' (GDB manual).
            if (run > 3 && !IsSpecial(c))
            {
                int repeat = run - 1;
                while (repeat > 0 && (repeat + 29 is '#' or '$' or '+' or '-' || repeat + 29 > 126)) repeat--;
                if (repeat >= 3)
                {
                    body.Append(c).Append('*').Append((char)(repeat + 29));
                    i += repeat + 1;
                    continue;
                }
            }
            if (IsSpecial(c)) body.Append('}').Append((char)(c ^ 0x20));
            else body.Append(c);
            i++;
        }
        byte sum = 0;
        foreach (char ch in body.ToString()) sum += (byte)ch;
        return Encoding.Latin1.GetBytes($"${body}#{sum:x2}");
    }

    /// <summary>Undo a reply's run-length encoding as GDB does ("c*N" is c and N - 29 more copies); for clients and tests.</summary>
    public static string ExpandRunLength(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '*' && i > 0 && i + 1 < s.Length)
            {
                sb.Append(s[i - 1], s[i + 1] - 29);
                i++;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsSpecial(char c) => c is '#' or '$' or '}' or '*';

    private static bool TryHexByte(ReadOnlySpan<byte> two, out byte value)
    {
        value = 0;
        int hi = HexDigit(two[0]), lo = HexDigit(two[1]);
        if (hi < 0 || lo < 0) return false;
        value = (byte)(hi << 4 | lo);
        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>A register value as GDB sends it: target byte order (little-endian), two hex digits per byte.</summary>
    public static string HexLe(ulong value, int bytes = 8)
    {
        var sb = new StringBuilder(bytes * 2);
        for (int i = 0; i < bytes; i++) sb.Append(((byte)(value >> (8 * i))).ToString("x2"));
        return sb.ToString();
    }

    /// <summary>Parse a little-endian hex register value (up to 8 bytes).</summary>
    public static bool TryParseHexLe(string text, out ulong value)
    {
        value = 0;
        if (text.Length == 0 || text.Length % 2 != 0 || text.Length > 16) return false;
        for (int i = 0; i < text.Length / 2; i++)
        {
            if (!byte.TryParse(text.AsSpan(2 * i, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b)) return false;
            value |= (ulong)b << (8 * i);
        }
        return true;
    }
}
