using System.Buffers.Binary;
using System.Text;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// virtio-blk (virtio 1.2 §5.2) over a raw <see cref="DiskImage"/>: one request queue; IN, OUT,
/// FLUSH and GET_ID requests, anything else answered UNSUPP (type decoding as QEMU 7.2, see
/// <see cref="Start"/>). A request is a 16-byte header
/// (type, reserved, sector) in the readable part of a chain, data, and a status byte as the last
/// writable byte; the split into descriptors is free (§2.7.4). Large transfers are done in steps
/// of at most <see cref="BytesPerStep"/> so the hart keeps running; the transport resumes them.
/// Owns the image and closes it on <see cref="Dispose"/>.
/// </summary>
public sealed class VirtioBlockDevice : IVirtioDevice, IDisposable
{
    // Feature bits (§5.2.3).
    public const ulong FeatureSegMax = 1UL << 2;
    public const ulong FeatureReadOnly = 1UL << 5;
    public const ulong FeatureBlockSize = 1UL << 6;
    public const ulong FeatureFlush = 1UL << 9;

    // Request types and status values (§5.2.6; SCSI_CMD, FLUSH_OUT and BARRIER from the legacy interface, §5.2.6.4).
    public const uint TypeIn = 0, TypeOut = 1, TypeScsiCmd = 2, TypeFlush = 4, TypeGetId = 8, TypeBarrier = 0x8000_0000;
    public const byte StatusOk = 0, StatusIoError = 1, StatusUnsupported = 2;

    /// <summary>struct virtio_blk_req header: le32 type, le32 reserved, le64 sector.</summary>
    public const int HeaderSize = 16;

    /// <summary>GET_ID answers a NUL-padded ASCII string of up to 20 bytes (§5.2.6).</summary>
    public const int IdLength = 20;

    /// <summary>QueueNumMax: QEMU's default virtio-blk queue size.</summary>
    public const ushort QueueSize = 256;

    /// <summary>Data moved per call before handing the hart back; a 1 MiB copy takes about a millisecond.</summary>
    public const int BytesPerStep = 1 << 20;

    /// <summary>Configuration space up to and including unused1 of struct virtio_blk_config (§5.2.4).</summary>
    public const int ConfigLength = 60;

    /// <summary>Work charged for a request besides its data, so a ring of tiny requests is also bounded per step.</summary>
    private const int RequestCost = 512;

    private const int ChunkSize = 64 << 10;

    private sealed class Transfer(DescriptorChain chain, bool isRead, ulong fileOffset, ulong length)
    {
        public readonly DescriptorChain Chain = chain;
        public readonly bool IsRead = isRead;
        public readonly ulong FileOffset = fileOffset, Length = length;
        public ulong Done;
    }

    private readonly DiskImage _image;
    private readonly Action<string>? _warn;
    private readonly byte[] _config = new byte[ConfigLength];
    private readonly byte[] _id = new byte[IdLength];
    private readonly byte[] _buffer = new byte[ChunkSize];
    private Transfer? _current;
    private bool _hostErrorWarned;

    /// <param name="image">The backing image; the device owns it from now on.</param>
    /// <param name="warn">Receives a line on the first host I/O error.</param>
    public VirtioBlockDevice(DiskImage image, Action<string>? warn = null)
    {
        _image = image;
        _warn = warn;
        Features = FeatureSegMax | FeatureBlockSize | FeatureFlush | (image.ReadOnly ? FeatureReadOnly : 0);

        // §5.2.4 struct virtio_blk_config, little endian.
        BinaryPrimitives.WriteUInt64LittleEndian(_config.AsSpan(0), image.Capacity);
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(12), SegMax); // seg_max
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(20), DiskImage.SectorSize); // blk_size
        BinaryPrimitives.WriteUInt16LittleEndian(_config.AsSpan(34), 1); // num_queues

        // The serial is the image's file name, printable ASCII, cut to 20 bytes.
        string fileName = System.IO.Path.GetFileName(image.Path);
        for (int i = 0; i < IdLength && i < fileName.Length; i++)
            _id[i] = fileName[i] is >= ' ' and <= '~' ? (byte)fileName[i] : (byte)'_';
    }

    /// <summary>seg_max: data segments per request, leaving room for the header and status descriptors (as QEMU: queue size - 2).</summary>
    public const uint SegMax = QueueSize - 2;

    public string Name => "virtio-blk";
    public uint DeviceId => VirtioConstants.DeviceIdBlock;
    public ulong Features { get; }
    public int QueueCount => 1;
    public ushort MaxQueueSize => QueueSize;
    public int ConfigSize => ConfigLength;

    /// <summary>The GET_ID answer (20 bytes, NUL padded).</summary>
    public ReadOnlySpan<byte> Serial => _id;

    public DiskImage Image => _image;

    public void ReadConfig(int offset, Span<byte> destination) => _config.AsSpan(offset, destination.Length).CopyTo(destination);

    /// <summary>Every field we offer is read-only (writeback needs CONFIG_WCE, which is not offered).</summary>
    public void WriteConfig(int offset, ReadOnlySpan<byte> source) { }

    /// <summary>Device reset: the request in progress ends as in <see cref="StopQueue"/>.</summary>
    public void Reset() => StopQueue(0);

    /// <summary>
    /// The queue goes away with a request half done. A write is finished on the image first, as QEMU drains
    /// its in-flight requests (blk_drain) before a reset, so the disk never holds a torn write the guest
    /// submitted whole; its data is still in the driver's buffers, which the driver cannot have reused before
    /// getting them back. It is not acknowledged: the ring it came from is gone, and a write the driver never
    /// saw complete may or may not have landed (§5.2.6). A read is cancelled: nothing more is written into
    /// guest memory, which the driver may reuse at once.
    /// </summary>
    public void StopQueue(int queueIndex)
    {
        if (queueIndex != 0 || _current is not { } t) return;
        _current = null;
        while (!t.IsRead && t.Done < t.Length)
        {
            int n = (int)Math.Min(t.Length - t.Done, (ulong)_buffer.Length);
            ulong fileOffset = t.FileOffset + t.Done;
            if (!t.Chain.Read(HeaderSize + t.Done, _buffer.AsSpan(0, n)) || !HostIo(() => _image.Write(fileOffset, _buffer.AsSpan(0, n)))) return;
            t.Done += (ulong)n;
        }
    }

    /// <summary>Receives one trace line per completed request; null when not tracing.</summary>
    public Action<BlockRequestTrace>? Trace { get; set; }

    private uint _requestType;
    private ulong _requestSector;

    public bool ProcessQueue(int queueIndex, SplitVirtqueue queue)
    {
        if (queueIndex != 0) return false;
        long budget = BytesPerStep;
        while (budget > 0)
        {
            if (_current is null)
            {
                if (!queue.TryPop(out var chain)) return false;
                budget -= RequestCost;
                Start(chain, queue);
            }
            else
            {
                budget -= Step(_current, queue);
            }
            if (queue.Error is not null) return false;
        }
        return true;
    }

    private void Start(DescriptorChain chain, SplitVirtqueue queue)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        // §5.2.6: every request carries the header and a status byte; without them it cannot even be answered.
        if (chain.WritableLength < 1 || !chain.Read(0, header))
        {
            queue.Fail("virtio-blk request without a 16-byte header or a status byte");
            return;
        }
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        _requestType = type;
        _requestSector = sector;
        // As QEMU 7.2 (virtio_blk_handle_request): the OUT bit gives the direction and the legacy BARRIER flag
        // is ignored (§5.2.6.4: legacy drivers may set it; nothing is reordered here anyway), so OUT|BARRIER
        // is a write and the legacy FLUSH_OUT (5) a flush. SCSI_CMD and SCSI_CMD_OUT (legacy SCSI passthrough,
        // never offered: VIRTIO_BLK_F_SCSI is not in our features) are UNSUPP, as on QEMU without scsi=on;
        // QEMU also stores 255 in the SCSI header's errors field, which we leave alone (documented in README).
        bool isWrite = (type & TypeOut) != 0;
        switch (type & ~(TypeOut | TypeBarrier))
        {
            case TypeIn when !isWrite:
                Begin(chain, queue, isRead: true, sector, chain.WritableLength - 1);
                break;
            case TypeIn:
                // §5.2.6.2: a read-only device fails every write and writes nothing.
                if (_image.ReadOnly) Complete(chain, queue, StatusIoError, 0);
                else Begin(chain, queue, isRead: false, sector, chain.ReadableLength - HeaderSize);
                break;
            case TypeFlush:
                Complete(chain, queue, HostIo(_image.Flush) ? StatusOk : StatusIoError, 0);
                break;
            case TypeGetId:
            {
                int n = (int)Math.Min((ulong)IdLength, chain.WritableLength - 1);
                if (!chain.Write(0, _id.AsSpan(0, n))) { queue.Fail("GET_ID buffer is outside RAM"); return; }
                Complete(chain, queue, StatusOk, (uint)n);
                break;
            }
            default:
                Complete(chain, queue, StatusUnsupported, 0);
                break;
        }
    }

    private void Begin(DescriptorChain chain, SplitVirtqueue queue, bool isRead, ulong sector, ulong length)
    {
        // Data is whole sectors (§5.2.6.1), inside the disk. Written so nothing can overflow:
        // sector is checked against capacity before count is compared with what is left.
        ulong capacity = _image.Capacity;
        ulong count = length / DiskImage.SectorSize;
        if (length % DiskImage.SectorSize != 0 || sector > capacity || count > capacity - sector)
        {
            Complete(chain, queue, StatusIoError, 0);
            return;
        }
        var t = new Transfer(chain, isRead, sector * DiskImage.SectorSize, length);
        if (length == 0) Complete(chain, queue, StatusOk, 0);
        else _current = t;
    }

    /// <summary>Move the next chunk of the current transfer; returns the bytes moved.</summary>
    private int Step(Transfer t, SplitVirtqueue queue)
    {
        int n = (int)Math.Min(t.Length - t.Done, (ulong)_buffer.Length);
        var chunk = _buffer.AsSpan(0, n);
        ulong fileOffset = t.FileOffset + t.Done;
        bool ok;
        if (t.IsRead)
        {
            ok = HostIo(() => _image.Read(fileOffset, _buffer.AsSpan(0, n)));
            if (ok && !t.Chain.Write(t.Done, chunk)) { queue.Fail("data buffer is outside RAM"); return n; }
        }
        else
        {
            if (!t.Chain.Read(HeaderSize + t.Done, chunk)) { queue.Fail("data buffer is outside RAM"); return n; }
            ok = HostIo(() => _image.Write(fileOffset, _buffer.AsSpan(0, n)));
        }
        if (!ok)
        {
            Complete(t.Chain, queue, StatusIoError, t.IsRead ? (uint)t.Done : 0);
            return n;
        }
        t.Done += (ulong)n;
        if (t.Done == t.Length) Complete(t.Chain, queue, StatusOk, t.IsRead ? (uint)t.Length : 0);
        return n;
    }

    /// <summary>Write the status byte, return the chain. The used length counts the bytes written: data plus status.</summary>
    private void Complete(DescriptorChain chain, SplitVirtqueue queue, byte status, uint dataWritten)
    {
        _current = null;
        Trace?.Invoke(new BlockRequestTrace(Name, RequestName(_requestType), _requestSector, chain.ReadableLength + chain.WritableLength - HeaderSize - 1, StatusName(status)));
        ReadOnlySpan<byte> s = [status];
        if (!chain.Write(chain.WritableLength - 1, s)) { queue.Fail("status byte is outside RAM"); return; }
        queue.PushUsed(chain.Head, dataWritten + 1);
    }

    private static string RequestName(uint type) => type switch
    {
        TypeIn => "IN", TypeOut => "OUT", TypeFlush => "FLUSH", TypeGetId => "GET_ID",
        TypeOut | TypeBarrier => "OUT|BARRIER", TypeFlush | TypeOut => "FLUSH_OUT", _ => $"type {type}",
    };

    private static string StatusName(byte status) => status switch
    {
        StatusOk => "OK", StatusIoError => "IOERR", StatusUnsupported => "UNSUPP", _ => $"{status}",
    };

    /// <summary>Run a host file operation; a host error becomes IOERR for the guest and one warning.</summary>
    private bool HostIo(Action operation)
    {
        try
        {
            operation();
            return true;
        }
        catch (IOException e)
        {
            if (!_hostErrorWarned) _warn?.Invoke($"{Name}: I/O error on {_image.Path}: {e.Message}");
            _hostErrorWarned = true;
            return false;
        }
    }

    public void Dispose() => _image.Dispose();
}

/// <summary>One completed virtio-blk request, for the trace log: type, first sector, data length in bytes, status (virtio 1.2 §5.2.6).</summary>
public readonly record struct BlockRequestTrace(string Device, string Type, ulong Sector, ulong Length, string Status);
