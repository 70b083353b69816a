using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RvEmu.Devices.Fdt;

/// <summary>
/// Writes a flattened device tree blob (DTB) as the Devicetree Specification v0.4 chapter 5 lays it out:
/// a header (§5.2), the memory reservation block (§5.3), the structure block (§5.4) and the strings
/// block (§5.5), in that order. Nodes and properties are emitted in call order, so the caller controls
/// the order a decompiler shows.
/// </summary>
/// <remarks>
/// The builder is driven by host code, never by guest input, so misuse (a property outside a node,
/// unbalanced <see cref="BeginNode"/>/<see cref="EndNode"/>, a second root, an invalid name) throws
/// <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>. A builder produces one blob:
/// after <see cref="Finish"/> every call throws.
/// </remarks>
public sealed class FdtBuilder
{
    /// <summary>FDT header magic (§5.2).</summary>
    public const uint Magic = 0xd00dfeed;

    /// <summary>The format version written (§5.2: "version ... 17").</summary>
    public const uint Version = 17;

    /// <summary>The oldest version this blob is backwards compatible with (§5.2: 16).</summary>
    public const uint LastCompatibleVersion = 16;

    /// <summary>Size of the version-17 header in bytes (ten big-endian u32 fields, §5.2).</summary>
    public const int HeaderSize = 40;

    // Structure block tokens (§5.4.1).
    internal const uint TokenBeginNode = 0x1, TokenEndNode = 0x2, TokenProp = 0x3, TokenEnd = 0x9;

    // Spec §2.2.1 / §2.2.4: names are at most 31 characters.
    private const int MaxNameLength = 31;

    private readonly ArrayBufferWriter<byte> _struct = new();
    private readonly ArrayBufferWriter<byte> _strings = new();
    private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);
    private readonly List<(ulong Address, ulong Size)> _reservations = new();
    private readonly Stack<OpenNode> _open = new();
    private bool _rootDone, _finished;

    /// <summary>Creates a builder whose header names <paramref name="bootCpuIdPhys"/> as the boot CPU.</summary>
    /// <param name="bootCpuIdPhys">The boot CPU's physical id, as in its cpu node's <c>reg</c> (§5.2).</param>
    public FdtBuilder(uint bootCpuIdPhys = 0) => BootCpuIdPhys = bootCpuIdPhys;

    /// <summary>The header's <c>boot_cpuid_phys</c> field (§5.2).</summary>
    public uint BootCpuIdPhys { get; set; }

    /// <summary>Depth of currently open nodes (0 before the root is opened and after it is closed).</summary>
    public int Depth => _open.Count;

    /// <summary>Adds a memory reservation entry (§5.3): a range the client must not use as general memory.</summary>
    public void AddReservation(ulong address, ulong size)
    {
        ThrowIfFinished();
        // §5.3.2: a zero-size entry would read as the list terminator.
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(size), "a reservation must not be empty (a zero entry ends the list)");
        _reservations.Add((address, size));
    }

    /// <summary>
    /// Opens a node (FDT_BEGIN_NODE, §5.4.1). The first node is the root and must be named "" (§5.4.1:
    /// the root's name is empty); later nodes are children of the innermost open node.
    /// </summary>
    public void BeginNode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfFinished();
        if (_open.Count == 0)
        {
            if (_rootDone) throw new InvalidOperationException("the device tree already has a root node");
            if (name.Length != 0) throw new ArgumentException("the root node's name must be empty", nameof(name));
        }
        else
        {
            ValidateNodeName(name);
            OpenNode parent = _open.Peek();
            if (!parent.Children.Add(name))
                throw new InvalidOperationException($"node '{name}' already exists under '{parent.Name}'");
            parent.HasChildren = true;
        }
        WriteU32(_struct, TokenBeginNode);
        WriteString(_struct, name);
        Align(_struct);
        _open.Push(new OpenNode(name));
    }

    /// <summary>Closes the innermost open node (FDT_END_NODE, §5.4.1).</summary>
    public void EndNode()
    {
        ThrowIfFinished();
        if (_open.Count == 0) throw new InvalidOperationException("EndNode without a matching BeginNode");
        _open.Pop();
        WriteU32(_struct, TokenEndNode);
        if (_open.Count == 0) _rootDone = true;
    }

    /// <summary>Adds a property with a raw value to the innermost open node (FDT_PROP, §5.4.1).</summary>
    public void Property(string name, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfFinished();
        if (_open.Count == 0) throw new InvalidOperationException($"property '{name}' outside any node");
        OpenNode node = _open.Peek();
        // §5.4.2: a node's properties come before its child nodes.
        if (node.HasChildren) throw new InvalidOperationException($"property '{name}' after a child node of '{node.Name}'");
        ValidatePropertyName(name);
        if (!node.Properties.Add(name)) throw new InvalidOperationException($"property '{name}' set twice on '{node.Name}'");

        WriteU32(_struct, TokenProp);
        WriteU32(_struct, (uint)value.Length);
        WriteU32(_struct, (uint)StringOffset(name));
        _struct.Write(value);
        Align(_struct);
    }

    /// <summary>Adds a property with an empty value (a boolean such as <c>interrupt-controller</c>, spec §2.2.4.1).</summary>
    public void PropertyEmpty(string name) => Property(name, ReadOnlySpan<byte>.Empty);

    /// <summary>Adds a <c>&lt;u32&gt;</c> or <c>&lt;prop-encoded-array&gt;</c> property: big-endian 32-bit cells (§2.2.4.1).</summary>
    public void PropertyU32(string name, params ReadOnlySpan<uint> cells)
    {
        Span<byte> bytes = cells.Length <= 64 ? stackalloc byte[cells.Length * 4] : new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * 4)..], cells[i]);
        Property(name, bytes);
    }

    /// <summary>Adds a property of big-endian 64-bit values (<c>&lt;u64&gt;</c>, two cells each, §2.2.4.1).</summary>
    public void PropertyU64(string name, params ReadOnlySpan<ulong> values)
    {
        Span<byte> bytes = values.Length <= 32 ? stackalloc byte[values.Length * 8] : new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(bytes[(i * 8)..], values[i]);
        Property(name, bytes);
    }

    /// <summary>Adds a <c>&lt;string&gt;</c> property: the text and a terminating NUL (§2.2.4.1).</summary>
    public void PropertyString(string name, string value) => PropertyStrings(name, value);

    /// <summary>Adds a <c>&lt;stringlist&gt;</c> property: each string NUL-terminated, concatenated (§2.2.4.1).</summary>
    public void PropertyStrings(string name, params ReadOnlySpan<string> values)
    {
        var bytes = new ArrayBufferWriter<byte>();
        foreach (string s in values)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(values));
            if (s.Contains('\0')) throw new ArgumentException("a string value cannot contain NUL", nameof(values));
            WriteString(bytes, s);
        }
        Property(name, bytes.WrittenSpan);
    }

    /// <summary>
    /// Ends the structure block (FDT_END) and returns the blob: header, reservation block (with its zero
    /// terminator), structure block, strings block. Requires the root node to be closed.
    /// </summary>
    public byte[] Finish()
    {
        ThrowIfFinished();
        if (_open.Count != 0) throw new InvalidOperationException($"{_open.Count} node(s) still open");
        if (!_rootDone) throw new InvalidOperationException("the device tree has no root node");
        _finished = true;
        WriteU32(_struct, TokenEnd);

        // §5.3.1: the reservation block is 8-byte aligned; the header is 40 bytes, so it can follow directly.
        // §5.4.1: the structure block is 4-byte aligned; the reservation block's size is a multiple of 16.
        int offRsv = HeaderSize;
        int offStruct = offRsv + (_reservations.Count + 1) * 16;
        int offStrings = offStruct + _struct.WrittenCount;
        int total = offStrings + _strings.WrittenCount;

        var blob = new byte[total];
        Span<byte> b = blob;
        BinaryPrimitives.WriteUInt32BigEndian(b[0..], Magic);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], (uint)offStruct);
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], (uint)offStrings);
        BinaryPrimitives.WriteUInt32BigEndian(b[16..], (uint)offRsv);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(b[24..], LastCompatibleVersion);
        BinaryPrimitives.WriteUInt32BigEndian(b[28..], BootCpuIdPhys);
        BinaryPrimitives.WriteUInt32BigEndian(b[32..], (uint)_strings.WrittenCount);
        BinaryPrimitives.WriteUInt32BigEndian(b[36..], (uint)_struct.WrittenCount);

        int at = offRsv;
        foreach ((ulong address, ulong size) in _reservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[at..], address);
            BinaryPrimitives.WriteUInt64BigEndian(b[(at + 8)..], size);
            at += 16;
        }
        // The terminating entry (address 0, size 0) is already zero.
        _struct.WrittenSpan.CopyTo(b[offStruct..]);
        _strings.WrittenSpan.CopyTo(b[offStrings..]);
        return blob;
    }

    /// <summary>Offset of <paramref name="name"/> in the strings block, adding it once (§5.5: names are shared).</summary>
    private int StringOffset(string name)
    {
        if (_stringOffsets.TryGetValue(name, out int offset)) return offset;
        offset = _strings.WrittenCount;
        WriteString(_strings, name);
        _stringOffsets.Add(name, offset);
        return offset;
    }

    private void ThrowIfFinished()
    {
        if (_finished) throw new InvalidOperationException("Finish() was already called; a builder makes one blob");
    }

    /// <summary>Spec §2.2.1: node-name[@unit-address], 1-31 characters for the name, from [0-9a-zA-Z,._+-].</summary>
    private static void ValidateNodeName(string name)
    {
        int at = name.IndexOf('@');
        string nodeName = at < 0 ? name : name[..at];
        if (nodeName.Length is 0 or > MaxNameLength)
            throw new ArgumentException($"node name '{name}' must have 1 to {MaxNameLength} characters before '@'", nameof(name));
        foreach (char c in name.AsSpan())
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ',' or '.' or '_' or '+' or '-' or '@'))
                throw new ArgumentException($"node name '{name}' contains '{c}'", nameof(name));
        }
        if (at >= 0 && (at == name.Length - 1 || name.IndexOf('@', at + 1) >= 0))
            throw new ArgumentException($"node name '{name}' has an empty or repeated unit address", nameof(name));
    }

    /// <summary>Spec §2.2.4: property names are 1-31 characters from [0-9a-zA-Z,._+?#-].</summary>
    private static void ValidatePropertyName(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
            throw new ArgumentException($"property name '{name}' must have 1 to {MaxNameLength} characters", nameof(name));
        foreach (char c in name.AsSpan())
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ',' or '.' or '_' or '+' or '?' or '#' or '-'))
                throw new ArgumentException($"property name '{name}' contains '{c}'", nameof(name));
        }
    }

    private static void WriteU32(ArrayBufferWriter<byte> w, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    /// <summary>Writes <paramref name="s"/> as UTF-8 with a NUL terminator.</summary>
    private static void WriteString(ArrayBufferWriter<byte> w, string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        Span<byte> span = w.GetSpan(n + 1);
        Encoding.UTF8.GetBytes(s, span);
        span[n] = 0;
        w.Advance(n + 1);
    }

    /// <summary>§5.4.1: every token starts on a 4-byte boundary; padding bytes are zero.</summary>
    private static void Align(ArrayBufferWriter<byte> w)
    {
        int pad = (4 - (w.WrittenCount & 3)) & 3;
        if (pad == 0) return;
        w.GetSpan(pad)[..pad].Clear();
        w.Advance(pad);
    }

    /// <summary>A node under construction: what it already holds, for the ordering and uniqueness checks.</summary>
    private sealed class OpenNode(string name)
    {
        public string Name { get; } = name.Length == 0 ? "/" : name;
        public HashSet<string> Properties { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Children { get; } = new(StringComparer.Ordinal);
        public bool HasChildren { get; set; }
    }
}
