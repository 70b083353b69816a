using RvEmu.Core.Loader;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// A raw disk image file behind a block device. Opened read-only (shared lock) or read-write
/// (exclusive lock: FileShare.None, an flock on Unix), so two RvEmu processes cannot write the same
/// image. Its size never changes: only whole 512-byte sectors below <see cref="Capacity"/> are
/// reachable, so a tail shorter than a sector is never touched.
/// </summary>
public sealed class DiskImage : IDisposable
{
    /// <summary>The virtio-blk sector size; capacity and request offsets count in these (§5.2.4).</summary>
    public const int SectorSize = 512;


    private readonly FileStream _stream;

    private DiskImage(string path, FileStream stream, bool readOnly, ulong length)
    {
        Path = path;
        _stream = stream;
        ReadOnly = readOnly;
        Length = length;
        Capacity = length / SectorSize;
    }

    /// <summary>The image file as given by the user.</summary>
    public string Path { get; }

    /// <summary>True if the file is open for reading only.</summary>
    public bool ReadOnly { get; }

    /// <summary>File size in bytes when opened.</summary>
    public ulong Length { get; }

    /// <summary>Capacity in 512-byte sectors (the file size rounded down).</summary>
    public ulong Capacity { get; }

    /// <summary>
    /// Open an image. Throws <see cref="LoadException"/> with one clear line for the user's mistakes:
    /// a missing file, a directory, an image locked by another RvEmu, no permission.
    /// A size that is not a multiple of 512 is reported through <paramref name="warn"/>.
    /// </summary>
    public static DiskImage Open(string path, bool readOnly, Action<string>? warn = null)
    {
        if (Directory.Exists(path)) throw new LoadException($"{path}: is a directory, not a disk image");
        if (!File.Exists(path)) throw new LoadException($"{path}: no such disk image");
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                Share = readOnly ? FileShare.Read : FileShare.None,
                BufferSize = 0, // positional I/O through RandomAccess; nothing to buffer
            });
        }
        catch (UnauthorizedAccessException)
        {
            throw new LoadException(readOnly
                ? $"{path}: permission denied (cannot read the disk image)"
                : $"{path}: permission denied (cannot open the disk image for writing; attach it read-only instead)");
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            throw new LoadException($"{path}: the disk image is locked by another process (another RvEmu using it?)");
        }
        catch (IOException e)
        {
            throw new LoadException($"{path}: cannot open the disk image: {e.Message}");
        }

        ulong length = (ulong)stream.Length;
        if (length % SectorSize != 0)
            warn?.Invoke($"{path}: size {length} is not a multiple of {SectorSize}; the last {length % SectorSize} bytes are not used");
        return new DiskImage(path, stream, readOnly, length);
    }

    /// <summary>
    /// The open failed because another open file holds a conflicting lock: .NET reports the
    /// Windows sharing/lock violation as its HRESULT, and on Unix the errno of flock's EWOULDBLOCK.
    /// </summary>
    private static bool IsLockConflict(IOException e) => e.HResult switch
    {
        unchecked((int)0x80070020) or unchecked((int)0x80070021) => OperatingSystem.IsWindows(),
        11 => OperatingSystem.IsLinux(),
        35 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(),
        _ => false,
    };

    /// <summary>Read whole bytes at <paramref name="offset"/>; the caller keeps the range within capacity. Throws IOException on a host error or a short read.</summary>
    public void Read(ulong offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_stream.SafeFileHandle, destination, (long)offset);
            if (n <= 0) throw new IOException($"{Path}: unexpected end of file at offset {offset} (was the image truncated?)");
            destination = destination[n..];
            offset += (ulong)n;
        }
    }

    /// <summary>Write bytes at <paramref name="offset"/>; the caller keeps the range within capacity, so the file never grows.</summary>
    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        if (ReadOnly) throw new InvalidOperationException("write to a read-only disk image");
        RandomAccess.Write(_stream.SafeFileHandle, source, (long)offset);
    }

    /// <summary>Make written data durable (fsync).</summary>
    public void Flush()
    {
        if (!ReadOnly) _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
