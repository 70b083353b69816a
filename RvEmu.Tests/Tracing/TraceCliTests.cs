using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// The trace options through the real command line (<c>dotnet rvemu.dll run ...</c>): the file sink,
/// --trace-format json, the filters, and --trace-max-size rotation.
/// </summary>
[TestFixture]
public sealed class TraceCliTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("rvemu-trace-cli-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Hello => RepoPaths.Combine("firmware", "hello", "hello.elf");

    private static (int ExitCode, string Stdout, string Stderr) Rvemu(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rvemu.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromSeconds(120)), Is.True, "rvemu finished");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private string[] RunHello(string traceName, params string[] extra)
    {
        string path = Path.Combine(_dir, traceName);
        var (code, _, stderr) = Rvemu(["run", "--bios", "none", "--kernel", Hello, "--icount", "--trace", path, .. extra]);
        Assert.That(code, Is.EqualTo(0), stderr);
        return File.ReadAllLines(path);
    }

    [Test]
    public void TextFile_FiltersAndEvents_AsGiven()
    {
        var lines = RunHello("t.log", "--trace-events", "insn,mmio", "--trace-from", "6", "--trace-to", "9");
        Assert.That(lines, Is.EqualTo(new[]
        {
            "core   0: 3 0x0000000080000000 (0xf14022f3) csrrs t0,mhartid,zero",
            "core   0: 3 0x0000000080000004 (0x02029c63) bne t0,zero,8000003c",
            "core   0: 3 0x0000000080000008 (0x10000437) lui s0,0x10000",
        }.Concat(MmioOfHello())), "instructions 6..8, and every device access (the filters select instructions only)");
    }

    [Test]
    public void SeveralHarts_EveryLineNamesItsHart_AndTraceHartKeepsOne()
    {
        // RvEmu's SBI test payload on RvEmu's firmware starts hart 1 through HSM and sends it IPIs: both harts
        // trap, take interrupts and touch devices. --icount makes the two runs identical but for the filter.
        string sbitest = RepoPaths.Combine("firmware", "sbi", "test", "sbitest.elf");
        string[] Run(string name, params string[] extra)
        {
            string path = Path.Combine(_dir, name);
            var (code, _, stderr) = Rvemu(["run", "--smp", "2", "--icount", "--kernel", sbitest, "--trace", path,
                "--trace-events", "trap,irq,sbi,mmio", .. extra]);
            Assert.That(code, Is.EqualTo(0), stderr);
            return File.ReadAllLines(path);
        }

        var all = Run("all.log");
        Assert.That(all, Is.Not.Empty);
        Assert.That(all.Where(l => !Regex.IsMatch(l, @"^core +[01]: (trap|irq|sbi|mret|sret|mmio): ")), Is.Empty, "every line names its hart");
        var hart1 = all.Where(l => l.StartsWith("core   1: ", StringComparison.Ordinal)).ToArray();
        Assert.That(hart1.Any(l => l.Contains(" trap: ")) && hart1.Any(l => l.Contains(" mmio: ")), Is.True, "hart 1 traps and touches devices");
        Assert.That(all.Any(l => l.StartsWith("core   0: ", StringComparison.Ordinal)), Is.True);

        Assert.That(Run("one.log", "--trace-hart", "1"), Is.EqualTo(hart1), "--trace-hart 1 keeps exactly hart 1's lines");

        var (badCode, _, badErr) = Rvemu("run", "--smp", "2", "--kernel", sbitest, "--trace", "-", "--trace-hart", "2");
        Assert.That((badCode, badErr.Trim()), Is.EqualTo((2, "rvemu: --trace-hart: hart 2 does not exist (the machine has 2 harts: --smp)")));
    }

    /// <summary>hello's device accesses: per character an LSR read (THRE|TEMT) and a THR write, then the finisher.</summary>
    private static IEnumerable<string> MmioOfHello()
    {
        foreach (char c in "Hello from RISC-V! RvEmu is running an RV64 guest on QEMU's virt board.\n")
        {
            yield return "mmio: uart+0x5 LSR read 1 0x60";
            yield return $"mmio: uart+0x0 RBR/THR write 1 0x{(int)c:x}";
        }
        yield return "mmio: test+0x0 FINISHER write 4 0x5555";
    }

    [Test]
    public void JsonFile_OneEventPerLine_WithStructuredProperties()
    {
        var lines = RunHello("t.json", "--trace-events", "insn", "--trace-format", "json", "--trace-pc", "0x1000..0x1004");
        Assert.That(lines, Has.Length.EqualTo(2));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("RenderedMessage").GetString(), Is.EqualTo("core   0: 3 0x0000000000001000 (0x00000297) auipc t0,0x0"));
        Assert.That(first.RootElement.GetProperty("Properties").GetProperty("Pc").GetUInt64(), Is.EqualTo(0x1000UL));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.That(second.RootElement.GetProperty("Properties").GetProperty("Disassembly").GetString(), Is.EqualTo("addi a2,t0,40"));
    }

    [Test]
    public void MaxSize_RotatesIntoNumberedFiles_EachBelowTheCap_EachContinuationSayingWhereItComesFrom()
    {
        const int cap = 4096;
        string path = Path.Combine(_dir, "trace.log");
        File.WriteAllText(Path.Combine(_dir, "trace_007.log"), "left over from an earlier run\n");
        var (code, _, stderr) = Rvemu("run", "--bios", "none", "--kernel", Hello, "--icount", "--trace", path, "--trace-events", "insn", "--trace-max-size", "4K");
        Assert.That(code, Is.EqualTo(0), stderr);

        var files = Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        // hello's ~600 instruction lines (~34 KiB) need more than 4 files of 4 KiB; the 4 newest are kept.
        Assert.That(files, Has.Count.EqualTo(4));
        Assert.That(files, Has.All.Match(@"^trace_\d{3}\.log$"));
        foreach (string f in files)
        {
            long size = new FileInfo(Path.Combine(_dir, f)).Length;
            Assert.That(size, Is.LessThanOrEqualTo(cap), $"{f} is {size} bytes");
        }
        foreach (string f in files)
            Assert.That(File.ReadAllText(Path.Combine(_dir, f)), Does.Not.Contain("left over"), "an earlier run's rotated file is not continued");

        // Each file opens with the line naming its predecessor; the events across the kept files are the
        // tail of the full trace, with nothing lost at the seams.
        var kept = new List<string>();
        foreach (string f in files)
        {
            var lines = File.ReadAllLines(Path.Combine(_dir, f));
            int number = int.Parse(Regex.Match(f, @"\d{3}").Value);
            string previous = number == 1 ? "trace.log" : $"trace_{number - 1:000}.log";
            Assert.That(lines[0], Is.EqualTo($"trace: continued from {previous}, which reached the --trace-max-size cap of {cap} bytes (the 4 newest files are kept)"));
            kept.AddRange(lines.Skip(1));
        }
        var full = RunHello("full.log", "--trace-events", "insn");
        Assert.That(kept, Is.EqualTo(full.Skip(full.Length - kept.Count)));
        Assert.That(kept[^1], Is.EqualTo(full[^1]), "the newest file ends with the last event");
    }

    [TestCase("--trace-max-size", "1K", "below the minimum")]
    [TestCase("--trace-events", "insn,bogus", "unknown event 'bogus'")]
    [TestCase("--trace-mode", "h", "is not u, s or m")]
    [TestCase("--trace-pc", "0x2000..0x1000", "is not LO..HI")]
    public void BadTraceOptions_AreUsageErrors(string option, string value, string message)
    {
        var (code, _, stderr) = Rvemu("run", "--bios", "none", "--kernel", Hello, "--trace", Path.Combine(_dir, "t.log"), option, value);
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(stderr, Does.Contain(message));
    }
}
