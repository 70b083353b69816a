using Microsoft.Win32.SafeHandles;
using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary>
/// The guest's console on the host terminal, as a serial terminal: UART/HTIF output to stdout, every
/// key to the guest (Ctrl-C included; the terminal is in raw mode for the run), and the Ctrl-A escape
/// (<see cref="ConsoleEscape"/>) for RvEmu itself: Ctrl-A x quits, Ctrl-A h prints help.
/// </summary>
internal sealed class HostConsole : IDisposable
{
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly ConsoleEscape _escape = new();
    private TerminalMode? _terminal;
    private VirtMachine? _machine;

    public void Write(byte b)
    {
        // Unbuffered: interactive guests (prompts without newline) must appear at once.
        _stdout.WriteByte(b);
    }

    public void Flush() => _stdout.Flush();

    /// <summary>True if the user quit with Ctrl-A x.</summary>
    public bool QuitByEscape { get; private set; }

    public void Attach(VirtMachine machine)
    {
        _machine = machine;
        // From a raw terminal Ctrl-C is an ordinary byte for the guest; SIGINT from elsewhere (kill -INT,
        // or a terminal that is not in raw mode) still stops the machine (HostSignals).
        _terminal = TerminalMode.EnterRaw();
        var reader = new Thread(ReadInput) { IsBackground = true, Name = "rvemu-stdin" };
        reader.Start();
    }

    /// <summary>Feed stdin to the UART as raw bytes, through the Ctrl-A escape.</summary>
    private void ReadInput()
    {
        try
        {
            // A raw terminal is read directly (fd 0), not through .NET's Console, which would echo and
            // line-buffer; a pipe or file is read as it comes.
            using var stdin = _terminal?.IsRaw == true
                ? new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0)
                : Console.OpenStandardInput();
            var buffer = new byte[256];
            var toGuest = new List<byte>(256);
            int n;
            while ((n = stdin.Read(buffer, 0, buffer.Length)) > 0)
            {
                toGuest.Clear();
                bool quit = false;
                _escape.Feed(buffer.AsSpan(0, n), toGuest, command =>
                {
                    if (command == ConsoleEscape.Command.Quit) quit = true;
                    else WriteHelp();
                });
                if (toGuest.Count > 0) _machine?.SendInput(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(toGuest));
                if (quit)
                {
                    QuitByEscape = true;
                    _machine?.RequestStop(130, "quit (Ctrl-A x)");
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // No usable console input (closed or not readable): the guest simply gets none.
        }
    }

    private static void WriteHelp()
    {
        using var stderr = Console.OpenStandardError();
        stderr.Write(System.Text.Encoding.ASCII.GetBytes(ConsoleEscape.HelpText));
    }

    /// <summary>The run is over: flush the guest's output and give the terminal back (before RvEmu prints its last line).</summary>
    public void Detach()
    {
        _stdout.Flush();
        _terminal?.Dispose();
    }

    public void Dispose() => Detach();
}
