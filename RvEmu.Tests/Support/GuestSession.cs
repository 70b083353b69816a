using System.Text;
using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Support;

/// <summary>
/// Runs a virt machine on a background thread and talks to its console as a person would:
/// wait for text, type a line, wait for the guest to power off.
/// </summary>
public sealed class GuestSession : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();
    private readonly Thread _thread;
    private RunResult? _result;
    private Exception? _failure;
    private int _cursor;

    public VirtMachine Machine { get; }

    private GuestSession(MachineOptions options)
    {
        options.ConsoleOutput = b =>
        {
            lock (_lock) _output.Append((char)b);
        };
        Machine = VirtMachine.Create(options);
        _thread = new Thread(() =>
        {
            try { _result = Machine.Run(); }
            catch (Exception e) { _failure = e; }
        }) { IsBackground = true, Name = "guest" };
        _thread.Start();
    }

    public static GuestSession Start(MachineOptions options) => new(options);

    /// <summary>Everything the guest printed so far.</summary>
    public string Output
    {
        get { lock (_lock) return _output.ToString(); }
    }

    /// <summary>Wait until <paramref name="text"/> appears after what earlier waits consumed; returns the text up to and including it.</summary>
    public string WaitFor(string text, double seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            lock (_lock)
            {
                string all = _output.ToString();
                int at = all.IndexOf(text, _cursor, StringComparison.Ordinal);
                if (at >= 0)
                {
                    string seen = all[_cursor..(at + text.Length)];
                    _cursor = at + text.Length;
                    return seen;
                }
            }
            if (_failure is not null) Assert.Fail($"the machine threw {_failure}");
            if (!_thread.IsAlive) Assert.Fail($"the guest stopped ({_result?.Message}) before printing \"{text}\". Output:\n{Tail()}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"\"{text}\" did not appear within {seconds} s. Output:\n{Tail()}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Type characters on the console.</summary>
    public void Type(string text) => Machine.SendInput(Encoding.ASCII.GetBytes(text));

    /// <summary>Wait for the guest to stop by itself.</summary>
    public RunResult WaitForExit(double seconds = 60)
    {
        if (!_thread.Join(TimeSpan.FromSeconds(seconds))) Assert.Fail($"the guest did not stop within {seconds} s. Output:\n{Tail()}");
        if (_failure is not null) Assert.Fail($"the machine threw {_failure}");
        return _result!;
    }

    private string Tail()
    {
        string all = Output;
        return all.Length > 3000 ? all[^3000..] : all;
    }

    public void Dispose()
    {
        Machine.RequestStop();
        _thread.Join(TimeSpan.FromSeconds(10));
        Machine.Dispose();
    }
}
