using RvEmu.Core.Tracing;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// --trace-events mmu on firmware/tests/sv39.elf, whose page tables (sv39.S) map: VA 0x8000_0000 gigapage
/// identity (RWX); VA 0x4000_0000 + 0x1000·i, 4 KiB pages onto data_page: 0 RW, 1 R, 2 invalid, ...; 7 X onto
/// code_page; a misaligned 2 MiB superpage at 0x4020_0000. Each walk logs its result: the physical address,
/// or the page fault (priv spec 4.3.2) with its mcause name and number.
/// </summary>
[TestFixture]
public sealed class MmuTraceTests
{
    private static TraceCapture RunSv39(TraceEvents events)
    {
        var trace = new TraceCapture(events);
        var result = trace.RunMachine(new MachineOptions { KernelPath = RepoPaths.Combine("firmware", "tests", "sv39.elf"), Deterministic = true, MaxInstructions = 1_000_000 });
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        return trace;
    }

    [Test]
    public void Sv39_EachWalkLogsItsPhysicalAddressOrPageFault()
    {
        using var trace = RunSv39(TraceEvents.Mmu);
        ulong sMode = trace.Symbols["s_mode"], data = trace.Symbols["data_page"], code = trace.Symbols["code_page"];
        var lines = trace.Lines;
        // The first translated access: fetching s_mode after mret to S with satp = Sv39 (identity gigapage).
        Assert.That(lines[0], Is.EqualTo($"mmu: fetch va=0x{sMode:x16} as S -> pa=0x{sMode:x16}"));
        Assert.That(lines, Is.SupersetOf(new[]
        {
            // case 2: ld from VA_PAGE(0), RW onto data_page.
            $"mmu: load va=0x0000000040000000 as S -> pa=0x{data:x16}",
            // case 3: sd to VA_PAGE(0) + 8 (stores have their own TLB, so they walk again).
            $"mmu: store va=0x0000000040000008 as S -> pa=0x{data + 8:x16}",
            // case 11: store to the read-only VA_PAGE(1): store/AMO page fault (15).
            "mmu: store va=0x0000000040001010 as S -> store/AMO page fault (15)",
            // case 20: load through the invalid PTE of VA_PAGE(2): load page fault (13).
            "mmu: load va=0x0000000040002004 as S -> load page fault (13)",
            // case 24: fetch from VA_PAGE(2): instruction page fault (12).
            "mmu: fetch va=0x0000000040002000 as S -> instruction page fault (12)",
            // case 70: fetch through the X-only VA_PAGE(7) onto code_page.
            $"mmu: fetch va=0x0000000040007000 as S -> pa=0x{code:x16}",
            // case 80: misaligned superpage.
            "mmu: load va=0x0000000040200000 as S -> load page fault (13)",
            // case 90: bits 63:39 differ from bit 38: page fault before any PTE is read (4.4.1).
            "mmu: load va=0x0000008000000000 as S -> load page fault (13)",
        }));
    }

    [Test]
    public void Sv39_MprvLoadsInMachineMode_AreWalkedAsTheModeInMpp()
    {
        using var trace = RunSv39(TraceEvents.Mmu | TraceEvents.Trap);
        var lines = trace.Lines.ToList();
        // RETURN_TO_M(110) is an ecall from S; after it, case 112 loads VA_PAGE(0) in M-mode with MPRV = 1, MPP = S.
        int backInM = lines.FindLastIndex(l => l.StartsWith("trap: environment call from S-mode (9)", StringComparison.Ordinal));
        Assert.That(backInM, Is.GreaterThan(0));
        Assert.That(lines.Skip(backInM + 1), Does.Contain($"mmu: load va=0x0000000040000000 as S -> pa=0x{trace.Symbols["data_page"]:x16}"));
    }

    [Test]
    public void Sv39_Json_CarriesAccessVirtualAndPhysicalAddressOrCause()
    {
        using var trace = RunSv39(TraceEvents.Mmu);
        var ok = trace.JsonStartingWith("mmu: load va=0x0000000040000000")[0].GetProperty("Properties");
        Assert.That(ok.GetProperty("Access").GetString(), Is.EqualTo("load"));
        Assert.That(ok.GetProperty("Va").GetUInt64(), Is.EqualTo(0x4000_0000UL));
        Assert.That(ok.GetProperty("Privilege").GetString(), Is.EqualTo("S"));
        Assert.That(ok.GetProperty("Pa").GetUInt64(), Is.EqualTo(trace.Symbols["data_page"]));
        var fault = trace.JsonStartingWith("mmu: store va=0x0000000040001010")[0].GetProperty("Properties");
        Assert.That(fault.GetProperty("Cause").GetUInt64(), Is.EqualTo(15UL));
        Assert.That(fault.GetProperty("CauseName").GetString(), Is.EqualTo("store/AMO page fault"));
        Assert.That(fault.TryGetProperty("Pa", out _), Is.False);
    }

    [Test]
    public void WithInsn_EachWalkIsStillLoggedOnce()
    {
        // For the insn line the hart reads each instruction before running it; a faulting fetch is then walked
        // twice by the hart, but it is one fetch: the mmu events must be the same as without insn.
        using var plain = RunSv39(TraceEvents.Mmu);
        using var withInsn = RunSv39(TraceEvents.Mmu | TraceEvents.Insn);
        var walks = withInsn.Lines.Where(l => l.StartsWith("mmu:", StringComparison.Ordinal)).ToList();
        Assert.That(walks, Is.EqualTo(plain.Lines));
        int fault = walks.IndexOf("mmu: fetch va=0x0000000040002000 as S -> instruction page fault (12)");
        Assert.That(fault, Is.GreaterThanOrEqualTo(0));
        Assert.That(walks[fault + 1], Is.Not.EqualTo(walks[fault]));
    }

    [Test]
    public void MmuOff_NoWalkIsLogged()
    {
        using var trace = RunSv39(TraceEvents.Trap);
        Assert.That(trace.Lines, Has.None.StartsWith("mmu:"));
        Assert.That(trace.Lines, Is.Not.Empty, "the trap events are there");
    }
}
