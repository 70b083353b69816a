using System.Diagnostics;
using RvEmu.Core.Cpu;
using RvEmu.Core.Tracing;

namespace RvEmu.Devices.Machine;

/// <summary>
/// The run loop. Two ways to run the harts, one contract (exit codes, limits, reset, stop):
/// <list type="bullet">
/// <item><b>Threaded</b> (default): every hart runs on its own host thread, so N harts use up to N host
/// cores; the thread that called <see cref="Run"/> is the machine's I/O thread: it polls devices by
/// deadline (timers, host input, unfinished virtio requests), performs resets and watches the limits.</item>
/// <item><b>Round-robin</b> (<c>--icount</c>): every hart in turn for at most <see cref="ChunkSize"/>
/// instructions on the calling thread, devices polled after each turn, so a run is a pure function of
/// its inputs: identical output and instruction counts every time.</item>
/// </list>
/// A hart's chunk ends early at xRET, WFI, CSR writes that change translation or make an interrupt
/// deliverable (Hart.CsrWriteEndsChunk), and device accesses that raised an interrupt line or asked the
/// machine to stop; otherwise an interrupt raised by another thread is seen at the chunk end, so a
/// running hart takes it within <see cref="ChunkSize"/> instructions, and a sleeping hart at once.
/// </summary>
public sealed partial class VirtMachine
{
    /// <summary>Instructions a hart runs between looks at the machine: the bound on interrupt latency for a running hart.</summary>
    private const long ChunkSize = 8192;

    /// <summary>How often a running hart thread offers its host core to others (see HartThread): 25 µs.</summary>
    private static readonly long YieldInterval = Stopwatch.Frequency / 40_000;

    /// <summary>Longest a waiting thread sleeps before looking at the machine again (--timeout, stops).</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(50);

    private readonly AutoResetEvent _hostEvent = new(false);
    private volatile bool _stopRequested, _resetRequested;
    // Written before the volatile _stopRequested is set, read after it is seen (release/acquire).
    private int _stopCode = 130;
    private string _stopMessage = "stopped by the host";

    /// <summary>How the run ends; the first reason set wins (set from any thread).</summary>
    private Outcome? _outcome;
    private sealed record Outcome(ExitReason Reason, int ExitCode, string Message);

    /// <summary>Steps (retired or trapping instructions) all harts were allowed for --max-instructions, and those they took.</summary>
    private long _stepsClaimed, _stepsTaken;
    private long _stepLimit;

    /// <summary>Instructions retired before the last reset, so --icount time never runs backwards.</summary>
    private ulong _retiredBeforeReset;

    // Pause protocol (resets now, the debugger later): hart threads park at their next chunk end.
    private volatile bool _pauseRequested;
    private int _parked, _running;
    private readonly ManualResetEventSlim _resume = new(true);

    /// <summary>Instructions retired by all harts since the last reset.</summary>
    private ulong TotalRetired
    {
        get
        {
            ulong sum = 0;
            foreach (var h in Harts) sum += h.InstructionsRetired;
            return sum;
        }
    }

    /// <summary>True once the run has an outcome (the guest powered off, a limit was reached, the host stopped it).</summary>
    public bool Stopped => Volatile.Read(ref _outcome) is not null;

    /// <summary>Run until the guest powers off or a limit is reached.</summary>
    public RunResult Run()
    {
        var started = Stopwatch.StartNew();
        _outcome = null;
        _stepsClaimed = _stepsTaken = 0;
        _stepLimit = (long)Math.Min(_options.MaxInstructions ?? long.MaxValue, long.MaxValue);
        if (Timer.Deterministic) RunRoundRobin(started);
        else RunThreaded(started);
        var o = _outcome!;
        return new RunResult(o.Reason, o.ExitCode, o.Message, _retiredBeforeReset + TotalRetired, started.Elapsed);
    }

    private void SetOutcome(ExitReason reason, int code, string message)
    {
        if (Interlocked.CompareExchange(ref _outcome, new Outcome(reason, code, message), null) is not null) return;
        foreach (var h in Harts) h.RequestChunkEnd();
        _hostEvent.Set();
    }

    private string LimitMessage => $"stopped after {_stepLimit} instructions (--max-instructions)";

    // ---- threaded ----

    private void RunThreaded(Stopwatch started)
    {
        TimeSpan timeout = _options.Timeout ?? TimeSpan.MaxValue;
        _running = Harts.Count;
        var threads = Harts.Select(h => new Thread(() => HartThread(h)) { Name = $"hart{h.HartId}", IsBackground = true }).ToList();
        foreach (var t in threads) t.Start();
        try
        {
            while (_outcome is null)
            {
                if (_stopRequested) { SetOutcome(ExitReason.HostStop, _stopCode, _stopMessage); break; }
                if (started.Elapsed >= timeout) { SetOutcome(ExitReason.Timeout, 124, TimeoutMessage(timeout)); break; }
                if (_resetRequested)
                {
                    PauseHarts();
                    ResetNow();
                    ResumeHarts();
                }
                ulong deadline = PollDevices(andHarts: false);
                if (_outcome is not null) break;
                TimeSpan wait = Timer.Until(deadline);
                if (wait > MaxSleep) wait = MaxSleep;
                if (timeout != TimeSpan.MaxValue && wait > timeout - started.Elapsed) wait = timeout - started.Elapsed;
                if (wait > TimeSpan.Zero) _hostEvent.WaitOne(wait);
            }
        }
        finally
        {
            if (_outcome is null) SetOutcome(ExitReason.HostStop, _stopCode, _stopMessage);
            ResumeHarts();
            foreach (var t in threads) t.Join();
        }
    }

    /// <summary>One hart's host thread: run chunks, take its own timer (Sstc), sleep in WFI, park when asked.</summary>
    private void HartThread(Hart hart)
    {
        // Guests spin: a hart waits in a loop for a value another hart will store (barriers, litmus
        // rendezvous, Linux's ticket locks and csd_lock_wait). With more runnable threads than host
        // cores (a 4-hart guest on a busy 2-core host), the spinning thread would keep the core for a
        // whole scheduler time slice (milliseconds) while the hart it waits for cannot run, so every
        // hand-over costs a slice and a guest that rendezvouses 10^5 times seems to hang. Offering the
        // core after every chunk (sched_yield, well under a microsecond when nobody else is runnable:
        // ~1% of a chunk) bounds a hand-over by one chunk. A single hart has no one to wait for.
        // The offer is made by time, once per YieldInterval (about what a chunk takes interpreted): compiled code
        // runs a chunk in a few microseconds, and a sched_yield per chunk then cost a third of the time.
        bool yieldAfterChunk = Harts.Count > 1;
        long lastYield = Stopwatch.GetTimestamp();
        // Without --max-instructions there is no budget to share: no claims, no shared counters per chunk
        // (two harts updating them every few microseconds fought over their cache line).
        bool limited = _stepLimit != long.MaxValue;
        TraceLog.CurrentHart = hart.HartId; // device accesses from this thread are this hart's (trace)
        try
        {
            while (_outcome is null)
            {
                if (_pauseRequested) { Park(); continue; }
                long claim = limited ? ClaimSteps() : ChunkSize;
                if (claim == 0)
                {
                    // The budget is spent by harts still running their claims; the last one ends the run.
                    hart.Sleep(TimeSpan.FromMilliseconds(1));
                    continue;
                }
                long steps = hart.Run(claim);
                if (limited) AccountSteps(claim, steps);
                hart.UpdateSstc();
                if (hart.WaitingForInterrupt) SleepInWfi(hart);
                else if (yieldAfterChunk && Stopwatch.GetTimestamp() - lastYield >= YieldInterval)
                {
                    Thread.Yield();
                    lastYield = Stopwatch.GetTimestamp();
                }
            }
        }
        catch (Exception e)
        {
            // A host bug must not leave the process hanging with a dead hart: report it as the run's end.
            SetOutcome(ExitReason.HostStop, 3, $"internal error on hart {hart.HartId}: {e}");
        }
    }

    /// <summary>Claim up to a chunk of the --max-instructions budget; 0 when it is all claimed.</summary>
    private long ClaimSteps()
    {
        while (true)
        {
            long claimed = Volatile.Read(ref _stepsClaimed);
            long take = Math.Min(ChunkSize, _stepLimit - claimed);
            if (take <= 0) return 0;
            if (Interlocked.CompareExchange(ref _stepsClaimed, claimed + take, claimed) == claimed) return take;
        }
    }

    /// <summary>Give back what a chunk did not use, count what it did, and end the run when the budget is spent.</summary>
    private void AccountSteps(long claimed, long taken)
    {
        if (taken < claimed) Interlocked.Add(ref _stepsClaimed, taken - claimed);
        if (Interlocked.Add(ref _stepsTaken, taken) >= _stepLimit)
            SetOutcome(ExitReason.InstructionLimit, 124, LimitMessage);
    }

    /// <summary>WFI on a hart thread: sleep until an interrupt line rises (CLINT, PLIC), the hart's own Sstc deadline, or a stop.</summary>
    private void SleepInWfi(Hart hart)
    {
        while (hart.WaitingForInterrupt && _outcome is null && !_pauseRequested)
        {
            hart.UpdateSstc();
            if (hart.InterruptWakesWfi) { hart.Wake(); return; }
            TimeSpan wait = Timer.Until(hart.NextTimerDeadline);
            hart.Sleep(wait > MaxSleep ? MaxSleep : wait);
        }
    }

    /// <summary>Stop every hart thread at its next chunk end and wait until all are parked (or gone).</summary>
    private void PauseHarts()
    {
        _resume.Reset();
        _pauseRequested = true;
        foreach (var h in Harts) h.RequestChunkEnd();
        var spin = new SpinWait();
        while (Volatile.Read(ref _parked) < Volatile.Read(ref _running) && _outcome is null) spin.SpinOnce();
    }

    private void ResumeHarts()
    {
        _pauseRequested = false;
        _resume.Set();
    }

    private void Park()
    {
        Interlocked.Increment(ref _parked);
        try { _resume.Wait(); }
        finally { Interlocked.Decrement(ref _parked); }
    }

    // ---- round-robin (deterministic) ----

    private void RunRoundRobin(Stopwatch started)
    {
        TimeSpan timeout = _options.Timeout ?? TimeSpan.MaxValue;
        while (_outcome is null)
        {
            bool anyAwake = false;
            foreach (var hart in Harts)
            {
                if (hart.WaitingForInterrupt)
                {
                    if (!hart.InterruptWakesWfi) continue;
                    hart.Wake();
                }
                anyAwake = true;
                if (_stepsTaken >= _stepLimit) { SetOutcome(ExitReason.InstructionLimit, 124, LimitMessage); return; }
                TraceLog.CurrentHart = hart.HartId;
                _stepsTaken += hart.Run(Math.Min(ChunkSize, _stepLimit - _stepsTaken));
                TraceLog.CurrentHart = -1;
                PollDevices(andHarts: true);
                if (_outcome is not null) return;
                if (_resetRequested) { ResetNow(); break; }
                if (_stopRequested) { SetOutcome(ExitReason.HostStop, _stopCode, _stopMessage); return; }
                if (started.Elapsed >= timeout) { SetOutcome(ExitReason.Timeout, 124, TimeoutMessage(timeout)); return; }
            }
            if (!anyAwake) SkipToNextDeadline();
        }
    }

    /// <summary>
    /// Every hart waits in WFI: with time derived from instructions nothing would ever change, so jump
    /// mtime to the earliest deadline (a hart's Sstc, a device's timer). With none, no interrupt can ever
    /// wake a hart: the run ends (exit 125) instead of hanging.
    /// </summary>
    private void SkipToNextDeadline()
    {
        ulong deadline = PollDevices(andHarts: true);
        foreach (var h in Harts)
        {
            if (h.InterruptWakesWfi) return;
            deadline = Math.Min(deadline, h.NextTimerDeadline);
        }
        if (deadline == ulong.MaxValue)
        {
            SetOutcome(ExitReason.GuestExit, 125, NothingCanWakeMessage);
            return;
        }
        Timer.SkipTo(deadline);
        PollDevices(andHarts: true);
    }

    // ---- shared ----

    /// <summary>Poll every device under the device lock (and, when asked, each hart's Sstc); returns the earliest device deadline.</summary>
    private ulong PollDevices(bool andHarts)
    {
        ulong deadline = ulong.MaxValue;
        lock (Bus.DeviceLock)
        {
            foreach (var d in _polled)
            {
                d.Poll();
                deadline = Math.Min(deadline, d.NextDeadline);
            }
        }
        if (andHarts)
            foreach (var h in Harts) h.UpdateSstc();
        return deadline;
    }

    private static string TimeoutMessage(TimeSpan timeout) => $"stopped after {timeout.TotalSeconds:0.###} s (--timeout)";

    /// <summary>Wake the I/O thread (host input arrived, a timer deadline moved). Safe from any thread.</summary>
    public void SignalHostEvent() => _hostEvent.Set();

    /// <summary>
    /// The message of a deterministic (--icount) run that ends with exit code 125 because every hart waits
    /// in WFI and no timer or device can ever wake one.
    /// </summary>
    public const string NothingCanWakeMessage = "every hart waits in WFI with no interrupt that can wake it";

    /// <summary>
    /// Ask the run loop to stop (a signal, Ctrl-C); the run ends with <see cref="ExitReason.HostStop"/>,
    /// <paramref name="exitCode"/> and <paramref name="message"/>. Safe from any thread.
    /// </summary>
    public void RequestStop(int exitCode = 130, string message = "stopped by the host")
    {
        _stopCode = exitCode;
        _stopMessage = message;
        _stopRequested = true;
        _hostEvent.Set();
    }

    void IMachineControl.RequestExit(int exitCode, string reason) => SetOutcome(ExitReason.GuestExit, exitCode, reason);

    void IMachineControl.RequestReset()
    {
        _options.Log?.Information("reset requested by the guest: reloading firmware, kernel and device tree");
        _resetRequested = true;
        foreach (var h in Harts) h.RequestChunkEnd();
        _hostEvent.Set();
    }

    /// <summary>
    /// System reset, with every hart stopped: reload firmware, kernel and device tree, as QEMU does (so
    /// firmware that keeps boot-time state in its image starts afresh), and return devices to reset state.
    /// </summary>
    private void ResetNow()
    {
        _resetRequested = false;
        _retiredBeforeReset += TotalRetired;
        lock (Bus.DeviceLock)
        {
            foreach (var (address, data) in _images) Bus.Load(address, data);
            foreach (var h in Harts) h.Reset(VirtMemoryMap.BootRomBase);
            foreach (var v in _virtio) v.Reset();
            Clint.Reset();
            Plic.Reset();
            Uart.Reset();
            Rtc.Reset();
        }
    }
}
