using System.CommandLine;
using System.Reflection;
using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary>
/// <c>rvemu bench</c>: runs bare-metal workloads bundled in the binary (firmware/bench) and reports
/// guest MIPS. The workloads end through the test finisher; time is host wall-clock time.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var workload = new Option<string[]>("--workload", "-w") { Description = "Workloads to run (default: all)", HelpName = "NAME", AllowMultipleArgumentsPerToken = true };
        var repeat = new Option<int>("--repeat", "-r") { Description = "Runs per workload; the best is reported", HelpName = "N", DefaultValueFactory = _ => 3, CustomParser = r => Cli.Number<int>("--repeat", "a whole number")(r) ?? 0 };
        var jit = Cli.JitOption("Run with the JIT (on) or the interpreter alone (off)");
        var cmd = new Command("bench", "Measure emulation speed in guest MIPS on bundled workloads") { workload, repeat, jit };
        cmd.SetAction(p =>
        {
            var all = Workloads();
            var names = p.GetValue(workload) is { Length: > 0 } w ? w : all.Keys.ToArray();
            int runs = p.GetValue(repeat);
            if (runs < 1) throw new UsageException("--repeat: must be at least 1");
            bool jitOn = Cli.IsOn(p.GetValue(jit)!);
            // Check every name before printing anything, so a typo leaves stdout empty.
            if (names.FirstOrDefault(n => !all.ContainsKey(n)) is { } unknown)
                throw new UsageException($"--workload: unknown workload '{unknown}' (known: {string.Join(", ", all.Keys)})");
            Console.WriteLine($"{"workload",-10} {"harts",5} {"instructions",14} {"seconds",9} {"MIPS",8} {"cpu-s",7} {"MIPS/cpu",9} {"jit %",6}");
            // A signal stops the workload running, removes its temporary file, and ends the bench.
            using var signals = new HostSignals();
            foreach (var name in names)
            {
                string resource = all[name];
                int harts = HartsFor(name);
                var results = new List<(RunResult Result, TimeSpan Cpu, double JitShare)>();
                for (int i = 0; i < runs; i++)
                {
                    var r = RunOnce(resource, harts, jitOn, signals);
                    if (r.Result.Reason == ExitReason.HostStop)
                    {
                        Console.Error.WriteLine($"rvemu: {r.Result.Message}");
                        return r.Result.ExitCode;
                    }
                    results.Add(r);
                }
                var best = results.MinBy(r => r.Result.Elapsed);
                double mips = best.Result.InstructionsRetired / best.Result.Elapsed.TotalSeconds / 1e6;
                double cpuMips = best.Result.InstructionsRetired / best.Cpu.TotalSeconds / 1e6;
                Console.WriteLine($"{name,-10} {harts,5} {best.Result.InstructionsRetired,14} {best.Result.Elapsed.TotalSeconds,9:0.000} {mips,8:0.0} {best.Cpu.TotalSeconds,7:0.000} {cpuMips,9:0.0} {100 * best.JitShare,6:0.0}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Workload name → embedded resource name.</summary>
    private static SortedDictionary<string, string> Workloads()
    {
        var result = new SortedDictionary<string, string>();
        foreach (var r in Assembly.GetExecutingAssembly().GetManifestResourceNames())
            if (r.StartsWith("bench/", StringComparison.Ordinal) && r.EndsWith(".elf", StringComparison.Ordinal))
                result[r["bench/".Length..^".elf".Length]] = r;
        return result;
    }

    /// <summary>
    /// Harts a workload runs on. "parallel" gives each of two harts the integer loop: its aggregate MIPS
    /// against integer's says how well guest harts on host threads scale (two cores here, and in CI).
    /// </summary>
    private static int HartsFor(string workload) => workload == "parallel" ? 2 : 1;

    /// <summary>
    /// One run: the machine's result, the process CPU time it took (less sensitive to a busy host than wall time,
    /// and it includes the JIT's compiler thread), and the share of instructions retired in compiled code.
    /// </summary>
    private static (RunResult Result, TimeSpan Cpu, double JitShare) RunOnce(string resource, int harts, bool jit, HostSignals signals)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rvemu-bench-{Environment.ProcessId}-{Path.GetFileName(resource)}");
        signals.OnExitAtOnce(() => File.Delete(path));
        try
        {
            using (var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)!)
            using (var f = File.Create(path))
                s.CopyTo(f);
            using var machine = VirtMachine.Create(new MachineOptions { KernelPath = path, HartCount = harts, Timeout = TimeSpan.FromMinutes(2), Jit = jit });
            var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            signals.Attach(machine);
            var result = machine.Run();
            signals.Attach(null);
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            double share = (double)machine.Harts.Sum(h => h.JitRetired) / Math.Max(1UL, result.InstructionsRetired);
            if (result.Reason == ExitReason.HostStop) return (result, cpu, share);
            if (result.Reason != ExitReason.GuestExit || result.ExitCode != 0)
                throw new InvalidOperationException($"workload {resource} did not finish cleanly: {result.Message}");
            return (result, cpu, share);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
