using System.Buffers.Binary;
using RvEmu.Core.Bus;
using RvEmu.Devices.Machine;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Conformance;

/// <summary>
/// Runs assembled test programs on the virt machine. Each program reports through the SiFive test
/// finisher (exit code = number of the failing case) or HTIF tohost, and was validated on QEMU first
/// (firmware/tests/run-qemu.sh), so exit code 0 is the reference result.
/// </summary>
[TestFixture]
public class ConformanceTests
{
    /// <summary>Our programs are a few thousand instructions; the limit only stops a runaway hart.</summary>
    private const ulong OwnTestLimit = 2_000_000;
    /// <summary>riscv-tests programs are small too, but some loop (e.g. the breakpoint and timer tests).</summary>
    private const ulong SuiteTestLimit = 50_000_000;

    /// <summary>Environment variable or NUnit run setting naming a directory of external test ELFs (e.g. riscv-tests' isa/).</summary>
    public const string SuiteDirSetting = "RVEMU_SUITE_DIR";

    public static IEnumerable<TestCaseData> OwnPrograms()
    {
        string dir = RepoPaths.Combine("firmware", "tests");
        foreach (string elf in Directory.GetFiles(dir, "*.elf").Order(StringComparer.Ordinal))
            yield return new TestCaseData(elf).SetName($"Firmware({Path.GetFileName(elf)})");
    }

    public static IEnumerable<TestCaseData> SuitePrograms()
    {
        string? dir = TestContext.Parameters.Get(SuiteDirSetting) ?? Environment.GetEnvironmentVariable(SuiteDirSetting);
        if (string.IsNullOrEmpty(dir))
        {
            yield return new TestCaseData("").SetName("Suite(not configured)")
                .Ignore($"set {SuiteDirSetting} (environment or run setting) to a directory of test ELFs, e.g. riscv-tests' isa/");
            yield break;
        }
        // riscv-tests names its ELFs without an extension (rv64ui-p-add): take every ELF file.
        foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            if (IsElf(file)) yield return new TestCaseData(file).SetName($"Suite({Path.GetFileName(file)})");
        }
    }

    [TestCaseSource(nameof(OwnPrograms))]
    public void RunsToPass(string elf) => RunAndExpectPass(elf, OwnTestLimit);

    [TestCaseSource(nameof(SuitePrograms))]
    public void SuiteProgramPasses(string elf) => RunAndExpectPass(elf, SuiteTestLimit);

    [Test]
    public void FirmwareDirectoryHasPrograms() =>
        Assert.That(OwnPrograms().Count(), Is.GreaterThanOrEqualTo(6), "firmware/tests/*.elf missing: run firmware/build.sh");

    private static void RunAndExpectPass(string elf, ulong limit)
    {
        using var machine = VirtMachine.Create(new MachineOptions { KernelPath = elf, Deterministic = true, MaxInstructions = limit });
        RunResult result = machine.Run();
        ulong pc = machine.Harts[0].Pc;
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit),
            $"{Path.GetFileName(elf)} did not finish: {result.Message} (pc 0x{pc:x}, {result.InstructionsRetired} instructions)");
        Assert.That(result.ExitCode, Is.EqualTo(0),
            $"{Path.GetFileName(elf)}: {Describe(result.ExitCode)} ({result.Message}, pc 0x{pc:x}, last trap: {LastTrap(machine)})");
        CheckSpecObservations(machine);
    }

    /// <summary>
    /// Where QEMU 7.2 deviates from the spec, a program accepts both behaviours (so it passes on QEMU),
    /// records what it saw in <c>spec_observed</c>, and lists the spec's values in <c>spec_expected</c>
    /// just before it (firmware/common/test.h). RvEmu must show the spec's behaviour.
    /// </summary>
    private static void CheckSpecObservations(VirtMachine machine)
    {
        if (!machine.KernelSymbols.TryGetValue("spec_expected", out ulong expectedAt)
            || !machine.KernelSymbols.TryGetValue("spec_observed", out ulong observedAt))
            return;
        Assert.That(observedAt, Is.GreaterThan(expectedAt), "spec_observed must follow spec_expected");
        int count = (int)((observedAt - expectedAt) / 8);
        Assert.That(ReadWords(machine, observedAt, count), Is.EqualTo(ReadWords(machine, expectedAt, count)),
            "values the program recorded where QEMU 7.2 deviates from the spec (spec_observed vs spec_expected)");
    }

    private static ulong[] ReadWords(VirtMachine machine, ulong address, int count)
    {
        var words = new ulong[count];
        Span<byte> buf = stackalloc byte[8];
        for (int i = 0; i < count; i++)
        {
            Assert.That(((IGuestMemory)machine.Bus).Read(address + 8 * (ulong)i, buf), Is.True);
            words[i] = BinaryPrimitives.ReadUInt64LittleEndian(buf);
        }
        return words;
    }

    private static string LastTrap(VirtMachine machine)
    {
        var hart = machine.Harts[0];
        hart.TryReadCsr(0x342, out ulong cause);
        hart.TryReadCsr(0x341, out ulong epc);
        hart.TryReadCsr(0x343, out ulong tval);
        return $"mcause {cause}, mepc 0x{epc:x}, mtval 0x{tval:x}";
    }

    /// <summary>Exit codes of firmware/common/test.h: the failing case number, flagged 0x8000 for an unexpected trap.</summary>
    private static string Describe(int code) =>
        (code & 0x8000) != 0 ? $"unexpected trap in case {code & 0x7fff}" : $"case {code} failed";

    private static bool IsElf(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            ReadOnlySpan<byte> elfMagic = [0x7f, (byte)'E', (byte)'L', (byte)'F'];
            return f.Read(magic) == 4 && magic.SequenceEqual(elfMagic);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
