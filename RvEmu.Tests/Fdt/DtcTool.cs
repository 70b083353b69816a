using System.Diagnostics;

namespace RvEmu.Tests.Fdt;

/// <summary>Output of one external tool run.</summary>
internal sealed record DtcResult(int ExitCode, string Dts, string Stderr);

/// <summary>Runs the system's dtc and qemu-system-riscv64 for the device tree tests.</summary>
internal static class DtcTool
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    public static string? FindOnPath(string tool)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null) return null;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static void RequireDtc()
    {
        if (FindOnPath("dtc") is null) Assert.Ignore("dtc (Debian package device-tree-compiler) is not on PATH");
    }

    public static void RequireQemu()
    {
        if (FindOnPath("qemu-system-riscv64") is null) Assert.Ignore("qemu-system-riscv64 (Debian package qemu-system-misc) is not on PATH");
    }

    /// <summary>dtc -I dtb -O dts on <paramref name="blob"/>.</summary>
    public static DtcResult Decompile(byte[] blob)
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-fdt-").FullName;
        try
        {
            string file = Path.Combine(dir, "tree.dtb");
            File.WriteAllBytes(file, blob);
            return Run("dtc", "-I", "dtb", "-O", "dts", file);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="tool"/> with <paramref name="args"/>, returning exit code, stdout and stderr.</summary>
    public static DtcResult Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(ToolTimeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish within {ToolTimeout.TotalSeconds} s");
        }
        return new DtcResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
