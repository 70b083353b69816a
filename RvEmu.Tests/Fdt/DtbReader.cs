using System.Buffers.Binary;
using System.Text;

namespace RvEmu.Tests.Fdt;

/// <summary>
/// A small DTB reader written from the Devicetree Specification v0.4 ch. 5, independent of the builder,
/// that checks the layout rules while it parses (it throws <see cref="FormatException"/> on a violation).
/// </summary>
internal sealed class DtbReader
{
    public uint Magic, TotalSize, OffDtStruct, OffDtStrings, OffMemRsvmap, Version, LastCompVersion, BootCpuIdPhys, SizeDtStrings, SizeDtStruct;
    public List<(ulong Address, ulong Size)> Reservations { get; } = new();
    public DtbNode Root { get; }

    /// <summary>The strings block as laid out in the blob.</summary>
    public byte[] StringsBlock { get; }

    /// <summary>Offsets (from the struct block start) at which each token was read.</summary>
    public List<int> TokenOffsets { get; } = new();

    /// <summary>The nameoff of every FDT_PROP, in blob order.</summary>
    public List<uint> NameOffsets { get; } = new();

    public DtbReader(byte[] blob)
    {
        if (blob.Length < 40) throw new FormatException("shorter than a header");
        uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at));
        Magic = U32(0); TotalSize = U32(4); OffDtStruct = U32(8); OffDtStrings = U32(12); OffMemRsvmap = U32(16);
        Version = U32(20); LastCompVersion = U32(24); BootCpuIdPhys = U32(28); SizeDtStrings = U32(32); SizeDtStruct = U32(36);
        if (Magic != 0xd00dfeed) throw new FormatException($"magic {Magic:x}");
        if (TotalSize != blob.Length) throw new FormatException($"totalsize {TotalSize} but blob is {blob.Length} bytes");
        if (OffMemRsvmap % 8 != 0) throw new FormatException("memory reservation block not 8-byte aligned (§5.3.1)");
        if (OffDtStruct % 4 != 0) throw new FormatException("structure block not 4-byte aligned (§5.4.1)");
        if (OffDtStruct + SizeDtStruct > OffDtStrings) throw new FormatException("structure block overlaps strings block");
        if (OffDtStrings + SizeDtStrings > TotalSize) throw new FormatException("strings block past totalsize");

        // §5.3.2: (address, size) pairs of big-endian u64, ended by a (0, 0) entry.
        for (int at = (int)OffMemRsvmap; ; at += 16)
        {
            if (at + 16 > OffDtStruct) throw new FormatException("reservation block runs into the structure block");
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at));
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at + 8));
            if (address == 0 && size == 0) break;
            Reservations.Add((address, size));
        }

        StringsBlock = blob.AsSpan((int)OffDtStrings, (int)SizeDtStrings).ToArray();
        ReadOnlySpan<byte> s = blob.AsSpan((int)OffDtStruct, (int)SizeDtStruct);
        int pos = 0;
        var stack = new Stack<DtbNode>();
        DtbNode? root = null;
        while (true)
        {
            if (pos % 4 != 0) throw new FormatException($"token at {pos} not 4-byte aligned");
            if (pos + 4 > s.Length) throw new FormatException("structure block ends without FDT_END");
            TokenOffsets.Add(pos);
            uint token = BinaryPrimitives.ReadUInt32BigEndian(s[pos..]);
            pos += 4;
            switch (token)
            {
                case 1: // FDT_BEGIN_NODE: NUL-terminated name, zero-padded to 4 bytes
                {
                    int end = s[pos..].IndexOf((byte)0);
                    string name = Encoding.UTF8.GetString(s.Slice(pos, end));
                    int next = pos + end + 1;
                    int padded = (next + 3) & ~3;
                    CheckZeroPadding(s, next, padded);
                    pos = padded;
                    var node = new DtbNode(name);
                    if (stack.Count == 0)
                    {
                        if (root != null) throw new FormatException("second root node");
                        root = node;
                    }
                    else stack.Peek().Children.Add(node);
                    stack.Push(node);
                    break;
                }
                case 2: // FDT_END_NODE
                    if (stack.Count == 0) throw new FormatException("FDT_END_NODE without a node");
                    stack.Pop();
                    break;
                case 3: // FDT_PROP: len, nameoff, value, padding
                {
                    if (stack.Count == 0) throw new FormatException("FDT_PROP outside a node");
                    DtbNode node = stack.Peek();
                    if (node.Children.Count != 0) throw new FormatException("property after a child node (§5.4.2)");
                    uint len = BinaryPrimitives.ReadUInt32BigEndian(s[pos..]);
                    uint nameoff = BinaryPrimitives.ReadUInt32BigEndian(s[(pos + 4)..]);
                    pos += 8;
                    NameOffsets.Add(nameoff);
                    if (nameoff >= SizeDtStrings) throw new FormatException("nameoff past the strings block");
                    int nameEnd = Array.IndexOf(StringsBlock, (byte)0, (int)nameoff);
                    if (nameEnd < 0) throw new FormatException("unterminated property name");
                    string name = Encoding.UTF8.GetString(StringsBlock, (int)nameoff, nameEnd - (int)nameoff);
                    node.Properties.Add((name, s.Slice(pos, (int)len).ToArray()));
                    int next = pos + (int)len;
                    int padded = (next + 3) & ~3;
                    CheckZeroPadding(s, next, padded);
                    pos = padded;
                    break;
                }
                case 4: // FDT_NOP
                    break;
                case 9: // FDT_END
                    if (stack.Count != 0) throw new FormatException("FDT_END with open nodes");
                    if (pos != s.Length) throw new FormatException($"FDT_END at {pos - 4} but size_dt_struct is {s.Length}");
                    Root = root ?? throw new FormatException("no root node");
                    return;
                default:
                    throw new FormatException($"unknown token {token:x} at {pos - 4}");
            }
        }
    }

    private static void CheckZeroPadding(ReadOnlySpan<byte> s, int from, int to)
    {
        for (int i = from; i < to; i++)
            if (s[i] != 0) throw new FormatException($"non-zero padding at {i}");
    }
}

/// <summary>A node read back from a blob.</summary>
internal sealed class DtbNode(string name)
{
    public string Name { get; } = name;
    public List<(string Name, byte[] Value)> Properties { get; } = new();
    public List<DtbNode> Children { get; } = new();

    public byte[] Prop(string name) => Properties.Single(p => p.Name == name).Value;
    public DtbNode Child(string name) => Children.Single(c => c.Name == name);
}
