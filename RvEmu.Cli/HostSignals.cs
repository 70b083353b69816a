using System.Runtime.InteropServices;
using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP stop the machine cleanly: the run loop ends, the trace is flushed and closed,
/// the disk images closed (every completed write is already in the OS: writes go straight to the file), one
/// line on stderr names the signal, and the exit code is 128 + its number, as a shell reports a death by
/// that signal. A second signal while that shutdown runs exits at once (after removing temporary files).
/// A signal that arrives before the machine exists stops it as soon as it is attached.
/// </summary>
/// <remarks>
/// On a terminal the console is in raw mode for the run (<see cref="HostConsole"/>): Ctrl-C is a byte for the
/// guest, as in QEMU's -nographic mode, and Ctrl-A x quits. A SIGINT that does arrive (kill -INT, or a
/// console that is not a terminal) means "stop".
/// </remarks>
internal sealed class HostSignals : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = new();
    private readonly List<Action> _exitCleanup = new();
    private readonly Lock _lock = new();
    private VirtMachine? _machine;
    private int _signal;
    private string _name = "";

    public HostSignals()
    {
        foreach (var s in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
            _registrations.Add(PosixSignalRegistration.Create(s, Handle));
    }

    /// <summary>The exit code for the signal received (128 + number), or null when none came.</summary>
    public int? ExitCode
    {
        get { lock (_lock) return _signal == 0 ? null : 128 + _signal; }
    }

    /// <summary>The one line that says which signal stopped the run.</summary>
    public string Message
    {
        get { lock (_lock) return $"stopped by {_name}"; }
    }

    /// <summary>Work that must happen even when a second signal exits at once (removing temporary files).</summary>
    public void OnExitAtOnce(Action cleanup)
    {
        lock (_lock) _exitCleanup.Add(cleanup);
    }

    /// <summary>The machine a signal stops (null: none running).</summary>
    public void Attach(VirtMachine? machine)
    {
        lock (_lock)
        {
            _machine = machine;
            if (_signal != 0) machine?.RequestStop(128 + _signal, $"stopped by {_name}");
        }
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // no default termination: we stop cleanly
        var (number, name) = context.Signal switch
        {
            PosixSignal.SIGINT => (2, "SIGINT"),
            PosixSignal.SIGTERM => (15, "SIGTERM"),
            _ => (1, "SIGHUP"),
        };
        Action[] cleanup;
        lock (_lock)
        {
            if (_signal == 0)
            {
                _signal = number;
                _name = name;
                _machine?.RequestStop(128 + number, $"stopped by {name}");
                return;
            }
            cleanup = _exitCleanup.ToArray();
        }
        // A second signal: the user wants out now.
        foreach (var c in cleanup)
        {
            try { c(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        Console.Error.WriteLine($"rvemu: {name} during shutdown: exiting at once");
        // Not Environment.Exit: the runtime's own shutdown runs first (ProcessExit handlers, flushing), which is
        // what the user is cutting short, and may wait on the very thread that keeps the first stop from ending.
        // The disk images need nothing: every completed guest write is already in the file.
        ExitNow(128 + number);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
