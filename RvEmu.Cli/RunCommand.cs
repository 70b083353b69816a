using System.CommandLine;
using System.Globalization;
using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary><c>rvemu run</c>: build a virt machine from the options and run it until the guest powers off.</summary>
internal static class RunCommand
{
    /// <summary>Exit code when --max-instructions or --timeout stops the guest (as coreutils' timeout).</summary>
    public const int LimitExitCode = 124;

    public static Command Create()
    {
        var kernel = new Option<string?>("--kernel", "-k") { Description = "Kernel to boot: an RV64 ELF (loaded at its physical addresses) or a raw binary", HelpName = "FILE" };
        var bios = new Option<string>("--bios") { Description = "M-mode firmware at 0x80000000: 'default' is RvEmu's own SBI firmware (built in), 'none' runs the kernel directly in M-mode", HelpName = "default|none|PATH", DefaultValueFactory = _ => "default" };
        var memory = new Option<string>("--memory", "-m") { Description = "Guest RAM size, e.g. 128M, 1G (a bare number is MiB)", HelpName = "SIZE", DefaultValueFactory = _ => "128M" };
        var signature = new Option<string?>("--signature") { Description = "When the guest stops, write the words between the ELF symbols begin_signature and end_signature, one 32-bit hex word per line", HelpName = "FILE" };
        var maxInsns = new Option<ulong?>("--max-instructions") { Description = $"Stop after N instructions (exit code {LimitExitCode})", HelpName = "N", CustomParser = Cli.Number<ulong>("--max-instructions", "a whole number of instructions") };
        var timeout = new Option<double?>("--timeout") { Description = $"Stop after this many seconds of host time (exit code {LimitExitCode})", HelpName = "SECONDS", CustomParser = Cli.Number<double>("--timeout", "a number of seconds") };
        var icount = new Option<bool>("--icount") { Description = "Deterministic time: mtime advances with instructions retired (10 per tick), so runs are reproducible" };
        var append = new Option<string?>("--append") { Description = "Kernel command line (/chosen/bootargs)", HelpName = "ARGS" };
        var drive = new Option<string[]>("--drive", "-d") { Description = "A virtio-blk disk: PATH or file=PATH[,readonly=on][,snapshot=on][,slot=0..7][,virtio=legacy|modern] (repeatable, up to 8); snapshot=on keeps the guest's writes in memory and never modifies the file", HelpName = "SPEC" };
        // QEMU's virt takes up to 512 harts; RvEmu's PLIC, CLINT and FDT would too, but 8 is what is tested.
        const int MaxSmp = 8;
        var smp = new Option<int?>("--smp") { Description = "Number of harts, 1 to 8 (as QEMU's -smp): each runs on its own host thread (round-robin on one thread with --icount)", HelpName = "N", CustomParser = Cli.Number<int>("--smp", "a number of harts from 1 to 8") };
        var gdb = new Option<string?>("--gdb") { Description = "Wait for a GDB connection (gdb-multiarch: target remote :1234) on tcp::PORT, PORT or tcp:HOST:PORT (localhost unless a host is given)", HelpName = "SPEC" };
        var gdbShort = new Option<bool>("-s") { Description = "Shorthand for --gdb tcp::1234 (as QEMU's -s)" };
        var waitForGdb = new Option<bool>("--wait-for-gdb", "-S") { Description = "Hold every hart at reset until GDB continues (as QEMU's -S)" };
        var jit = Cli.JitOption("Compile hot guest code to host code (on), or interpret every instruction (off); the default is on unless RVEMU_JIT=off");
        var jitThreshold = new Option<int?>("--jit-threshold") { Description = "Times a jump target is reached before it is compiled (default 20000)", HelpName = "N", CustomParser = Cli.Number<int>("--jit-threshold", "a number from 1 to 60000") };
        var dumpDtb = new Option<string?>("--dump-dtb") { Description = "Write the generated device tree blob to FILE and exit (view it with: dtc -I dtb -O dts FILE)", HelpName = "FILE" };

        var trace = new TraceOptions();
        var cmd = new Command("run", "Boot a guest on the virt board; the exit code is the guest's (test finisher, HTIF, SBI shutdown). " +
            "The console is a serial terminal: every key goes to the guest, Ctrl-C too; Ctrl-A x quits RvEmu (exit code 130), " +
            "Ctrl-A h lists the escape keys, Ctrl-A Ctrl-A sends Ctrl-A")
        {
            kernel, bios, memory, smp, drive, signature, maxInsns, timeout, icount, append, dumpDtb, gdb, gdbShort, waitForGdb, jit, jitThreshold,
        };
        foreach (var o in trace.All) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            if (!SizeParser.TryParse(p.GetValue(memory)!, out ulong memBytes) || memBytes == 0)
                throw new UsageException($"--memory: '{p.GetValue(memory)}' is not a size (examples: 128M, 1G)");
            TimeSpan? limit = p.GetValue(timeout) is { } seconds ? ParseTimeout(seconds) : null;
            int harts = p.GetValue(smp) ?? 1;
            if (harts is < 1 or > MaxSmp)
                throw new UsageException($"--smp: '{harts}' is not a number of harts from 1 to {MaxSmp}");
            string biosValue = p.GetValue(bios)!;
            bool jitOn = Cli.IsOn(p.GetValue(jit)!);
            int threshold = p.GetValue(jitThreshold) ?? MachineOptions.DefaultJitThreshold;
            if (threshold is < 1 or > 60000) throw new UsageException($"--jit-threshold: '{threshold}' is not a number from 1 to 60000");
            var options = new MachineOptions
            {
                MemorySize = memBytes,
                HartCount = harts,
                KernelPath = p.GetValue(kernel),
                BiosPath = biosValue is "none" or "default" ? null : biosValue,
                BiosImage = biosValue == "default" ? BundledFirmware.Sbi : null,
                MaxInstructions = p.GetValue(maxInsns),
                Timeout = limit,
                Deterministic = p.GetValue(icount),
                Bootargs = p.GetValue(append),
                Drives = ParseDrives(p.GetValue(drive) ?? Array.Empty<string>()),
                Jit = jitOn,
                JitThreshold = threshold,
            };
            // Every option is checked before anything is written: the trace file is created only once the
            // machine is built (TraceOutput.Open), so a run that cannot start leaves the user's files as they were.
            var log = trace.BuildDiagnostics(p);
            options.Log = log;
            using var traceOutput = trace.Prepare(p, harts);
            options.Trace = traceOutput?.Log;
            if (p.GetValue(dumpDtb) is { } dtbPath) return DumpDtb(options, dtbPath);
            using var signals = new HostSignals();
            using var bundle = new ScratchDirectory();
            signals.OnExitAtOnce(bundle.Dispose);
            string? notice = null;
            if (options.KernelPath is null && biosValue == "default")
            {
                // No kernel: boot the bundled guest on a scratch copy of the bundled disk (the copy keeps
                // the demo repeatable and never changes a file the user did not name).
                options.KernelPath = bundle.Write("guest.elf", BundledFirmware.GuestElf);
                notice = "rvemu: no --kernel given: booting the bundled guest with RvEmu's SBI firmware";
                // Its command line (firmware/guest/README.md): the scripted tour, then the shell prompt on a
                // terminal; with stdin redirected nobody can type, so the guest powers off after the tour.
                options.Bootargs ??= Console.IsInputRedirected ? "tour; poweroff" : "tour";
                if (options.Drives.Count == 0)
                {
                    options.Drives = new[] { new DriveOptions { Path = bundle.Write("disk.img", BundledFirmware.Disk) } };
                    notice += ", on a scratch copy of the bundled disk";
                }
            }
            if (options.KernelPath is null && !options.HasBios)
                throw new UsageException("nothing to run: give --kernel FILE (see 'rvemu run --help')");
            string? gdbSpec = p.GetValue(gdb) ?? (p.GetValue(gdbShort) ? "tcp::1234" : null);
            if (gdbSpec is null && p.GetValue(waitForGdb)) throw new UsageException("--wait-for-gdb: needs --gdb SPEC or -s");
            using var listener = gdbSpec is null ? null : Listen(gdbSpec);
            return Run(options, p.GetValue(signature), notice, traceOutput, signals, listener, p.GetValue(waitForGdb));
        });
        return cmd;
    }

    // The notice is printed only once the machine is built, so a bad input still gets exactly one line.
    /// <summary>--gdb SPEC: tcp::PORT, PORT or tcp:HOST:PORT, as QEMU's -gdb. Listening beyond loopback takes an explicit host, and warns.</summary>
    private static DisposableListener Listen(string spec)
    {
        string rest = spec.StartsWith("tcp:", StringComparison.Ordinal) ? spec[4..] : ":" + spec;
        int colon = rest.LastIndexOf(':');
        string host = colon > 0 ? rest[..colon] : "";
        if (colon < 0 || !int.TryParse(rest[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new UsageException($"--gdb: '{spec}' is not tcp::PORT, PORT or tcp:HOST:PORT");
        System.Net.IPAddress address = System.Net.IPAddress.Loopback;
        if (host.Length > 0 && host != "localhost")
        {
            if (!System.Net.IPAddress.TryParse(host, out address!))
                throw new UsageException($"--gdb: '{host}' is not an IP address");
            if (!System.Net.IPAddress.IsLoopback(address))
                Console.Error.WriteLine($"rvemu: warning: the GDB stub listens on {host}: anyone who can reach it controls the guest");
        }
        var listener = new System.Net.Sockets.TcpListener(address, port);
        try { listener.Start(); }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new UsageException($"--gdb: cannot listen on {address}:{port}: {e.Message}");
        }
        return new DisposableListener(listener);
    }

    private sealed class DisposableListener(System.Net.Sockets.TcpListener listener) : IDisposable
    {
        public System.Net.Sockets.TcpListener Listener => listener;
        public void Dispose() => listener.Stop();
    }

    private static int Run(MachineOptions options, string? signaturePath, string? notice, TraceOptions.TraceOutput? trace, HostSignals signals,
        DisposableListener? gdb = null, bool waitForGdb = false)
    {
        using var console = new HostConsole();
        options.ConsoleOutput = console.Write;
        using var machine = VirtMachine.Create(options);
        if (signaturePath is not null && !(machine.KernelSymbols.ContainsKey("begin_signature") && machine.KernelSymbols.ContainsKey("end_signature")))
            throw new UsageException("--signature: the kernel ELF has no begin_signature/end_signature symbols");
        trace?.Open();
        if (notice is not null) Console.Error.WriteLine(notice);
        if (machine.RawKernelNotice is { } raw) Console.Error.WriteLine($"rvemu: {raw}");
        console.Attach(machine);
        signals.Attach(machine);
        var result = gdb is null ? machine.Run() : machine.RunUnderDebugger(gdb.Listener, waitForGdb);
        signals.Attach(null);
        console.Detach();
        options.Log?.Debug("decode: {Decodes} instructions decoded, {Pages} page decode caches created, {CodeFlushes} dropped all at once; {Flushes} full TLB flushes",
            machine.Harts.Sum(h => h.Decodes), machine.Bus.MemoryRegions.Sum(m => m.CodePagesCreated), machine.Bus.MemoryRegions.Sum(m => m.CodeFlushes),
            machine.Harts.Sum(h => h.TlbFlushes));
        options.Log?.Debug("host: {Allocated} MiB allocated by .NET, {Gen0}/{Gen1}/{Gen2} garbage collections (gen 0/1/2), {Pause} ms paused",
            GC.GetTotalAllocatedBytes() >> 20, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            (long)GC.GetTotalPauseDuration().TotalMilliseconds);
        if (machine.Jit is { } jit)
        {
            long compiled = machine.Harts.Sum(h => h.JitRetired);
            options.Log?.Debug("jit: {Regions} regions compiled ({Instructions} instructions, {Ms:0} ms), {Refused} refused, {Flushes} code-budget flushes; {Share:0.0}% of {Retired} instructions ran compiled",
                jit.RegionsCompiled, jit.InstructionsCompiled, jit.CompileTime.TotalMilliseconds, jit.RegionsRefused, jit.Flushes,
                100.0 * compiled / Math.Max(1UL, result.InstructionsRetired), result.InstructionsRetired);
        }
        if (signaturePath is not null) WriteSignature(machine, signaturePath);
        switch (result.Reason)
        {
            case ExitReason.GuestExit:
                // --icount: the hart waits and nothing can ever wake it; the run ends, and says why.
                if (result.ExitCode == 125 && result.Message == VirtMachine.NothingCanWakeMessage)
                    Console.Error.WriteLine($"rvemu: {result.Message} (--icount: no timer is armed), exit code 125");
                return result.ExitCode;
            case ExitReason.HostStop:
                Console.Error.WriteLine($"rvemu: {result.Message}");
                return result.ExitCode;
            default:
                Console.Error.WriteLine($"rvemu: {result.Message}");
                return LimitExitCode;
        }
    }

    private static TimeSpan ParseTimeout(double seconds)
    {
        const string Message = "--timeout: must be a positive number of seconds";
        if (!double.IsFinite(seconds) || seconds <= 0) throw new UsageException(Message);
        try
        {
            return TimeSpan.FromSeconds(seconds);
        }
        catch (OverflowException)
        {
            // Beyond TimeSpan's ~29,000 years: not a timeout anyone means.
            throw new UsageException($"{Message} (at most {TimeSpan.MaxValue.TotalSeconds:0} s)");
        }
    }

    /// <summary>A temporary directory for the bundled guest's files, removed when the run ends.</summary>
    private sealed class ScratchDirectory : IDisposable
    {
        private string? _path;

        public string Write(string name, byte[] data)
        {
            _path ??= Directory.CreateTempSubdirectory("rvemu-").FullName;
            string file = Path.Combine(_path, name);
            File.WriteAllBytes(file, data);
            return file;
        }

        /// <summary>Remove the directory; safe to call twice (the normal end and a second signal's exit-at-once can both ask).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _path, null) is { } path) Directory.Delete(path, recursive: true);
        }
    }

    private static IReadOnlyList<DriveOptions> ParseDrives(string[] specs)
    {
        try
        {
            var drives = specs.Select(DriveOptions.Parse).ToList();
            DriveOptions.AssignSlots(drives);
            return drives;
        }
        catch (FormatException e)
        {
            throw new UsageException($"--drive: {e.Message}");
        }
    }

    /// <summary>
    /// --dump-dtb: the tree of the machine these options build. The machine is built first (kernel, firmware,
    /// drives checked and loaded), so a missing kernel is an error and not a tree for a machine that cannot run.
    /// </summary>
    private static int DumpDtb(MachineOptions options, string path)
    {
        byte[] dtb;
        using (var machine = VirtMachine.Create(options)) dtb = machine.DeviceTree;
        try
        {
            File.WriteAllBytes(path, dtb);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--dump-dtb: cannot write {path}: {e.Message}");
        }
        return 0;
    }

    private static void WriteSignature(VirtMachine machine, string path)
    {
        var words = machine.ReadSignature() ?? throw new UsageException("--signature: the kernel ELF has no begin_signature/end_signature symbols");
        try
        {
            File.WriteAllLines(path, words.Select(w => w.ToString("x8", CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--signature: cannot write {path}: {e.Message}");
        }
    }
}
