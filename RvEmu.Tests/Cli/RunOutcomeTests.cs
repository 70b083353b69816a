namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 2's exit-code contract: the exit code is the guest's (test finisher, HTIF); a guest that runs
/// past --max-instructions or --timeout exits with a distinct code (124) and a one-line message;
/// --signature writes the words between begin_signature and end_signature. And 'rvemu run' with no
/// flags boots the bundled guest.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class RunOutcomeTests : CliTestBase
{
    [Test]
    public void NoFlags_BootsTheBundledGuest()
    {
        var r = RvEmuProcess.Run("run");
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
            // firmware/guest/README.md: with stdin not a terminal the tour ends with poweroff.
            Assert.That(r.Stdout, Does.Contain("end of the tour").And.Contain("guest: powering off"), r.ToString);
            AssertNoStackTrace(r);
            Assert.That(r.StderrLines, Has.Length.EqualTo(1).And.All.StartsWith("rvemu: "), "only the notice that the bundled guest runs");
        });
    }

    // firmware/tests/README.md: every program exits 0 on QEMU's virt with -bios none (HTIF variant through tohost).
    [TestCase("hello", "hello.elf")]
    [TestCase("tests", "rv64i.elf")]
    [TestCase("tests", "rv64m.elf")]
    [TestCase("tests", "rv64m-htif.elf")]
    public void PassingProgram_ExitsZero(string dir, string file)
    {
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware(dir, file));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        AssertNoStackTrace(r);
    }

    [TestCase((ushort)3)]
    [TestCase((ushort)77)]
    public void FinisherFail_ExitCodeIsTheGuests(ushort code)
    {
        // QEMU hw/misc/sifive_test.c: FINISHER_FAIL (0x3333) exits with the code in bits 31:16.
        string elf = WriteFile("fail.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.FinisherFail(code)));
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf);
        Assert.That(r.ExitCode, Is.EqualTo(code), r.ToString);
        AssertNoStackTrace(r);
    }

    [Test]
    public void Timeout_ExitsWithTheLimitCode()
    {
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--timeout", "1");
        AssertStoppedByLimit(r, "--timeout");
    }

    [Test]
    public void MaxInstructions_ExitsWithTheLimitCode()
    {
        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--max-instructions", "1000");
        AssertStoppedByLimit(r, "--max-instructions");
    }

    private static void AssertStoppedByLimit(CliResult r, string option)
    {
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(LimitExitCode), r.ToString);
            Assert.That(r.Stdout, Is.EqualTo("R"), "the guest ran before it was stopped");
            Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString);
            Assert.That(r.Stderr, Does.StartWith("rvemu: ").And.Contain(option));
            AssertNoStackTrace(r);
        });
    }

    [Test]
    public void SmallRam_DeviceTreeNeverLandsOnTheKernel()
    {
        // With 2 MiB of RAM QEMU's 2 MiB-aligned spot for the device tree is the DRAM base, where
        // hello.elf lives; it used to be copied over the program, which then ran the blob and hung.
        var r = RvEmuProcess.Run("run", "--bios", "none", "--memory", "2M", "--timeout", "20", "--kernel", Firmware("hello", "hello.elf"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(r.Stdout, Does.Contain("Hello from RISC-V!"));
    }

    [Test]
    public void Signature_WritesTheWordsBetweenTheSymbols()
    {
        ulong begin = TinyPrograms.DramBase + TinyPrograms.SignatureOffset;
        string elf = WriteFile("sig.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.SignatureImage(),
            symbols: new Dictionary<string, ulong> { ["begin_signature"] = begin, ["end_signature"] = begin + 12 }));
        string signature = Path.Combine(Dir, "sig.txt");

        var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf, "--signature", signature);

        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        // Two words stored by the program, one left from the image; RISCOF's format: 8 hex digits a line.
        Assert.That(File.ReadAllLines(signature), Is.EqualTo(new[] { "12345678", "deadbeef", "cafef00d" }));
    }

    [Test]
    public void Signature_WithoutTheSymbols_IsAUsageError()
    {
        string signature = Path.Combine(Dir, "sig.txt");
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--signature", signature),
            "begin_signature");
        Assert.That(File.Exists(signature), Is.False);
    }
}
