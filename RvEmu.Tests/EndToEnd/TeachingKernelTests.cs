using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.EndToEnd;

/// <summary>
/// The bundled guest (firmware/guest, README there): an Sv39 kernel at 0xffff_ffc0_8020_0000 whose virtio-blk
/// driver talks about memory only through its hal, with a FAT file system and a shell. Each test gives it
/// shell commands on the kernel command line, ending with poweroff, and checks what it prints and what
/// lands in the image (read back on the host with mtools, Debian package mtools).
/// </summary>
[TestFixture]
public sealed partial class TeachingKernelTests
{
    /// <summary>mm.h: RAM is mapped at this base plus its physical address.</summary>
    private const ulong LinearBase = 0xffff_ffc0_0000_0000;

    private const string OpenSbiFwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("rvemu-kernel-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Kernel()
    {
        string path = Path.Combine(_dir, "guest.elf");
        if (!File.Exists(path)) File.WriteAllBytes(path, BundledFirmware.GuestElf);
        return path;
    }

    private string DiskCopy(string name = "disk.img")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, BundledFirmware.Disk);
        return path;
    }

    private (string Output, RunResult Result) Boot(string bootargs, DriveOptions? drive, string? biosPath = null)
    {
        using var guest = GuestSession.Start(new MachineOptions
        {
            BiosImage = biosPath is null ? BundledFirmware.Sbi : null,
            BiosPath = biosPath,
            KernelPath = Kernel(),
            Bootargs = bootargs,
            Drives = drive is null ? Array.Empty<DriveOptions>() : new[] { drive },
            Deterministic = true,
        });
        var result = guest.WaitForExit(120);
        return (guest.Output, result);
    }

    private static void AssertPoweredOff(string output, RunResult result)
    {
        Assert.That(output, Does.Contain("guest: powering off"), output);
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit), result.Message);
        Assert.That(result.ExitCode, Is.EqualTo(0), output);
    }

    // ---- devices, files ----

    [TestCase(true)]
    [TestCase(false)]
    public void Boot_FindsTheDisk_ListsAndCatsFiles(bool legacy)
    {
        var (output, result) = Boot("devices; blk; ls; ls docs; cat hello.txt; cat numbers.txt; poweroff",
            new DriveOptions { Path = DiskCopy(), Legacy = legacy });

        string version = legacy ? "legacy (version 1)" : "modern (version 2)";
        Assert.That(output, Does.Contain($"virtio    pa 0x10008000, PLIC source 8: block device (id 2), {version}"), "devices: the FDT walk found the drive in slot 7");
        Assert.That(output, Does.Contain("UART      pa 0x10000000, ns16550a, PLIC source 10"));
        Assert.That(output, Does.Contain($"blk0: virtio-blk, {(legacy ? "legacy" : "modern")} virtio-mmio (version {(legacy ? 1 : 2)})"));
        Assert.That(output, Does.Contain("blk0: capacity 2048 sectors (1024 KiB)"));
        Assert.That(output, Does.Match(@"blk0: interrupts taken: [1-9]\d*"), "completions came through the PLIC");
        Assert.That(output, Does.Contain("fat: blk0: FAT12, volume \"RVEMU\" id 5256-4d55"), "mkdisk.sh's volume label and fixed id");
        Assert.That(output, Does.Match(@"hello\.txt\s+263\s"), "ls shows the size");
        Assert.That(output, Does.Match(@"sv39\.txt\s+403\s"), "ls docs");
        Assert.That(output, Does.Contain("guest> cat hello.txt\nHello from the RvEmu bundled disk!\nThis file lives in a FAT12 file system"));
        // numbers.txt is 4800 bytes: three 2 KiB clusters, so cat follows a cluster chain.
        Assert.That(output, Does.Contain("line 001 of numbers.txt\n").And.Contain("line 200 of numbers.txt\n"));
        AssertPoweredOff(output, result);
    }

    [Test]
    public void Boot_WithoutADisk_StillGivesTheShell()
    {
        var (output, result) = Boot("ls; poweroff", drive: null);
        Assert.That(output, Does.Contain("no virtio-blk device found"));
        Assert.That(output, Does.Contain("ls: no disk"));
        AssertPoweredOff(output, result);
    }

    // ---- writes ----

    [TestCase(true)]
    [TestCase(false)]
    public void Write_LandsInTheImage_AndMtoolsReadsItBack(bool legacy)
    {
        RequireTool("mtype", "mtools");
        string disk = DiskCopy();
        var (output, result) = Boot("write note.txt Hello from the guest; write docs/second.txt 2nd file; rm readme.txt; cat note.txt; poweroff",
            new DriveOptions { Path = disk, Legacy = legacy });

        Assert.That(output, Does.Contain("write: note.txt: 21 bytes written and flushed"));
        Assert.That(output, Does.Contain("rm: readme.txt removed"));
        Assert.That(output, Does.Contain("guest> cat note.txt\nHello from the guest\n"));
        AssertPoweredOff(output, result);

        Assert.That(Tool("mtype", "-i", disk, "::note.txt"), Is.EqualTo((0, "Hello from the guest\n")));
        Assert.That(Tool("mtype", "-i", disk, "::docs/second.txt"), Is.EqualTo((0, "2nd file\n")));
        Assert.That(Tool("mtype", "-i", disk, "::readme.txt").Exit, Is.Not.EqualTo(0), "removed");
        Assert.That(Tool("mtype", "-i", disk, "::hello.txt").Output, Does.StartWith("Hello from the RvEmu bundled disk!"), "other files untouched");
        if (HasTool("fsck.fat")) Assert.That(Tool("fsck.fat", "-n", disk).Exit, Is.EqualTo(0), "the file system is consistent");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ReadOnlyDrive_WriteFailsWithIoerr_ShellGoesOn_ImageUnchanged(bool legacy)
    {
        string disk = DiskCopy();
        byte[] before = File.ReadAllBytes(disk);
        var (output, result) = Boot("write note.txt nope; rm hello.txt; cat hello.txt; hexdump 5000; poweroff",
            new DriveOptions { Path = disk, Legacy = legacy, ReadOnly = true });

        Assert.That(output, Does.Contain("blk0: 2048 sectors (1024 KiB), read-only"), "the device offers VIRTIO_BLK_F_RO");
        Assert.That(output, Does.Match(@"write: note\.txt: I/O error: the device answered IOERR for sector \d+ \(the drive is read-only\)"));
        Assert.That(output, Does.Match(@"rm: hello\.txt: I/O error: the device answered IOERR for sector \d+"));
        Assert.That(output, Does.Contain("guest> cat hello.txt\nHello from the RvEmu bundled disk!"), "the failed write left no stale cache behind");
        Assert.That(output, Does.Contain("hexdump: reading sector 5000 failed: the device answered IOERR (past the end of the disk)"));
        AssertPoweredOff(output, result);
        Assert.That(File.ReadAllBytes(disk), Is.EqualTo(before), "a read-only drive is never written");
    }

    // ---- the hal: a stack buffer that is not physically contiguous ----

    [GeneratedRegex(@"first page:  va 0x([0-9a-f]+) -> pa 0x([0-9a-f]+).*\n.*second page: va 0x([0-9a-f]+) -> pa 0x([0-9a-f]+)")]
    private static partial Regex DmaPages();

    [GeneratedRegex(@"bytes 0\.\.7: ([0-9a-f ]+), bytes 1016\.\.1023: ([0-9a-f ]+)")]
    private static partial Regex DmaBytes();

    [TestCase(true)]
    [TestCase(false)]
    public void DmaDemo_StackBufferSpanningTwoPages_IsSplitPerPageAndReadCorrectly(bool legacy)
    {
        var (output, result) = Boot("dmademo 40; blk; poweroff", new DriveOptions { Path = DiskCopy(), Legacy = legacy });

        var pages = DmaPages().Match(output);
        Assert.That(pages.Success, Is.True, output);
        ulong va0 = Hex(pages.Groups[1].Value), pa0 = Hex(pages.Groups[2].Value), va1 = Hex(pages.Groups[3].Value), pa1 = Hex(pages.Groups[4].Value);
        Assert.That(va0 >> 32, Is.EqualTo(0xffff_ffe0UL), "the buffer is on the kernel stack (mm.h: 0xffff_ffe0_...)");
        Assert.That(va1, Is.EqualTo(va0 + 512).And.Matches<ulong>(v => v % 4096 == 0), "512 bytes before a page boundary");
        Assert.That(pa1, Is.Not.EqualTo(pa0 + 512), "the two stack pages are not adjacent frames");
        Assert.That(output, Does.Contain("dmademo: read sectors 40..41 with 2 data descriptors: OK"), "one descriptor per physical piece");
        Assert.That(output, Does.Contain("gives identical bytes"));

        // What sectors 40 and 41 hold, as the host sees them.
        byte[] image = BundledFirmware.Disk;
        var bytes = DmaBytes().Match(output);
        Assert.That(bytes.Success, Is.True, output);
        Assert.That(bytes.Groups[1].Value, Is.EqualTo(HexBytes(image, 40 * 512, 8)));
        Assert.That(bytes.Groups[2].Value, Is.EqualTo(HexBytes(image, 40 * 512 + 1016, 8)));
        Assert.That(output, Does.Match(@"[1-9]\d* split over several pages"), "blk counts the split request");
        AssertPoweredOff(output, result);
    }

    // ---- Sv39: pt ----

    [GeneratedRegex(@"pt: va 0x([0-9a-f]+) -> pa 0x([0-9a-f]+)")]
    private static partial Regex PtResult();

    [Test]
    public void Pt_WalksThePageTable_AndMatchesTheMapping()
    {
        ulong main = ElfSymbol("main");
        Assert.That(main >> 32, Is.EqualTo(0xffff_ffc0UL), "the kernel is linked at its high virtual address");
        var (output, result) = Boot($"pt 0x{main:x}; pt 0xffff_ffc0_8060_0000; pt 0xffffffd010000000; pt 0x80200000; pt; poweroff",
            new DriveOptions { Path = DiskCopy() });

        var walks = new Dictionary<ulong, ulong>();
        foreach (Match m in PtResult().Matches(output)) walks[Hex(m.Groups[1].Value)] = Hex(m.Groups[2].Value); // `pt` alone walks the UART again
        Assert.That(walks[main], Is.EqualTo(main - LinearBase), "kernel text: its load (physical) address");
        Assert.That(output, Does.Match(@"level 0: VPN\[0\] = +\d+, PTE at pa 0x[0-9a-f]+ = 0x[0-9a-f]+ leaf R-X-GAD, 4 KiB page"), "text is mapped R-X in 4 KiB pages");
        Assert.That(walks[0xffff_ffc0_8060_0000], Is.EqualTo(0x8060_0000UL), "RAM beyond the image: the linear map");
        Assert.That(output, Does.Contain("leaf RW--GAD, 2 MiB page at pa 0x80600000"), "in 2 MiB pages");
        Assert.That(walks[0xffff_ffd0_1000_0000], Is.EqualTo(0x1000_0000UL), "the UART, mapped where the FDT says");
        Assert.That(output, Does.Contain("pt: va 0x80200000 is not mapped"), "no identity map once the kernel page table is on");
        Assert.That(output, Does.Match(@"pt: va 0xffffffe000000000 is not mapped"), "the guard page below the kernel stack");
        var stack = walks.Where(w => w.Key >> 32 == 0xffff_ffe0UL).ToList();
        Assert.That(stack, Has.Count.EqualTo(1), "pt with no argument walks a stack variable");
        Assert.That(stack[0].Value + LinearBase, Is.Not.EqualTo(stack[0].Key), "a stack address is not linear-map virtual = physical + constant");
        AssertPoweredOff(output, result);
    }

    // ---- bench, traps ----

    [GeneratedRegex(@"bench: (\d+) bytes in (\d+\.\d{3}) s = (\d+\.\d) MiB/s \((\d+) requests of (\d+) bytes\), (\d+) requests/s")]
    private static partial Regex BenchLine();

    [TestCase(true)]
    [TestCase(false)]
    public void Bench_ReadsTheWholeDisk_AndPrintsFigures(bool legacy)
    {
        var (output, result) = Boot("bench; poweroff", new DriveOptions { Path = DiskCopy(), Legacy = legacy });
        var line = BenchLine().Match(output);
        Assert.That(line.Success, Is.True, output);
        Assert.That(line.Groups[1].Value, Is.EqualTo("1048576"), "the whole 1 MiB disk");
        Assert.That(line.Groups[4].Value, Is.EqualTo("8"), "8 requests of 128 KiB");
        Assert.That(output, Does.Contain("up to 4 in flight"));
        AssertPoweredOff(output, result);
    }

    [Test]
    public void KernelPageFault_PrintsCauseStvalAndBacktrace_AndPowersOffNonZero()
    {
        var (output, result) = Boot("fault; poweroff", new DriveOptions { Path = DiskCopy() });
        Assert.That(output, Does.Contain("kernel trap: scause 13 (load page fault)").And.Contain("stval 0x10,"));
        Assert.That(output, Does.Match(@"#0 0xffffffc0802[0-9a-f]{5} \(sepc\)\n  #1 0xffffffc0802[0-9a-f]{5} \(ra\)\n  #2 0xffffffc0802[0-9a-f]{5}"), "a backtrace of kernel text addresses");
        Assert.That(output, Does.Not.Contain("guest: powering off"), "the trap ends the run");
        Assert.That(result.ExitCode, Is.EqualTo(1), "firmware/guest/README.md: exit code 1 = kernel trap");
    }

    [Test]
    public void KernelStackOverflow_HitsTheGuardPage_AndIsReported()
    {
        var (output, result) = Boot("fault stack", new DriveOptions { Path = DiskCopy() });
        Assert.That(output, Does.Contain("kernel trap: scause 15 (store/AMO page fault)"));
        Assert.That(output, Does.Contain("sp is in the guard page below the stack: kernel stack overflow"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
    }

    // ---- console input by interrupt ----

    [Test]
    public void Shell_ReadsTypedCommands_FromUartInterrupts()
    {
        using var guest = GuestSession.Start(new MachineOptions
        {
            BiosImage = BundledFirmware.Sbi,
            KernelPath = Kernel(),
            Drives = new[] { new DriveOptions { Path = DiskCopy() } },
            Timeout = TimeSpan.FromSeconds(120),
        });
        guest.WaitFor("shell: ready after");
        guest.WaitFor("guest> ");
        guest.Type("cat hello.txt\r");
        Assert.That(guest.WaitFor("guest> "), Does.Contain("cat hello.txt\nHello from the RvEmu bundled disk!"), "echoed, then run");
        guest.Type("devices\r");
        Assert.That(guest.WaitFor("guest> "), Does.Match(@"\(([1-9]\d*) receive interrupts so far\)"));
        guest.Type("poweroff\r");
        var result = guest.WaitForExit(60);
        Assert.That(result.ExitCode, Is.EqualTo(0));
    }

    // ---- FAT16 and FAT32, made on the host ----

    [TestCase(16, 16)]
    [TestCase(32, 40)]
    public void OtherFatTypes_ReadAndWrite(int type, int mebibytes)
    {
        RequireTool("mkfs.fat", "dosfstools");
        RequireTool("mcopy", "mtools");
        string disk = Path.Combine(_dir, $"fat{type}.img");
        using (var f = File.Create(disk)) f.SetLength((long)mebibytes << 20);
        Assert.That(Tool("mkfs.fat", "-F", type.ToString(CultureInfo.InvariantCulture), "-n", "HOSTFAT", disk).Exit, Is.EqualTo(0));
        string src = Path.Combine(_dir, "from-host.txt");
        File.WriteAllText(src, "written on the host\n");
        Assert.That(Tool("mmd", "-i", disk, "::sub").Exit, Is.EqualTo(0));
        Assert.That(Tool("mcopy", "-i", disk, src, "::sub/host.txt").Exit, Is.EqualTo(0));

        var (output, result) = Boot("ls sub; cat sub/host.txt; write sub/guest.txt from the guest; poweroff", new DriveOptions { Path = disk });
        Assert.That(output, Does.Contain($"fat: blk0: FAT{type}, volume \"HOSTFAT\""));
        Assert.That(output, Does.Contain("guest> cat sub/host.txt\nwritten on the host\n"));
        AssertPoweredOff(output, result);
        Assert.That(Tool("mtype", "-i", disk, "::sub/guest.txt"), Is.EqualTo((0, "from the guest\n")));
        if (HasTool("fsck.fat")) Assert.That(Tool("fsck.fat", "-n", disk).Exit, Is.EqualTo(0), Tool("fsck.fat", "-n", disk).Output);
    }

    // ---- the same kernel on other firmware and on QEMU ----

    [Test]
    public void DebianOpenSbiFwJump_BootsTheSameKernel()
    {
        if (!File.Exists(OpenSbiFwJump)) Assert.Ignore($"{OpenSbiFwJump} not found: install Debian's opensbi package");
        string disk = DiskCopy();
        var (output, result) = Boot("cat hello.txt; dmademo; write fw.txt opensbi; poweroff", new DriveOptions { Path = disk, Legacy = false }, OpenSbiFwJump);
        Assert.That(output, Does.Contain("OpenSBI v"));
        Assert.That(output, Does.Contain("implementation OpenSBI"));
        Assert.That(output, Does.Contain("Hello from the RvEmu bundled disk!"));
        Assert.That(output, Does.Contain("with 2 data descriptors: OK"));
        AssertPoweredOff(output, result);
    }

    [TestCase(true)]
    [TestCase(false)]
    [Category("Reference")]
    public void Qemu_BootsTheSameKernel(bool legacy)
    {
        RequireTool("qemu-system-riscv64", "qemu-system-misc");
        string disk = DiskCopy();
        var args = new List<string>
        {
            "-machine", "virt", "-nographic", "-m", "128M", "-bios", "default", "-kernel", Kernel(),
            "-append", "devices; cat hello.txt; dmademo; pt 0xffffffd010000000; bench; write qemu.txt hi from qemu; poweroff",
            "-drive", $"file={disk},format=raw,id=hd0,if=none", "-device", "virtio-blk-device,drive=hd0",
        };
        if (!legacy) args.AddRange(["-global", "virtio-mmio.force-legacy=false"]);
        var (exit, output) = Tool("qemu-system-riscv64", [.. args]);

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain($"block device (id 2), {(legacy ? "legacy (version 1)" : "modern (version 2)")}"));
        Assert.That(output, Does.Contain("Hello from the RvEmu bundled disk!"));
        Assert.That(output, Does.Contain("with 2 data descriptors: OK").And.Contain("gives identical bytes"));
        Assert.That(output, Does.Contain("pt: va 0xffffffd010000000 -> pa 0x10000000"));
        Assert.That(BenchLine().IsMatch(output), Is.True, output);
        Assert.That(output, Does.Contain("guest: powering off"));
        if (HasTool("mtype")) Assert.That(Tool("mtype", "-i", disk, "::qemu.txt"), Is.EqualTo((0, "hi from qemu\n")));
    }

    // ---- the README's walk-through ----

    [Test]
    public void Readme_TraceOfOneBlockRequest_IsWhatRvEmuPrints()
    {
        // README.md "What the bundled guest shows", step 3: the lines quoted there, for the command quoted there.
        string readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        // The trace-events table earlier in the README names the same event: start at the section.
        int section = readme.IndexOf("## What the bundled guest shows", StringComparison.Ordinal);
        Assert.That(section, Is.GreaterThan(0), "the README has the section");
        int from = readme.IndexOf("virtio: virtio7: notify queue 0", section, StringComparison.Ordinal);
        Assert.That(from, Is.GreaterThan(0), "the README quotes the trace");
        string[] quoted = readme[from..readme.IndexOf("```", from, StringComparison.Ordinal)]
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.That(quoted, Has.Length.EqualTo(10));

        string disk = DiskCopy();
        var r = Cli.RvEmuProcess.Run("run", "--kernel", RepoPaths.Combine("firmware", "guest", "guest.elf"), "--drive", disk,
            "--append", "cat hello.txt; poweroff", "--icount", "--trace-events", "virtio,irq,mmio", "--trace", "-");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        var lines = r.StderrLines;
        int at = Array.IndexOf(lines, quoted[1]);
        Assert.That(at, Is.GreaterThan(0), "the request for sector 41 (hello.txt) is traced");
        Assert.That(lines[(at - 1)..(at - 1 + quoted.Length)], Is.EqualTo(quoted), "the README's lines, in order, with nothing between");
    }

    // ---- helpers ----

    private static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string HexBytes(byte[] data, int offset, int count) =>
        string.Join(' ', data.Skip(offset).Take(count).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private ulong ElfSymbol(string name)
    {
        using var machine = VirtMachine.Create(new MachineOptions { BiosImage = BundledFirmware.Sbi, KernelPath = Kernel() });
        return machine.KernelSymbols[name];
    }

    private static bool HasTool(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static void RequireTool(string tool, string package)
    {
        if (!HasTool(tool)) Assert.Ignore($"{tool} not found: install Debian's {package} package");
    }

    /// <summary>Runs a host tool (mtools with no configuration file), returns its exit code and stdout + stderr.</summary>
    private static (int Exit, string Output) Tool(string tool, params string[] args)
    {
        string path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, tool)).First(File.Exists);
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["MTOOLSRC"] = "/dev/null";
        psi.Environment["MTOOLS_SKIP_CHECK"] = "1";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish within 120 s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
