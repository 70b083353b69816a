using System.Text.RegularExpressions;
using RvEmu.Tests.Fdt;

namespace RvEmu.Tests.Cli;

/// <summary>--help reads well (issue 2), --dump-dtb writes a blob dtc accepts, bench rejects unknown workloads.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed partial class HelpAndToolsTests : CliTestBase
{
    /// <summary>An option line of System.CommandLine's help: "  -k, --kernel &lt;FILE&gt;   Description".</summary>
    [GeneratedRegex(@"^\s{2}(?:-\S+, )*(?<name>--[a-z-]+|-\?|-[a-zA-Z])(?:, \S+)*(?: <[^>]+>)?\s{2,}(?<description>\S.*)$")]
    private static partial Regex OptionLine();

    /// <summary>The options section of a help text: option name → description.</summary>
    private static Dictionary<string, string> Options(string help)
    {
        var result = new Dictionary<string, string>();
        var lines = help.Split('\n').Select(l => l.TrimEnd('\r')).SkipWhile(l => l != "Options:").Skip(1).TakeWhile(l => l.Length > 0);
        foreach (var line in lines)
        {
            var m = OptionLine().Match(line);
            if (m.Success) result[m.Groups["name"].Value] = m.Groups["description"].Value;
            else Assert.That(line, Does.Match(@"^\s{20,}\S"), "every line of Options is an option with a description, or its continuation");
        }
        return result;
    }

    [Test]
    public void RunHelp_ListsEveryOptionWithADescription()
    {
        var r = RvEmuProcess.Run("run", "--help");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        var options = Options(r.Stdout);
        // Issue 2's and issue 5's options, and the ones the CLI documents for tracing and the device tree.
        string[] required = ["--kernel", "--bios", "--memory", "--signature", "--max-instructions", "--timeout", "--drive",
            "--dump-dtb", "--icount", "--append", "--trace", "--trace-events", "--trace-hart", "--log-level", "--help",
            "--gdb", "-s", "--wait-for-gdb"];
        Assert.Multiple(() =>
        {
            foreach (var name in required) Assert.That(options.Keys, Does.Contain(name), r.Stdout);
            foreach (var (name, description) in options)
                Assert.That(description.Split(' ', StringSplitOptions.RemoveEmptyEntries), Has.Length.GreaterThanOrEqualTo(3), $"{name} has a real description");
            Assert.That(options["--timeout"], Does.Contain(LimitExitCode.ToString()), "the limit exit code is documented");
            Assert.That(options["--max-instructions"], Does.Contain(LimitExitCode.ToString()));
            Assert.That(r.Stderr, Is.Empty);
        });
    }

    [Test]
    public void RootHelp_ListsTheCommands()
    {
        var r = RvEmuProcess.Run("--help");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(r.Stdout, Does.Match(@"\n\s+run\s{2,}\S").And.Match(@"\n\s+bench\s{2,}\S"), "each command with a description");
    }

    [Test]
    public void BenchHelp_ListsItsOptions()
    {
        var r = RvEmuProcess.Run("bench", "--help");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(Options(r.Stdout).Keys, Is.SupersetOf(new[] { "--workload", "--repeat" }));
    }

    [Test]
    public void DumpDtb_WritesABlobDtcAccepts()
    {
        DtcTool.RequireDtc();
        string dtb = Path.Combine(Dir, "virt.dtb");
        var r = RvEmuProcess.Run("run", "--memory", "256M", "--append", "console=ttyS0", "--dump-dtb", dtb);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(r.Stdout, Is.Empty, "nothing runs");
        var dts = DtcTool.Decompile(File.ReadAllBytes(dtb));
        Assert.That(dts.ExitCode, Is.EqualTo(0), dts.Stderr);
        // Devicetree spec §3.4: /memory reg is <address size> in #address-cells = #size-cells = 2.
        Assert.That(dts.Dts, Does.Match(@"memory@80000000 \{[^}]*reg = <0x00 0x80000000 0x00 0x10000000>;"));
        Assert.That(dts.Dts, Does.Contain("bootargs = \"console=ttyS0\";"));
    }

    [Test]
    public void DumpDtb_ToAnUnwritablePath_IsAUsageError()
    {
        string dtb = Path.Combine(Dir, "no-such-dir", "virt.dtb");
        AssertUsageError(RvEmuProcess.Run("run", "--dump-dtb", dtb), "--dump-dtb");
    }

    [Test]
    public void NoCommand_NamesTheCommands() => AssertUsageError(RvEmuProcess.Run(), "run", "bench");

    [Test]
    public void UnknownCommand_NamesTheWord() => AssertUsageError(RvEmuProcess.Run("frobnicate"), "'frobnicate'");

    [Test]
    public void StrayArgument_NamesTheWord() =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "extra"), "'extra'");

    [Test]
    public void Bench_UnknownWorkload()
    {
        var r = RvEmuProcess.Run("bench", "--workload", "nonexistent");
        AssertUsageError(r, "nonexistent");
        Assert.That(r.Stdout, Is.Empty, "no table header before the error");
    }
}
