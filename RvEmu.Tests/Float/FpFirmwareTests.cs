using RvEmu.Devices.Machine;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Float;

/// <summary>
/// The FP programs in firmware/fpvectors, run on the whole virt machine. Both pass on
/// qemu-system-riscv64 (-machine virt -bios none -kernel X.elf exits 0), so they must pass here.
/// </summary>
[TestFixture]
public sealed class FpFirmwareTests
{
    private static RunResult Run(string elf, ulong maxInstructions)
    {
        var options = new MachineOptions
        {
            KernelPath = RepoPaths.Combine("firmware", "fpvectors", elf),
            MemorySize = 16 << 20,
            Deterministic = true,
            MaxInstructions = maxInstructions,
        };
        using var machine = VirtMachine.Create(options);
        return machine.Run();
    }

    /// <summary>
    /// mstatus.FS (Off → illegal, Dirty after writes, SD), NaN boxing, dynamic rounding, reserved
    /// rounding modes, compressed FP loads/stores, fcsr aliasing, flag accrual; a failure names the test.
    /// </summary>
    [Test]
    public void Fp_conformance_program_passes()
    {
        var result = Run("fp_conformance.elf", 100_000);
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit), result.Message);
        Assert.That(result.ExitCode, Is.Zero, $"fp_conformance.S test {result.ExitCode} failed (0x100 + mcause for a stray trap)");
    }

    /// <summary>The benchmark workload checks its own checksum (recorded on QEMU).</summary>
    [Test]
    public void Fp_benchmark_computes_the_QEMU_checksum()
    {
        var result = Run("fpbench.elf", 500_000_000);
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit), result.Message);
        Assert.That(result.ExitCode, Is.Zero, "checksum differs from QEMU's");
        TestContext.Out.WriteLine($"fpbench: {result.InstructionsRetired} instructions in {result.Elapsed.TotalSeconds:0.00} s " +
            $"({result.InstructionsRetired / result.Elapsed.TotalSeconds / 1e6:0.0} MIPS)");
    }
}
