namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 2: a missing file, a non-RISC-V ELF, an ELF that loads outside RAM, or a bad size gets one
/// clear error line and exit code 2, never a stack trace. Raw (non-ELF) kernels are accepted as raw
/// binaries, as QEMU's -kernel does, so only an empty or too-large raw file is an error.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KernelErrorTests : CliTestBase
{
    [Test]
    public void MissingKernelFile()
    {
        string path = Path.Combine(Dir, "nope.elf");
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", path), path, "no such file");
    }

    [Test]
    public void DirectoryAsKernel() =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Dir), Dir, "directory");

    [Test]
    public void EmptyKernelFile() =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", WriteFile("empty.bin", [])), "empty");

    [Test]
    public void ElfForAnotherMachine()
    {
        string elf = WriteFile("x86.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.FinisherExit(0x5555), machine: TinyElf.EmX86_64));
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf), "not RISC-V");
    }

    [Test]
    public void HostExecutable()
    {
        const string ls = "/bin/ls";
        if (!File.Exists(ls) || !File.ReadAllBytes(ls).AsSpan().StartsWith("\u007fELF"u8)) Assert.Ignore("no ELF /bin/ls on this host");
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", ls), "not RISC-V");
    }

    [Test]
    public void Elf32ForRiscV()
    {
        string elf = WriteFile("rv32.elf", TinyElf.Build32((uint)TinyPrograms.DramBase, TinyPrograms.FinisherExit(0x5555)));
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf), "32-bit");
    }

    [Test]
    public void TruncatedElf()
    {
        // The ELF magic and class, then nothing: not a raw binary, not a usable ELF either.
        string elf = WriteFile("truncated.elf", [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0]);
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf), "not a valid ELF");
    }

    [Test]
    public void ElfSegmentOutsideRam()
    {
        // 0x4000_0000 is not RAM (QEMU's virt has its PCIe MMIO window there; RvEmu maps nothing).
        string elf = WriteFile("low.elf", TinyElf.Build64(0x4000_0000, TinyPrograms.FinisherExit(0x5555)));
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", elf), "0x40000000", "outside");
    }

    [Test]
    public void ElfLargerThanRam()
    {
        // rv64i.elf has a data segment at 0x8000_2000..0x8000_3030: beyond 8 KiB of RAM.
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--memory", "8K", "--kernel", Firmware("tests", "rv64i.elf")),
            "not fit", "--memory");
    }

    [Test]
    public void RawKernelLargerThanRam()
    {
        string raw = WriteFile("big.bin", new byte[(1 << 20) + 4096]);
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--memory", "1M", "--kernel", raw), "not fit", "--memory");
    }

    [Test]
    public void RawKernelPastTheEndOfRam()
    {
        // With the default firmware a raw kernel goes at 0x8020_0000 (OpenSBI's FW_JUMP_ADDR): past 2 MiB of RAM.
        string raw = WriteFile("small.bin", TinyPrograms.FinisherExit(0x5555));
        AssertUsageError(RvEmuProcess.Run("run", "--memory", "2M", "--kernel", raw), "0x80200000", "--memory");
    }

    [Test]
    public void EndlessDeviceAsKernel()
    {
        // /dev/zero has no length and never ends: it used to be read until the host ran out of memory.
        if (!File.Exists("/dev/zero")) Assert.Ignore("no /dev/zero on this host");
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--memory", "4M", "--kernel", "/dev/zero"), "not fit", "--memory");
    }

    [Test]
    public void NoRoomForTheDeviceTree()
    {
        // A kernel whose .bss fills all 4 KiB of RAM: the device tree cannot go anywhere without
        // overwriting it (QEMU refuses overlapping images too).
        string elf = WriteFile("full.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.FinisherExit(0x5555), memorySize: 0x1000));
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--memory", "4K", "--kernel", elf), "device tree", "--memory");
    }

    [Test]
    public void BareMetalElfOverTheDefaultFirmware() =>
        AssertUsageError(RvEmuProcess.Run("run", "--kernel", Firmware("hello", "hello.elf")), "--bios none");

    [Test]
    public void MissingBiosFile()
    {
        string path = Path.Combine(Dir, "nope.bin");
        AssertUsageError(RvEmuProcess.Run("run", "--bios", path, "--kernel", Firmware("hello", "hello.elf")), path, "no such file");
    }

    [TestCase("0")]
    [TestCase("12X")]
    [TestCase("-5")]
    [TestCase("")]
    [TestCase("1000B")] // not a multiple of the 4 KiB page
    [TestCase("600G")] // above the 512 GiB RvEmu supports
    [TestCase("99999999999999999999")]
    public void BadMemorySize(string value) =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--memory", value, "--kernel", Firmware("hello", "hello.elf")), "--memory");

    [TestCase("--timeout", "abc")]
    [TestCase("--timeout", "0")]
    [TestCase("--timeout", "-1")]
    [TestCase("--timeout", "1e300")] // beyond TimeSpan: was an OverflowException (exit 3)
    [TestCase("--max-instructions", "-1")]
    [TestCase("--max-instructions", "lots")]
    [TestCase("--trace-from", "x")]
    public void BadNumber(string option, string value) =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", option, value, "--kernel", Firmware("hello", "hello.elf")), option);

    [Test]
    public void UnknownOption() =>
        AssertUsageError(RvEmuProcess.Run("run", "--bogus", "--kernel", Firmware("hello", "hello.elf")), "--bogus");

    [Test]
    public void NothingToRun() =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none"), "--kernel");
}
