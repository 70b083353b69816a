using System.Globalization;
using System.Text;

namespace RvEmu.Tests.Fdt;

/// <summary>
/// A node of the DTS text that <c>dtc -I dtb -O dts</c> prints (one property or node per line, tab
/// indented, no labels), with decoders for the three value forms it uses: &lt;cells&gt;, "strings", [bytes].
/// </summary>
internal sealed class DtsNode(string name)
{
    public string Name { get; } = name;
    public List<(string Name, string? Value)> Properties { get; } = new();
    public List<DtsNode> Children { get; } = new();

    public static DtsNode Parse(string dts)
    {
        var stack = new Stack<DtsNode>();
        DtsNode? root = null;
        foreach (string raw in dts.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line == "/dts-v1/;" || line.StartsWith("/memreserve/", StringComparison.Ordinal)) continue;
            if (line == "};")
            {
                stack.Pop();
                continue;
            }
            int eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq < 0 && line.EndsWith(" {", StringComparison.Ordinal))
            {
                var node = new DtsNode(line[..^2]);
                if (stack.Count == 0) root = node;
                else stack.Peek().Children.Add(node);
                stack.Push(node);
                continue;
            }
            if (!line.EndsWith(';')) throw new FormatException($"unexpected DTS line: {line}");
            if (eq < 0) stack.Peek().Properties.Add((line[..^1], null));
            else stack.Peek().Properties.Add((line[..eq], line[(eq + 3)..^1]));
        }
        if (root is null || stack.Count != 0) throw new FormatException("unbalanced DTS");
        return root;
    }

    public DtsNode Child(string name)
    {
        DtsNode? c = Children.SingleOrDefault(c => c.Name == name);
        Assert.That(c, Is.Not.Null, $"node '{name}' under '{Name}'; children: {string.Join(", ", Children.Select(x => x.Name))}");
        return c!;
    }

    public bool Has(string property) => Properties.Any(p => p.Name == property);

    public string? Raw(string property)
    {
        Assert.That(Has(property), $"property '{property}' in node '{Name}'");
        return Properties.Single(p => p.Name == property).Value;
    }

    public byte[] Bytes(string property) => DecodeValue(Raw(property));

    public uint[] Cells(string property)
    {
        byte[] b = Bytes(property);
        Assert.That(b.Length % 4, Is.EqualTo(0), $"'{property}' is not a whole number of cells");
        return Enumerable.Range(0, b.Length / 4).Select(i => (uint)(b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3])).ToArray();
    }

    public string[] Strings(string property)
    {
        byte[] b = Bytes(property);
        Assert.That(b.Length > 0 && b[^1] == 0, $"'{property}' is not NUL-terminated");
        return Encoding.UTF8.GetString(b, 0, b.Length - 1).Split('\0');
    }

    /// <summary>The node printed back in dtc's layout, for whole-tree comparisons.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        Render(sb, 0);
        return sb.ToString();
    }

    private void Render(StringBuilder sb, int depth)
    {
        string indent = new('\t', depth);
        sb.Append(indent).Append(depth == 0 ? "/" : Name).Append(" {\n");
        foreach ((string n, string? v) in Properties)
            sb.Append(indent).Append('\t').Append(n).Append(v is null ? "" : " = " + v).Append(";\n");
        foreach (DtsNode c in Children) c.Render(sb, depth + 1);
        sb.Append(indent).Append("};\n");
    }

    /// <summary>Decodes a DTS property value (comma-separated &lt;cells&gt;, "string" and [bytes] items) to its bytes.</summary>
    private static byte[] DecodeValue(string? text)
    {
        var bytes = new List<byte>();
        if (text is null) return [];
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c is ' ' or ',') { i++; continue; }
            if (c == '<')
            {
                int end = text.IndexOf('>', i);
                foreach (string tok in text[(i + 1)..end].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    uint v = tok.StartsWith("0x", StringComparison.Ordinal)
                        ? uint.Parse(tok.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                        : uint.Parse(tok, CultureInfo.InvariantCulture);
                    bytes.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
                }
                i = end + 1;
            }
            else if (c == '[')
            {
                int end = text.IndexOf(']', i);
                foreach (string tok in text[(i + 1)..end].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    bytes.Add(byte.Parse(tok, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (text[i] != '"')
                {
                    if (text[i] != '\\') { bytes.Add((byte)text[i++]); continue; }
                    char e = text[i + 1];
                    i += 2;
                    switch (e)
                    {
                        case 'x':
                            bytes.Add(byte.Parse(text.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            i += 2;
                            break;
                        case >= '0' and <= '7':
                            // Octal escape of up to three digits (dtc prints NUL as \0).
                            int v = e - '0', n = 1;
                            while (n < 3 && text[i] is >= '0' and <= '7') { v = v * 8 + (text[i++] - '0'); n++; }
                            bytes.Add((byte)v);
                            break;
                        case 'n': bytes.Add((byte)'\n'); break;
                        case 't': bytes.Add((byte)'\t'); break;
                        case 'r': bytes.Add((byte)'\r'); break;
                        case 'a': bytes.Add(7); break;
                        case 'b': bytes.Add(8); break;
                        case 'v': bytes.Add(11); break;
                        case 'f': bytes.Add(12); break;
                        default: bytes.Add((byte)e); break; // \\ \" \'
                    }
                }
                bytes.Add(0);
                i++;
            }
            else throw new FormatException($"unexpected value text: {text}");
        }
        return bytes.ToArray();
    }
}
