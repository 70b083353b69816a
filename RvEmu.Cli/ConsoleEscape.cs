namespace RvEmu.Cli;

/// <summary>
/// The console escape, as QEMU's <c>-nographic</c> mux (chardev/char-mux.c): every key goes to the
/// guest, Ctrl-C included, except after Ctrl-A, which introduces a command for RvEmu itself.
/// </summary>
internal sealed class ConsoleEscape
{
    /// <summary>Ctrl-A: the escape prefix.</summary>
    public const byte Prefix = 0x01;

    /// <summary>What the user asked RvEmu itself to do.</summary>
    public enum Command { Quit, Help }

    /// <summary>Printed for Ctrl-A h (lines end in CR LF: the terminal is in raw mode).</summary>
    public const string HelpText =
        "\r\nrvemu: console escape keys:\r\n" +
        "  Ctrl-A x        quit the emulator (the terminal is restored)\r\n" +
        "  Ctrl-A h        print this help\r\n" +
        "  Ctrl-A Ctrl-A   send Ctrl-A to the guest\r\n" +
        "  Ctrl-C and every other key go to the guest\r\n";

    private bool _afterPrefix;

    /// <summary>
    /// Sort <paramref name="input"/> into bytes for the guest (appended to <paramref name="toGuest"/>)
    /// and commands for RvEmu. Stops at <see cref="Command.Quit"/>: what follows it is not for the guest.
    /// An unknown key after Ctrl-A is dropped, as QEMU does.
    /// </summary>
    public void Feed(ReadOnlySpan<byte> input, List<byte> toGuest, Action<Command> command)
    {
        foreach (byte b in input)
        {
            if (!_afterPrefix)
            {
                if (b == Prefix) _afterPrefix = true;
                else toGuest.Add(b);
                continue;
            }
            _afterPrefix = false;
            switch (b)
            {
                case Prefix: toGuest.Add(Prefix); break;
                case (byte)'x' or (byte)'X':
                    command(Command.Quit);
                    return;
                case (byte)'h' or (byte)'H' or (byte)'?': command(Command.Help); break;
            }
        }
    }
}
