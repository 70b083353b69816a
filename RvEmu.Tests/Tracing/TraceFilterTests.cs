using RvEmu.Core.Cpu;
using RvEmu.Core.Tracing;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// --trace-from/--trace-to/--trace-pc/--trace-mode: a filtered trace is exactly the unfiltered trace's
/// instructions that satisfy the filter, in order, and nothing else.
/// </summary>
[TestFixture]
public sealed class TraceFilterTests
{
    private static string Hello => RepoPaths.Combine("firmware", "hello", "hello.elf");
    private static string Smode => RepoPaths.Combine("firmware", "tests", "smode.elf");

    /// <summary>hello.S's message: the wait loop runs once per character when the UART is always ready.</summary>
    private const string HelloMessage = "Hello from RISC-V! RvEmu is running an RV64 guest on QEMU's virt board.\n";

    private static IReadOnlyList<string> Trace(string program, TraceEvents events, TraceFilter? filter = null)
    {
        using var trace = new TraceCapture(events, filter);
        var result = trace.RunMachine(new MachineOptions { KernelPath = program, Deterministic = true, MaxInstructions = 2_000_000 });
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        return trace.Lines;
    }

    private static CoreLine Parse(string line)
    {
        Assert.That(CoreLine.TryParse(line, out var parsed), Is.True, line);
        return parsed;
    }

    [Test]
    public void FromTo_KeepTheInstructionsRetiredInTheHalfOpenWindow()
    {
        var all = Trace(Hello, TraceEvents.Insn);
        var window = Trace(Hello, TraceEvents.Insn, new TraceFilter { From = 6, To = 11 });
        // The boot ROM is instructions 0..5, so 6..10 are hello's first five.
        Assert.That(window, Is.EqualTo(new[]
        {
            "core   0: 3 0x0000000080000000 (0xf14022f3) csrrs t0,mhartid,zero",
            "core   0: 3 0x0000000080000004 (0x02029c63) bne t0,zero,8000003c",
            "core   0: 3 0x0000000080000008 (0x10000437) lui s0,0x10000",
            "core   0: 3 0x000000008000000c (0x00000497) auipc s1,0x0",
            "core   0: 3 0x0000000080000010 (0x03648493) addi s1,s1,54",
        }));
        Assert.That(window, Is.EqualTo(all.Skip(6).Take(5)));
    }

    [Test]
    public void FromTo_ApplyToCommitLinesToo()
    {
        var all = Trace(Hello, TraceEvents.Commit);
        var tail = Trace(Hello, TraceEvents.Commit, new TraceFilter { From = 100 });
        Assert.That(tail, Is.EqualTo(all.Skip(100)));
        Assert.That(tail, Is.Not.Empty);
    }

    [Test]
    public void Pc_KeepsOnlyInstructionsInTheInclusiveRange()
    {
        var all = Trace(Hello, TraceEvents.Insn);
        // hello's wait loop: lbu t1,5(s0) at 0x8000001a, andi at 0x8000001e, beq at 0x80000022 (the last byte of the range).
        var loop = Trace(Hello, TraceEvents.Insn, new TraceFilter { PcLow = 0x8000_001a, PcHigh = 0x8000_0022 });
        Assert.That(loop, Is.EqualTo(all.Where(l => Parse(l).Pc is >= 0x8000_001a and <= 0x8000_0022)));
        Assert.That(loop, Has.Count.EqualTo(3 * HelloMessage.Length), "three instructions per character");
        Assert.That(loop.Take(3), Is.EqualTo(new[]
        {
            "core   0: 3 0x000000008000001a (0x00544303) lbu t1,5(s0)",
            "core   0: 3 0x000000008000001e (0x02037313) andi t1,t1,32",
            "core   0: 3 0x0000000080000022 (0xfe030ce3) beq t1,zero,8000001a",
        }));
    }

    [Test]
    public void Mode_KeepsOnlyInstructionsExecutedInThatMode()
    {
        var all = Trace(Smode, TraceEvents.Insn);
        var supervisor = Trace(Smode, TraceEvents.Insn, new TraceFilter { Mode = PrivilegeMode.Supervisor });
        var expected = all.Where(l => Parse(l).Mode == PrivilegeMode.Supervisor).ToList();
        Assert.That(expected, Is.Not.Empty, "smode.elf runs code in S-mode");
        Assert.That(expected, Has.Count.LessThan(all.Count), "and in M-mode");
        Assert.That(supervisor, Is.EqualTo(expected));
    }

    [Test]
    public void Filters_Combine()
    {
        var all = Trace(Hello, TraceEvents.Insn);
        var filter = new TraceFilter { From = 20, To = 60, PcLow = 0x8000_001a, PcHigh = 0x8000_001e, Mode = PrivilegeMode.Machine };
        var some = Trace(Hello, TraceEvents.Insn, filter);
        var expected = all.Select((line, index) => (line, index))
            .Where(x => x.index is >= 20 and < 60 && Parse(x.line).Pc is >= 0x8000_001a and <= 0x8000_001e)
            .Select(x => x.line);
        Assert.That(some, Is.EqualTo(expected));
        Assert.That(some, Is.Not.Empty);
    }

    [TestCase("0x1000..0x2000", 0x1000UL, 0x2000UL)]
    [TestCase("4096..8192", 4096UL, 8192UL)]
    [TestCase("0x8000_0000..0x8000_ffff", 0x8000_0000UL, 0x8000_ffffUL)]
    public void TryParseRange_ReadsHexOrDecimalBounds(string text, ulong lo, ulong hi)
    {
        Assert.That(TraceFilter.TryParseRange(text, out ulong l, out ulong h), Is.True);
        Assert.That((l, h), Is.EqualTo((lo, hi)));
    }

    [TestCase("0x2000..0x1000")]
    [TestCase("0x1000")]
    [TestCase("a..b")]
    public void TryParseRange_RejectsMalformedOrReversedRanges(string text) =>
        Assert.That(TraceFilter.TryParseRange(text, out _, out _), Is.False);
}
