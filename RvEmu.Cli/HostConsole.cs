using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary>The guest's console on the host terminal: UART/HTIF output to stdout, Ctrl-C stops the machine.</summary>
internal sealed class HostConsole : IDisposable
{
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private VirtMachine? _machine;

    public void Write(byte b)
    {
        // Unbuffered: interactive guests (prompts without newline) must appear at once.
        _stdout.WriteByte(b);
    }

    public void Flush() => _stdout.Flush();

    public void Attach(VirtMachine machine)
    {
        _machine = machine;
        Console.CancelKeyPress += OnCancel;
        var reader = new Thread(ReadInput) { IsBackground = true, Name = "rvemu-stdin" };
        reader.Start();
    }

    /// <summary>Feed stdin to the UART: raw bytes when redirected, key presses (no echo) on a terminal.</summary>
    private void ReadInput()
    {
        try
        {
            if (Console.IsInputRedirected)
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                int n;
                while ((n = stdin.Read(buffer, 0, buffer.Length)) > 0) _machine?.SendInput(buffer.AsSpan(0, n));
                return;
            }
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                byte[] bytes = key.Key switch
                {
                    ConsoleKey.Enter => "\r"u8.ToArray(),
                    ConsoleKey.Backspace => new byte[] { 0x7f },
                    ConsoleKey.UpArrow => "\e[A"u8.ToArray(),
                    ConsoleKey.DownArrow => "\e[B"u8.ToArray(),
                    ConsoleKey.RightArrow => "\e[C"u8.ToArray(),
                    ConsoleKey.LeftArrow => "\e[D"u8.ToArray(),
                    _ => System.Text.Encoding.UTF8.GetBytes(key.KeyChar.ToString()),
                };
                _machine?.SendInput(bytes);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // No usable console input (closed or not a terminal): the guest simply gets none.
        }
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _machine?.RequestStop();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _stdout.Flush();
    }
}
