using System.Diagnostics;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Linux;

/// <summary>
/// The Linux guest built by firmware/linux/build.sh (kernel Image and ext4 root image, cached under
/// ~/.cache/rvemu). Tests that need it are skipped, with the reason, when it is not built
/// (.ci/run builds it first) or when the host tools the checks use are missing.
/// </summary>
internal static class LinuxImages
{
    public const string OpenSbiDir = "/usr/lib/riscv64-linux-gnu/opensbi/generic";

    /// <summary>The shell prompt (PS1 in firmware/linux/rootfs/etc/profile: host name, then the directory).</summary>
    public const string Prompt = "rvemu:/# ";

    /// <summary>Printed by the root image's /etc/init.d/rcS once the pseudo filesystems are mounted.</summary>
    public const string InitDone = "rvemu-linux: init done";

    private static readonly Lazy<(string? Dir, string Why)> Built = new(Locate);

    /// <summary>The directory holding Image and rootfs.img, or an Assert.Ignore naming what is missing.</summary>
    public static string RequireBuilt()
    {
        var (dir, why) = Built.Value;
        if (dir is null) Assert.Ignore($"the Linux guest is not available: {why} (run firmware/linux/build.sh; .ci/run does)");
        return dir;
    }

    public static string Kernel => Path.Combine(RequireBuilt(), "Image");
    public static string RootImage => Path.Combine(RequireBuilt(), "rootfs.img");

    /// <summary>A scratch copy of the root image for a run that writes to it; deleted with the directory.</summary>
    public static string CopyRootImage(string directory)
    {
        string copy = Path.Combine(directory, "rootfs.img");
        File.Copy(RootImage, copy);
        return copy;
    }

    public static void RequireTool(string tool, string package)
    {
        if (Fdt.DtcTool.FindOnPath(tool) is null && !File.Exists($"/sbin/{tool}") && !File.Exists($"/usr/sbin/{tool}"))
            Assert.Ignore($"{tool} (Debian package {package}) is not installed");
    }

    private static (string?, string) Locate()
    {
        var r = Run("bash", RepoPaths.Combine("firmware", "linux", "build.sh"), "--print-dir");
        if (r.ExitCode != 0) return (null, r.Stderr.Trim().Replace("linux-build: error: ", ""));
        string dir = r.Stdout.Trim();
        return Directory.Exists(dir) ? (dir, "") : (null, $"{dir} does not exist");
    }

    /// <summary>Run a host tool to completion (one minute at most).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // e2fsprogs live in /sbin, which a non-root PATH may lack.
        psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} {string.Join(' ', args)} did not finish within a minute");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
