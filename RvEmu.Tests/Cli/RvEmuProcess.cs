using System.Diagnostics;
using System.Text;

namespace RvEmu.Tests.Cli;

/// <summary>What one <c>rvemu</c> process did: exit code and everything it wrote.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the real CLI as a separate process (<c>dotnet rvemu.dll</c>), as a user would, so exit codes,
/// stderr lines and unhandled exceptions are exactly what a shell sees. RvEmu.Tests references
/// RvEmu.Cli, so rvemu.dll sits next to the test assembly.
/// </summary>
internal static class RvEmuProcess
{
    /// <summary>How long any one run may take on a loaded machine before the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string> DllLazy = new(() =>
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "rvemu.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: RvEmu.Tests must reference RvEmu.Cli");
        return dll;
    });

    /// <summary>The dotnet host running this test (so the CLI runs on the same runtime).</summary>
    private static readonly Lazy<string> DotnetLazy = new(() =>
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host)) return host;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    });

    /// <summary>Run <c>rvemu ARGS</c> to completion with stdin closed.</summary>
    public static CliResult Run(params string[] args) => Run(DefaultTimeout, args);

    /// <summary>Run <c>rvemu ARGS</c> to completion with stdin closed; fails the test if it outlives <paramref name="timeout"/>.</summary>
    public static CliResult Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"rvemu {string.Join(' ', args)} still running after {timeout.TotalSeconds} s\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit(); // drains the redirected streams
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Run <c>rvemu ARGS</c> to completion with <paramref name="input"/> written to its stdin (then left open).</summary>
    public static CliResult RunWithInput(byte[] input, params string[] args)
    {
        using var p = Start(args, closeStdin: false);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(input);
        p.StandardInput.BaseStream.Flush();
        if (!p.WaitForExit(DefaultTimeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"rvemu {string.Join(' ', args)} still running after {DefaultTimeout.TotalSeconds} s\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Start <c>rvemu ARGS</c> with stdout/stderr redirected and stdin closed (the guest reads EOF).</summary>
    public static Process Start(params string[] args) => Start(args, closeStdin: true);

    private static Process Start(string[] args, bool closeStdin)
    {
        var psi = new ProcessStartInfo(DotnetLazy.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(DllLazy.Value);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("RVEMU_DEBUG"); // it would add stack traces on internal errors
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        if (closeStdin) p.StandardInput.Close();
        return p;
    }
}
