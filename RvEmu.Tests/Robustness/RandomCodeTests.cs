using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Robustness;

/// <summary>
/// "The host process never crashes on anything a guest does": random bytes as a kernel, in every
/// privilege mode the random code happens to reach, must only ever produce architectural traps.
/// </summary>
[TestFixture]
public sealed class RandomCodeTests
{
    private static IEnumerable<int> Seeds => Enumerable.Range(1, 24);

    [TestCaseSource(nameof(Seeds))]
    public void RandomCode_NeverThrowsOutOfTheMachine(int seed)
    {
        var rng = new Random(seed);
        // Mostly random words, seasoned with instructions that reach the interesting places: stores
        // into device space, CSR writes (mtvec, satp, mstatus), xRET and WFI.
        var code = new byte[64 * 1024];
        rng.NextBytes(code);
        uint[] seasoning =
        {
            0x10000537, // lui a0, 0x10000 (UART)
            0x0c000537, // lui a0, 0x0c000 (PLIC)
            0x020005b7, // lui a1, 0x2000 (CLINT)
            0x30551073, // csrw mtvec, a0
            0x18059073, // csrw satp, a1
            0x30059073, // csrw mstatus, a1
            0x30200073, // mret
            0x10200073, // sret
            0x10500073, // wfi
            0x00b52023, // sw a1, 0(a0)
            0x00a5b023, // sd a0, 0(a1)
            0x1005a52f, // lr.w a0, (a1)
            0x18b5252f, // sc.w a0, a1, (a0)
        };
        for (int i = 0; i < 4000; i++)
        {
            int at = rng.Next(code.Length / 4) * 4;
            BitConverter.GetBytes(seasoning[rng.Next(seasoning.Length)]).CopyTo(code, at);
        }
        string path = Path.Combine(Path.GetTempPath(), $"rvemu-random-{seed}-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, code);
        try
        {
            using var machine = VirtMachine.Create(new MachineOptions { KernelPath = path, Deterministic = true, MaxInstructions = 2_000_000 });
            RunResult? result = null;
            Assert.DoesNotThrow(() => result = machine.Run());
            Assert.That(result!.Reason, Is.AnyOf(ExitReason.GuestExit, ExitReason.InstructionLimit));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
