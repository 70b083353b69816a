using System.Globalization;
using System.Text.RegularExpressions;
using RvEmu.Core.Tracing;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// RvEmu's commit trace against QEMU's register writes. firmware/trace/commit-golden.py single-steps
/// hello.elf on qemu-system-riscv64 (-bios none) and records, per instruction, the pc and the integer
/// registers whose value changed. RvEmu's commit lines are replayed into a register file (all zero at
/// reset, as on QEMU) and must give the same pc and the same changed registers, instruction by instruction.
/// </summary>
[TestFixture]
public sealed partial class CommitGoldenTests
{
    private sealed record Step(ulong Pc, IReadOnlyDictionary<int, ulong> Changed)
    {
        public override string ToString() =>
            $"0x{Pc:x16}" + string.Concat(Changed.OrderBy(c => c.Key).Select(c => $" x{c.Key}=0x{c.Value:x16}"));
    }

    /// <summary>Golden line: "0x0000000000001000 x5=0x0000000000001000".</summary>
    private static Step ParseGolden(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var changed = new Dictionary<int, ulong>();
        foreach (var write in parts.Skip(1))
        {
            var m = GoldenWrite().Match(write);
            Assert.That(m.Success, Is.True, $"golden write '{write}'");
            changed[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return new Step(ulong.Parse(parts[0][2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture), changed);
    }

    [GeneratedRegex(@"^x(\d+)=0x([0-9a-f]{16})$")]
    private static partial Regex GoldenWrite();

    /// <summary>What follows "(bits)" on a commit line: " x5  0x...", " f3  0x...", " mem 0x... 0x...", or nothing.</summary>
    [GeneratedRegex(@"^(?: ([xf])(\d+) +0x([0-9a-f]{16}))?(?: mem 0x[0-9a-f]{16} 0x[0-9a-f]+)?$")]
    private static partial Regex CommitWrites();

    /// <summary>Replay commit lines into a register file; each step lists the x registers whose value changed.</summary>
    private static List<Step> Replay(IEnumerable<string> commitLines)
    {
        var x = new ulong[32];
        var steps = new List<Step>();
        foreach (string line in commitLines)
        {
            Assert.That(CoreLine.TryParse(line, out var core), Is.True, $"commit line '{line}'");
            var m = CommitWrites().Match(core.Rest);
            Assert.That(m.Success, Is.True, $"commit line '{line}'");
            var changed = new Dictionary<int, ulong>();
            if (m.Groups[1].Success && m.Groups[1].Value == "x")
            {
                int rd = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                ulong value = ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                Assert.That(rd, Is.InRange(1, 31), $"x0 is never logged as written: '{line}'");
                if (x[rd] != value) changed[rd] = value;
                x[rd] = value;
            }
            steps.Add(new Step(core.Pc, changed));
        }
        return steps;
    }

    [Test]
    public void Hello_CommitTrace_MatchesQemuRegisterWrites()
    {
        var golden = File.ReadAllLines(RepoPaths.Combine("firmware", "trace", "hello.commit.golden"))
            .Where(l => l.Length > 0).Select(ParseGolden).ToList();
        Assert.That(golden, Has.Count.GreaterThan(500), "the golden covers the whole program");

        using var trace = new TraceCapture(TraceEvents.Commit);
        var result = trace.RunMachine(new MachineOptions { KernelPath = RepoPaths.Combine("firmware", "hello", "hello.elf"), Deterministic = true, MaxInstructions = 100_000 });
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        var steps = Replay(trace.Lines);

        // QEMU's log ends before the finisher store that powers it off (no dump after it); RvEmu logs that store too.
        Assert.That(steps, Has.Count.EqualTo(golden.Count + 1));
        for (int i = 0; i < golden.Count; i++)
            Assert.That(steps[i].ToString(), Is.EqualTo(golden[i].ToString()), $"instruction {i} (line {i + 1} of the golden)");
        Assert.That(steps[^1].Pc, Is.EqualTo(0x8000_0038UL), "the last instruction is the finisher store, sw t1,0(t0)");
    }

    [Test]
    public void Replay_ReportsAChangedRegister_AndIgnoresARewriteOfTheSameValue()
    {
        // The replay itself must be able to tell changes from rewrites, or the golden test proves nothing.
        var steps = Replay(new[]
        {
            "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000",
            "core   0: 3 0x0000000000001004 (0x00000297) x5  0x0000000000001000",
            "core   0: 3 0x0000000000001008 (0xf1402573) x10 0x0000000000000000",
            "core   0: 3 0x000000000000100c (0x00a40023) mem 0x0000000010000000 0x48",
        });
        Assert.That(steps.Select(s => s.ToString()), Is.EqualTo(new[]
        {
            "0x0000000000001000 x5=0x0000000000001000",
            "0x0000000000001004",
            "0x0000000000001008",
            "0x000000000000100c",
        }));
    }
}
