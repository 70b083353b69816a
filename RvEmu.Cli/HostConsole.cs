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
