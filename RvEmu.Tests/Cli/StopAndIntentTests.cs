using System.Diagnostics;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 12: stops and signals (SIGTERM, SIGHUP, SIGINT end a run cleanly with 128 + signo and one line;
/// the trace is flushed; temporary files go), and the user's files and intent (nothing the user named is
/// created or truncated before every input is checked; options that cannot take effect are errors; a raw
/// kernel and an --icount run that can never wake say so; --log-level information shows the machine).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class StopAndIntentTests : CliTestBase
{
    private static void SendSignal(Process p, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", p.Id.ToString()]);
        kill.WaitForExit();
        Assert.That(kill.ExitCode, Is.EqualTo(0), $"kill -{signal} failed");
    }

    /// <summary>Whether signal <paramref name="number"/> is ignored in this process (Linux: /proc/self/status, SigIgn).</summary>
    private static bool IgnoredHere(int number)
    {
        if (!OperatingSystem.IsLinux()) return false;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:"));
        return line is not null && ((Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) >> (number - 1)) & 1) != 0;
    }

    private static void WaitForStdoutChar(Process p, char expected)
    {
        var buffer = new char[1];
        var read = p.StandardOutput.ReadAsync(buffer, 0, 1);
        Assert.That(read.Wait(TimeSpan.FromSeconds(60)) && read.Result == 1 && buffer[0] == expected, Is.True,
            $"rvemu did not start: {(p.HasExited ? p.StandardError.ReadToEnd() : "no output")}");
    }

    [TestCase("TERM", 143)]
    [TestCase("HUP", 129)]
    [TestCase("INT", 130)]
    public void Signal_StopsCleanly_FlushesTheTrace_AndExitsWith128PlusSigno(string signal, int code)
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("POSIX signals");
        // A signal this process ignores (SIGHUP under nohup) is ignored by rvemu too, as it should be: it inherits
        // the disposition, and .NET leaves an ignored signal ignored.
        if (IgnoredHere(code - 128)) Assert.Ignore($"SIG{signal} is ignored in the test process (nohup?), so in rvemu too");
        string trace = Path.Combine(Dir, "t.log");
        // At most 2000 instruction lines: far less than the trace's 1 MiB write buffer, so they reach the file
        // only when the trace is flushed and closed.
        using var p = RvEmuProcess.Start("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--trace", trace,
            "--trace-events", "insn", "--trace-to", "2000", "--timeout", "120");
        WaitForStdoutChar(p, 'R');
        SendSignal(p, signal);
        Assert.That(p.WaitForExit(30_000), Is.True, "rvemu did not stop");
        string stderr = p.StandardError.ReadToEnd();
        Assert.Multiple(() =>
        {
            Assert.That(p.ExitCode, Is.EqualTo(code), stderr);
            Assert.That(stderr.Trim(), Is.EqualTo($"rvemu: stopped by SIG{signal}"));
            // Without the flush the file would be empty: every line is still in the 1 MiB buffer.
            var lines = File.ReadAllLines(trace);
            Assert.That(lines, Is.Not.Empty, "the trace is flushed");
            Assert.That(lines, Has.All.Match(@"^core   0: 3 0x[0-9a-f]{16} \(0x[0-9a-f]{8}\) "), "and every line is whole");
        });
    }

    [Test]
    public void Sigint_DuringBench_RemovesTheWorkloadFile()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("POSIX signals");
        using var p = RvEmuProcess.Start("bench", "--workload", "integer", "--repeat", "1000");
        WaitForStdoutChar(p, 'w'); // the header line: the first workload is being written and run
        Thread.Sleep(500);
        SendSignal(p, "INT");
        Assert.That(p.WaitForExit(30_000), Is.True);
        string stderr = p.StandardError.ReadToEnd();
        Assert.That(p.ExitCode, Is.EqualTo(130), stderr);
        Assert.That(stderr.Trim(), Is.EqualTo("rvemu: stopped by SIGINT"));
        Assert.That(Directory.GetFiles(Path.GetTempPath(), $"rvemu-bench-{p.Id}-*"), Is.Empty, "the workload's temporary file is removed");
    }

    [Test]
    public void FailedStart_LeavesTheTraceFileAsItWas()
    {
        string keep = WriteFile("keep.txt", "precious"u8.ToArray());
        string missing = Path.Combine(Dir, "missing.elf");
        AssertUsageError(RvEmuProcess.Run("run", "--kernel", missing, "--trace", keep), missing);
        Assert.That(File.ReadAllText(keep), Is.EqualTo("precious"));
        string fresh = Path.Combine(Dir, "fresh.txt");
        AssertUsageError(RvEmuProcess.Run("run", "--kernel", missing, "--trace", fresh, "--trace-max-size", "1M"), missing);
        Assert.That(File.Exists(fresh), Is.False, "no trace file is created for a run that does not start");
    }

    [Test]
    public void DumpDtb_WithAMissingKernel_IsAnError_AndWritesNothing()
    {
        string dtb = Path.Combine(Dir, "virt.dtb");
        string missing = Path.Combine(Dir, "missing.elf");
        AssertUsageError(RvEmuProcess.Run("run", "--kernel", missing, "--dump-dtb", dtb), missing);
        Assert.That(File.Exists(dtb), Is.False);
    }

    [TestCase("--trace-events", "insn")]
    [TestCase("--trace-events", "bogus")]
    [TestCase("--trace-format", "json")]
    [TestCase("--trace-max-size", "1M")]
    [TestCase("--trace-from", "10")]
    [TestCase("--trace-mode", "s")]
    public void TraceOption_WithoutTrace_IsAnError(string option, string value) =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), option, value), option, "--trace");

    [Test]
    public void RawKernel_SaysSoInOneLine()
    {
        byte[] image = TinyPrograms.FinisherExit(0x5555);
        string kernel = WriteFile("kernel.bin", image);
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", kernel);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString);
        Assert.That(r.StderrLines[0], Does.StartWith($"rvemu: {kernel}: not an ELF file").And.Contain("raw").And.Contain("0x80000000").And.Contain($"{image.Length} bytes"));
    }

    [Test]
    public void Icount_WhenNothingCanWakeTheHart_SaysSo()
    {
        // wfi; j .-4 with interrupts off and no timer armed: under --icount nothing can ever wake the hart.
        string kernel = WriteFile("wait.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.Assemble([0x1050_0073, 0xffdf_f06f])));
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", kernel, "--icount");
        Assert.That(r.ExitCode, Is.EqualTo(125), r.ToString);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString);
        Assert.That(r.StderrLines[0], Does.StartWith("rvemu: ").And.Contain("WFI").And.Contain("--icount"));
    }

    [Test]
    public void LogLevelInformation_DescribesTheMachine()
    {
        string image = MakeImage("disk.img");
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", image, "--log-level", "information");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.Multiple(() =>
        {
            Assert.That(r.StderrLines, Has.Some.StartsWith("rvemu: information: machine: virt, 1 hart(s)").And.Some.Contains("128 MiB"));
            Assert.That(r.StderrLines, Has.Some.StartsWith("rvemu: information: firmware: none"));
            Assert.That(r.StderrLines, Has.Some.Contains("kernel: ").And.Some.Contains("hello.elf (ELF)"));
            Assert.That(r.StderrLines, Has.Some.Contains($"drive: {image} on virtio7 (virtio-mmio legacy), 8 sectors, read-write"));
            Assert.That(r.StderrLines, Has.None.Contains("debug:"), "debug lines only at --log-level debug");
        });
        var d = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--log-level", "debug");
        Assert.That(d.StderrLines, Has.Some.StartsWith("rvemu: debug: memory: 0x80000000.."), d.ToString);
        var quiet = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"));
        Assert.That(quiet.Stderr, Is.Empty, "nothing at the default level");
    }
}
