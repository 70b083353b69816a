using System.Runtime.InteropServices;

namespace RvEmu.Cli;

/// <summary>
/// Puts the host terminal in raw mode for the run (as QEMU's stdio chardev does) and restores it:
/// the guest then gets every key as typed (Ctrl-C, Ctrl-Z, Ctrl-D, arrows as escape sequences), and
/// its own tty layer does the echo and line editing. Unix only; elsewhere, and when stdin is not a
/// terminal, it does nothing.
/// </summary>
internal sealed class TerminalMode : IDisposable
{
    // struct termios is treated as opaque bytes: tcgetattr fills it, cfmakeraw edits it, so its layout
    // (60 bytes on Linux, 72 on macOS) never matters. 256 bytes is room for any libc.
    private const int TermiosBufferSize = 256;
    private const int StdinFd = 0;
    private const int TcsaDrain = 1; // TCSADRAIN: 1 on Linux and macOS

    private byte[]? _saved;

    private TerminalMode() { }

    /// <summary>Switch stdin's terminal to raw mode if stdin is a terminal; dispose to restore it.</summary>
    public static TerminalMode EnterRaw()
    {
        var mode = new TerminalMode();
        if (Console.IsInputRedirected || !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            return mode;
        try
        {
            var saved = new byte[TermiosBufferSize];
            if (tcgetattr(StdinFd, saved) != 0) return mode;
            var raw = (byte[])saved.Clone();
            cfmakeraw(raw);
            if (tcsetattr(StdinFd, TcsaDrain, raw) != 0) return mode;
            mode._saved = saved;
            // Restore even if the process ends without disposing (an unhandled exception, a signal .NET handles).
            AppDomain.CurrentDomain.ProcessExit += mode.OnProcessExit;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No usable libc termios: keep the terminal as it is (Ctrl-C then stops RvEmu instead).
        }
        return mode;
    }

    /// <summary>True while the terminal is in raw mode (Ctrl-C reaches the guest instead of raising SIGINT).</summary>
    public bool IsRaw => _saved is not null;

    private void OnProcessExit(object? sender, EventArgs e) => Restore();

    private void Restore()
    {
        if (_saved is null) return;
        tcsetattr(StdinFd, TcsaDrain, _saved);
        _saved = null;
    }

    public void Dispose()
    {
        Restore();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc")]
    private static extern void cfmakeraw(byte[] termios);
}
