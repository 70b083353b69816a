using RvEmu.Core.Bus;

namespace RvEmu.Devices.Virtio;

/// <summary>One guest buffer of a descriptor chain: [Address, Address + Length), checked to lie in RAM.</summary>
public readonly record struct GuestBuffer(ulong Address, uint Length);

/// <summary>
/// A validated descriptor chain popped from the available ring: its device-readable buffers
/// followed by its device-writable buffers (virtio 1.2 §2.7.4.2 requires that order). The device
/// sees the readable and the writable parts each as one byte stream, so it makes no assumption on
/// how the driver split a message into descriptors (§2.7.4 "Message Framing").
/// </summary>
public sealed class DescriptorChain
{
    private readonly IGuestMemory _memory;
    private readonly List<GuestBuffer> _readable = new(), _writable = new();

    internal DescriptorChain(IGuestMemory memory, ushort head)
    {
        _memory = memory;
        Head = head;
    }

    /// <summary>Index of the chain's first descriptor: the id that goes back in the used ring.</summary>
    public ushort Head { get; }

    /// <summary>Device-readable buffers, in chain order.</summary>
    public IReadOnlyList<GuestBuffer> Readable => _readable;

    /// <summary>Device-writable buffers, in chain order.</summary>
    public IReadOnlyList<GuestBuffer> Writable => _writable;

    /// <summary>Total bytes of the readable buffers.</summary>
    public ulong ReadableLength { get; private set; }

    /// <summary>Total bytes of the writable buffers.</summary>
    public ulong WritableLength { get; private set; }

    internal void Add(GuestBuffer buffer, bool writable)
    {
        if (writable)
        {
            _writable.Add(buffer);
            WritableLength += buffer.Length;
        }
        else
        {
            _readable.Add(buffer);
            ReadableLength += buffer.Length;
        }
    }

    /// <summary>Copy readable bytes starting at <paramref name="offset"/> of the readable stream. False if the range runs past its end.</summary>
    public bool Read(ulong offset, Span<byte> destination)
    {
        if (offset > ReadableLength || (ulong)destination.Length > ReadableLength - offset) return false;
        foreach (var b in _readable)
        {
            if (destination.IsEmpty) break;
            if (offset >= b.Length) { offset -= b.Length; continue; }
            int n = (int)Math.Min((ulong)destination.Length, b.Length - offset);
            if (!_memory.Read(b.Address + offset, destination[..n])) return false;
            destination = destination[n..];
            offset = 0;
        }
        return true;
    }

    /// <summary>Copy <paramref name="source"/> into the writable stream at <paramref name="offset"/>. False if the range runs past its end.</summary>
    public bool Write(ulong offset, ReadOnlySpan<byte> source)
    {
        if (offset > WritableLength || (ulong)source.Length > WritableLength - offset) return false;
        foreach (var b in _writable)
        {
            if (source.IsEmpty) break;
            if (offset >= b.Length) { offset -= b.Length; continue; }
            int n = (int)Math.Min((ulong)source.Length, b.Length - offset);
            if (!_memory.Write(b.Address + offset, source[..n])) return false;
            source = source[n..];
            offset = 0;
        }
        return true;
    }
}
