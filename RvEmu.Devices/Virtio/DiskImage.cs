using RvEmu.Core.Loader;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// A raw disk image file behind a block device. Opened read-only (shared lock) or read-write
/// (exclusive lock: FileShare.None, an flock on Unix), so two RvEmu processes cannot write the same
/// image; on Linux it also takes the byte-range locks QEMU takes (<see cref="ImageFileLock"/>), so QEMU
/// and RvEmu keep out of each other's images. Its size never changes: only whole 512-byte sectors below <see cref="Capacity"/> are
/// reachable, so a tail shorter than a sector is never touched.
/// In snapshot mode (QEMU's <c>-snapshot</c>) the file is opened for reading only and the guest's
/// writes go to an in-memory copy-on-write overlay of 4 KiB pages, dropped when the image is closed:
/// the guest sees a writable disk and the file is never modified.
/// </summary>
public sealed class DiskImage : IDisposable
{
    /// <summary>The virtio-blk sector size; capacity and request offsets count in these (§5.2.4).</summary>
    public const int SectorSize = 512;


    /// <summary>Granule of the snapshot overlay: a guest write copies the whole page from the file first.</summary>
    private const int OverlayPageSize = 4096;

    private readonly FileStream _stream;
    /// <summary>Snapshot mode: written pages by page number; null when writes go to the file.</summary>
    private readonly Dictionary<ulong, byte[]>? _overlay;

    private DiskImage(string path, FileStream stream, bool readOnly, bool snapshot, ulong length)
    {
        Path = path;
        _stream = stream;
        ReadOnly = readOnly;
        Length = length;
        Capacity = length / SectorSize;
        if (snapshot && !readOnly) _overlay = new Dictionary<ulong, byte[]>();
    }

    /// <summary>True if guest writes go to memory and the file is never written (snapshot=on).</summary>
    public bool Snapshot => _overlay is not null;

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
    /// With <paramref name="snapshot"/> the file is opened for reading only (so a read-only file, or
    /// one another RvEmu reads, can back it) and writes stay in memory.
    /// </summary>
    public static DiskImage Open(string path, bool readOnly, Action<string>? warn = null, bool snapshot = false)
    {
        if (Directory.Exists(path)) throw new LoadException($"{path}: is a directory, not a disk image");
        // Only a regular file or a block device holds sectors. Checked on the path before any open: opening a
        // FIFO blocks until a writer appears, and a pipe, socket or terminal cannot seek.
        string? notImage = ImageFileLock.Inspect(path)?.Kind switch
        {
            ImageFileLock.Kind.Fifo => "a FIFO (named pipe)",
            ImageFileLock.Kind.Socket => "a socket",
            ImageFileLock.Kind.CharacterDevice => "a character device",
            ImageFileLock.Kind.Other => "not a regular file",
            _ => null,
        };
        if (notImage is not null) throw new LoadException($"{path}: is {notImage}; a disk image must be a regular file or a block device");
        if (!File.Exists(path)) throw new LoadException($"{path}: no such disk image");
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = readOnly || snapshot ? FileAccess.Read : FileAccess.ReadWrite,
                Share = readOnly || snapshot ? FileShare.Read : FileShare.None,
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
            throw new LoadException($"{path}: the disk image is locked by another process (QEMU or another RvEmu using it?)");
        }
        catch (IOException e)
        {
            throw new LoadException($"{path}: cannot open the disk image: {e.Message}");
        }

        if (!ImageFileLock.TryLock(stream.SafeFileHandle, readOnly || snapshot))
        {
            stream.Dispose();
            throw new LoadException($"{path}: the disk image is locked by another process (QEMU or another RvEmu using it?)");
        }

        ulong length = (ulong)stream.Length;
        if (length % SectorSize != 0)
            warn?.Invoke($"{path}: size {length} is not a multiple of {SectorSize}; the last {length % SectorSize} bytes are not used");
        return new DiskImage(path, stream, readOnly, snapshot, length);
    }

    /// <summary>
    /// A key naming the file behind <paramref name="path"/> (device and inode on Linux, so two paths to one file
    /// and hard links give the same key; the full path elsewhere), to refuse the same image attached twice.
    /// </summary>
    public static string Identity(string path) =>
        ImageFileLock.Inspect(path) is { Id: var id } ? $"{id.Major}:{id.Minor}:{id.Inode}" : System.IO.Path.GetFullPath(path);

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
        if (_overlay is not null)
        {
            ReadThroughOverlay(offset, destination);
            return;
        }
        ReadFile(offset, destination);
    }

    private void ReadFile(ulong offset, Span<byte> destination)
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
        if (_overlay is not null)
        {
            WriteToOverlay(offset, source);
            return;
        }
        RandomAccess.Write(_stream.SafeFileHandle, source, (long)offset);
    }

    /// <summary>Snapshot read: page by page, the overlay's copy if the guest wrote the page, else the file.</summary>
    private void ReadThroughOverlay(ulong offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            ulong page = offset / OverlayPageSize;
            int within = (int)(offset % OverlayPageSize);
            int n = Math.Min(destination.Length, OverlayPageSize - within);
            if (_overlay!.TryGetValue(page, out var copy)) copy.AsSpan(within, n).CopyTo(destination);
            else ReadFile(offset, destination[..n]);
            destination = destination[n..];
            offset += (ulong)n;
        }
    }

    /// <summary>Snapshot write: copy each touched page from the file on its first write, then patch it.</summary>
    private void WriteToOverlay(ulong offset, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            ulong page = offset / OverlayPageSize;
            int within = (int)(offset % OverlayPageSize);
            int n = Math.Min(source.Length, OverlayPageSize - within);
            if (!_overlay!.TryGetValue(page, out var copy))
            {
                copy = new byte[OverlayPageSize];
                // The last page may run past the capacity (a size not a multiple of 4 KiB): only the
                // part inside the file is read; the rest stays zero and is never visible to the guest.
                ulong start = page * OverlayPageSize;
                int inFile = (int)Math.Min((ulong)OverlayPageSize, Capacity * SectorSize - start);
                ReadFile(start, copy.AsSpan(0, inFile));
                _overlay.Add(page, copy);
            }
            source[..n].CopyTo(copy.AsSpan(within, n));
            source = source[n..];
            offset += (ulong)n;
        }
    }

    /// <summary>Make written data durable (fsync). Nothing to do in snapshot mode: the writes are meant to vanish.</summary>
    public void Flush()
    {
        if (!ReadOnly && _overlay is null) _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
