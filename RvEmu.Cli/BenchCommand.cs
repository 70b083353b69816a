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
        var cmd = new Command("bench", "Measure interpreter speed in guest MIPS on bundled workloads") { workload, repeat };
        cmd.SetAction(p =>
        {
            var all = Workloads();
            var names = p.GetValue(workload) is { Length: > 0 } w ? w : all.Keys.ToArray();
            int runs = p.GetValue(repeat);
            if (runs < 1) throw new UsageException("--repeat: must be at least 1");
            // Check every name before printing anything, so a typo leaves stdout empty.
            if (names.FirstOrDefault(n => !all.ContainsKey(n)) is { } unknown)
                throw new UsageException($"--workload: unknown workload '{unknown}' (known: {string.Join(", ", all.Keys)})");
            Console.WriteLine($"{"workload",-10} {"instructions",14} {"seconds",9} {"MIPS",8}");
            foreach (var name in names)
            {
                string resource = all[name];
                var best = Enumerable.Range(0, runs).Select(_ => RunOnce(resource)).MinBy(r => r.Elapsed)!;
                double mips = best.InstructionsRetired / best.Elapsed.TotalSeconds / 1e6;
                Console.WriteLine($"{name,-10} {best.InstructionsRetired,14} {best.Elapsed.TotalSeconds,9:0.000} {mips,8:0.0}");
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

    private static RunResult RunOnce(string resource)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rvemu-bench-{Environment.ProcessId}-{Path.GetFileName(resource)}");
        try
        {
            using (var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)!)
            using (var f = File.Create(path))
                s.CopyTo(f);
            using var machine = VirtMachine.Create(new MachineOptions { KernelPath = path, MaxInstructions = 10_000_000_000 });
            var result = machine.Run();
            if (result.Reason != ExitReason.GuestExit || result.ExitCode != 0)
                throw new InvalidOperationException($"workload {resource} did not finish cleanly: {result.Message}");
            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
