using System.Runtime.InteropServices;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// What a disk image path names on the host, and the image lock that QEMU honours. Linux only (statx and
/// open-file-description locks); elsewhere <see cref="Inspect"/> returns null and no QEMU lock is taken.
/// </summary>
/// <remarks>
/// QEMU's raw driver (block/file-posix.c, raw_apply_lock_bytes / raw_check_lock_bytes) takes shared OFD
/// byte-range locks (fcntl F_OFD_SETLK, F_RDLCK): byte 100 + n for each permission it uses and byte 200 + n for
/// each permission it refuses to share, n being the permission's bit (0 consistent read, 1 write). It then tests
/// with an exclusive F_OFD_GETLK whether anyone else holds a byte that conflicts. Observed on
/// qemu-system-riscv64 7.2 through /proc/locks: a read-write drive holds 100, 101 and 201; a read-only one 100
/// and 201 (it refuses to share writing unless share-rw=on). RvEmu takes the same bytes and makes the same
/// tests, so QEMU and RvEmu each refuse an image the other holds, as two QEMUs do.
/// </remarks>
internal static class ImageFileLock
{
    private const int PermBase = 100, SharedBase = 200;
    private const int ConsistentRead = 0, Write = 1;

    /// <summary>The kind of file a path names (the S_IFMT bits of its mode).</summary>
    public enum Kind { Regular, BlockDevice, Directory, Fifo, Socket, CharacterDevice, Other }

    /// <summary>Identity (device and inode) and kind of the file <paramref name="path"/> names, following symlinks; null if unknown (not Linux, or statx failed).</summary>
    public static (Kind Kind, (uint Major, uint Minor, ulong Inode) Id)? Inspect(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        Span<byte> buffer = stackalloc byte[256];
        buffer.Clear();
        // statx(AT_FDCWD, path, 0, STATX_TYPE | STATX_INO): struct statx has one layout on every architecture.
        if (Statx(AtFdCwd, path, 0, StatxType | StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        ushort mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        ulong inode = MemoryMarshal.Read<ulong>(buffer[32..]);
        uint major = MemoryMarshal.Read<uint>(buffer[136..]), minor = MemoryMarshal.Read<uint>(buffer[140..]);
        var kind = (mode & 0xf000) switch
        {
            0x8000 => Kind.Regular,
            0x6000 => Kind.BlockDevice,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0xc000 => Kind.Socket,
            0x2000 => Kind.CharacterDevice,
            _ => Kind.Other,
        };
        return (kind, (major, minor, inode));
    }

    /// <summary>
    /// Take QEMU's lock bytes on the open image <paramref name="file"/> and test for conflicts. Returns false when
    /// another process (QEMU, or another RvEmu) holds the image in a way that excludes us; true otherwise, and
    /// always true off Linux. The locks last until the file is closed.
    /// </summary>
    public static bool TryLock(SafeHandle file, bool readOnly)
    {
        if (!OperatingSystem.IsLinux()) return true;
        int fd = (int)file.DangerousGetHandle();
        // Ours: consistent read (+ write); refused to others: write.
        if (!SetShared(fd, PermBase + ConsistentRead) || !SetShared(fd, SharedBase + Write)) return false;
        if (!readOnly && !SetShared(fd, PermBase + Write)) return false;
        // Someone writes (we refuse to share writing); or, when we write, someone refuses to share writing.
        if (HeldByOthers(fd, PermBase + Write)) return false;
        if (!readOnly && HeldByOthers(fd, SharedBase + Write)) return false;
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type, Whence;
        public long Start, Length;
        public int Pid;
    }

    private const int FOfdGetlk = 36, FOfdSetlk = 37;
    private const short FRdlck = 0, FWrlck = 1, FUnlck = 2;
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxIno = 0x100;

    private static bool SetShared(int fd, long offset)
    {
        var l = new Flock { Type = FRdlck, Whence = 0, Start = offset, Length = 1 };
        return Fcntl(fd, FOfdSetlk, ref l) == 0;
    }

    private static bool HeldByOthers(int fd, long offset)
    {
        var l = new Flock { Type = FWrlck, Whence = 0, Start = offset, Length = 1 };
        // F_OFD_GETLK ignores our own locks; a failed test counts as held (never open an image we cannot vouch for).
        return Fcntl(fd, FOfdGetlk, ref l) != 0 || l.Type != FUnlck;
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, ref Flock lk);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte buffer);
}
