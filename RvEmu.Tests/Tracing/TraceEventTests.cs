using System.Buffers.Binary;
using System.Text.Json;
using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Timing;
using RvEmu.Core.Tracing;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Tracing;

/// <summary>
/// Exact trace lines, text and JSON, for each kind of event. Expected instruction text is GNU objdump's
/// (<c>riscv64-unknown-elf-objdump -d -M no-aliases</c>) for the same bytes; trap values follow the
/// privileged spec (mcause table 3.6, mepc/mtval rules of 3.1.14-3.1.16); device values the datasheets.
/// </summary>
[TestFixture]
public sealed class TraceEventTests
{
    private static string Hello => RepoPaths.Combine("firmware", "hello", "hello.elf");
    private static string Wfi => RepoPaths.Combine("firmware", "wfi", "wfi.elf");
    private static string Traps => RepoPaths.Combine("firmware", "tests", "traps.elf");

    /// <summary>hello.elf as QEMU runs it with -bios none: boot ROM at 0x1000, then the program at 0x8000_0000.</summary>
    private static MachineOptions HelloOptions(ulong? maxInstructions = null) =>
        new() { KernelPath = Hello, Deterministic = true, MaxInstructions = maxInstructions ?? 100_000 };

    /// <summary>The boot ROM (BootRom.cs, QEMU's reset vector) and the first seven instructions of hello.elf.</summary>
    private static readonly string[] BootAndHelloInsn =
    {
        "core   0: 3 0x0000000000001000 (0x00000297) auipc t0,0x0",
        "core   0: 3 0x0000000000001004 (0x02828613) addi a2,t0,40",
        "core   0: 3 0x0000000000001008 (0xf1402573) csrrs a0,mhartid,zero",
        "core   0: 3 0x000000000000100c (0x0202b583) ld a1,32(t0)",
        "core   0: 3 0x0000000000001010 (0x0182b283) ld t0,24(t0)",
        "core   0: 3 0x0000000000001014 (0x00028067) jalr zero,0(t0)",
        "core   0: 3 0x0000000080000000 (0xf14022f3) csrrs t0,mhartid,zero",
        "core   0: 3 0x0000000080000004 (0x02029c63) bne t0,zero,8000003c",
        "core   0: 3 0x0000000080000008 (0x10000437) lui s0,0x10000",
        "core   0: 3 0x000000008000000c (0x00000497) auipc s1,0x0",
        "core   0: 3 0x0000000080000010 (0x03648493) addi s1,s1,54",
        "core   0: 3 0x0000000080000014 (0x0004c503) lbu a0,0(s1)",
        "core   0: 3 0x0000000080000018 (0xc919) c.beqz a0,8000002e",
    };

    [Test]
    public void Insn_BootRomAndHello_AreSpikeStyleLinesWithObjdumpDisassembly()
    {
        using var trace = new TraceCapture(TraceEvents.Insn);
        var result = trace.RunMachine(HelloOptions(maxInstructions: 13));
        Assert.That(result.Reason, Is.EqualTo(ExitReason.InstructionLimit));
        Assert.That(trace.Lines, Is.EqualTo(BootAndHelloInsn));
    }

    [Test]
    public void Commit_BootRomAndHello_ListTheRegisterEachInstructionWrites()
    {
        using var trace = new TraceCapture(TraceEvents.Commit);
        trace.RunMachine(HelloOptions(maxInstructions: 13));
        // Values: the boot ROM's a0 = hart 0, a1 = FDT address (QEMU puts the FDT 2 MiB-aligned below the
        // end of 128 MiB: 0x87e00000, the same in firmware/trace/hello.commit.golden), a2 = 0x1028
        // (fw_dynamic_info), t0 = 0x80000000; then hello's own. Spike logs rd even when unchanged (csrr a0
        // = 0) and nothing for branches, jumps to x0, and writes to x0.
        Assert.That(trace.Lines, Is.EqualTo(new[]
        {
            "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000",
            "core   0: 3 0x0000000000001004 (0x02828613) x12 0x0000000000001028",
            "core   0: 3 0x0000000000001008 (0xf1402573) x10 0x0000000000000000",
            "core   0: 3 0x000000000000100c (0x0202b583) x11 0x0000000087e00000",
            "core   0: 3 0x0000000000001010 (0x0182b283) x5  0x0000000080000000",
            "core   0: 3 0x0000000000001014 (0x00028067)",
            "core   0: 3 0x0000000080000000 (0xf14022f3) x5  0x0000000000000000",
            "core   0: 3 0x0000000080000004 (0x02029c63)",
            "core   0: 3 0x0000000080000008 (0x10000437) x8  0x0000000010000000",
            "core   0: 3 0x000000008000000c (0x00000497) x9  0x000000008000000c",
            "core   0: 3 0x0000000080000010 (0x03648493) x9  0x0000000080000042",
            "core   0: 3 0x0000000080000014 (0x0004c503) x10 0x0000000000000048",
            "core   0: 3 0x0000000080000018 (0xc919)",
        }));
    }

    [Test]
    public void Commit_Stores_LogAddressAndDataAtTheStoreWidth()
    {
        using var trace = new TraceCapture(TraceEvents.Commit);
        var result = trace.RunMachine(HelloOptions());
        Assert.That(result.Reason, Is.EqualTo(ExitReason.GuestExit));
        // sb a0,0(s0): 'H' (0x48) to the UART THR; sw t1,0(t0): 0x5555 to the test finisher (pass).
        Assert.That(trace.Lines, Does.Contain("core   0: 3 0x0000000080000026 (0x00a40023) mem 0x0000000010000000 0x48"));
        Assert.That(trace.Lines[^1], Is.EqualTo("core   0: 3 0x0000000080000038 (0x0062a023) mem 0x0000000000100000 0x00005555"));
    }

    [Test]
    public void InsnAndCommit_Together_GiveTheInstructionLineThenItsCommitLine()
    {
        using var trace = new TraceCapture(TraceEvents.Insn | TraceEvents.Commit);
        trace.RunMachine(HelloOptions(maxInstructions: 2));
        Assert.That(trace.Lines, Is.EqualTo(new[]
        {
            "core   0: 3 0x0000000000001000 (0x00000297) auipc t0,0x0",
            "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000",
            "core   0: 3 0x0000000000001004 (0x02828613) addi a2,t0,40",
            "core   0: 3 0x0000000000001004 (0x02828613) x12 0x0000000000001028",
        }));
    }

    [Test]
    public void Insn_Json_CarriesHartModePcBitsAndDisassembly()
    {
        using var trace = new TraceCapture(TraceEvents.Insn);
        trace.RunMachine(HelloOptions(maxInstructions: 13));
        var events = trace.Json;
        Assert.That(events, Has.Count.EqualTo(13));
        for (int i = 0; i < events.Count; i++)
            Assert.That(events[i].GetProperty("RenderedMessage").GetString(), Is.EqualTo(BootAndHelloInsn[i]));
        var first = events[0];
        Assert.That(first.GetProperty("Level").GetString(), Is.EqualTo("Information"));
        Assert.That(first.GetProperty("MessageTemplate").GetString(), Is.EqualTo("core {Hart,3}: {Mode} 0x{Pc:x16} ({Bits:l}) {Disassembly:l}"));
        var p = first.GetProperty("Properties");
        Assert.That(p.GetProperty("Hart").GetInt32(), Is.EqualTo(0));
        Assert.That(p.GetProperty("Mode").GetInt32(), Is.EqualTo(3), "M-mode, encoded as in mstatus.MPP");
        Assert.That(p.GetProperty("Pc").GetUInt64(), Is.EqualTo(0x1000UL));
        Assert.That(p.GetProperty("Bits").GetString(), Is.EqualTo("0x00000297"));
        Assert.That(p.GetProperty("Disassembly").GetString(), Is.EqualTo("auipc t0,0x0"));
        // The pc survives JSON as an exact 64-bit integer, not a rounded double.
        Assert.That(events[6].GetProperty("Properties").GetProperty("Pc").GetUInt64(), Is.EqualTo(0x8000_0000UL));
        Assert.That(events[12].GetProperty("Properties").GetProperty("Bits").GetString(), Is.EqualTo("0xc919"));
    }

    [Test]
    public void Commit_Json_CarriesRegisterAndValue_OrAddressAndData()
    {
        using var trace = new TraceCapture(TraceEvents.Commit);
        trace.RunMachine(HelloOptions());
        var register = trace.Json[3].GetProperty("Properties");
        Assert.That(register.GetProperty("Pc").GetUInt64(), Is.EqualTo(0x100cUL));
        Assert.That(register.GetProperty("Register").GetString(), Is.EqualTo("x11"));
        Assert.That(register.GetProperty("Value").GetUInt64(), Is.EqualTo(0x87e0_0000UL));
        var store = trace.Json[^1].GetProperty("Properties");
        Assert.That(store.GetProperty("Pc").GetUInt64(), Is.EqualTo(0x8000_0038UL));
        Assert.That(store.GetProperty("Address").GetUInt64(), Is.EqualTo(0x10_0000UL));
        Assert.That(store.GetProperty("Data").GetUInt64(), Is.EqualTo(0x5555UL));
        Assert.That(store.TryGetProperty("Register", out _), Is.False, "a store writes no register");
    }

    // ---- traps, mret and guest errors on a bare hart ----

    private const ulong RamBase = 0x8000_0000;

    /// <summary>
    /// M-mode program (assembled with riscv64-unknown-elf-as, rv64imac_zicsr, no compression):
    /// mtvec = handler; ecall; a load from 0x0, where nothing is mapped; a custom-0 word (illegal);
    /// then a self-loop. The handler steps mepc over the trapping instruction and returns with mret.
    /// </summary>
    private static readonly uint[] TrapProgram =
    {
        0x00000297, // 0x00 auipc t0,0x0
        0x02028293, // 0x04 addi  t0,t0,32       t0 = handler
        0x30529073, // 0x08 csrrw zero,mtvec,t0
        0x00000073, // 0x0c ecall
        0x00003503, // 0x10 ld    a0,0(zero)
        0x0000000b, // 0x14 .word 0x0000000b     custom-0: illegal
        0x0000006f, // 0x18 jal   zero,0x18
        0x00000013, // 0x1c addi  zero,zero,0
        0x34102373, // 0x20 handler: csrrs t1,mepc,zero
        0x00430313, // 0x24 addi  t1,t1,4
        0x34131073, // 0x28 csrrw zero,mepc,t1
        0x30200073, // 0x2c mret
    };

    /// <summary>Run <see cref="TrapProgram"/> on a hart alone on a bus with 64 KiB of RAM, until it reaches its self-loop.</summary>
    private static void RunTrapProgram(TraceLog trace)
    {
        var bus = new PhysicalBus();
        using var ram = new MemoryRegion("ram", RamBase, 0x10000);
        bus.AddMemory(ram);
        var bytes = new byte[4 * TrapProgram.Length];
        for (int i = 0; i < TrapProgram.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), TrapProgram[i]);
        bus.Load(RamBase, bytes);
        using var hart = new Hart(0, bus, new MachineTimer());
        hart.Reset(RamBase);
        hart.Observer = trace;
        bus.Observer = trace;
        for (int step = 0; step < 1000 && hart.Pc != RamBase + 0x18; step++) hart.Run(1);
        Assert.That(hart.Pc, Is.EqualTo(RamBase + 0x18), "the program reached its final loop");
    }

    [Test]
    public void TrapsMretAndGuestErrors_OnABareHart_AreExactLines()
    {
        using var trace = new TraceCapture(TraceEvents.Trap | TraceEvents.GuestErrors);
        RunTrapProgram(trace.Log);
        Assert.That(trace.Lines, Is.EqualTo(new[]
        {
            // ecall from M: cause 11, mtval 0, mepc = the ecall (priv spec 3.1.15, 3.3.1).
            "trap: environment call from M-mode (11) tval=0x0000000000000000 epc=0x000000008000000c M->M handler=0x0000000080000020",
            "mret: M->M pc=0x0000000080000010",
            // Nothing answers at physical address 0: the bus reports it, the load takes an access fault with mtval = the address.
            "guest-error: read of 8 bytes at unmapped or misaligned physical address 0x0",
            "trap: load access fault (5) tval=0x0000000000000000 epc=0x0000000080000010 M->M handler=0x0000000080000020",
            "mret: M->M pc=0x0000000080000014",
            // Illegal instruction: mtval = the instruction bits (3.1.16).
            "trap: illegal instruction (2) tval=0x000000000000000b epc=0x0000000080000014 M->M handler=0x0000000080000020",
            "mret: M->M pc=0x0000000080000018",
        }));
    }

    [Test]
    public void TrapsAndGuestErrors_Json_CarryCauseTvalEpcModesAndHandler()
    {
        using var trace = new TraceCapture(TraceEvents.Trap | TraceEvents.GuestErrors);
        RunTrapProgram(trace.Log);
        var events = trace.Json;
        var ecall = events[0];
        Assert.That(ecall.GetProperty("Level").GetString(), Is.EqualTo("Information"));
        var p = ecall.GetProperty("Properties");
        Assert.That(p.GetProperty("Cause").GetUInt64(), Is.EqualTo(11UL));
        Assert.That(p.GetProperty("CauseName").GetString(), Is.EqualTo("environment call from M-mode"));
        Assert.That(p.GetProperty("Tval").GetUInt64(), Is.EqualTo(0UL));
        Assert.That(p.GetProperty("Epc").GetUInt64(), Is.EqualTo(RamBase + 0xc));
        Assert.That(p.GetProperty("From").GetString(), Is.EqualTo("M"));
        Assert.That(p.GetProperty("To").GetString(), Is.EqualTo("M"));
        Assert.That(p.GetProperty("Handler").GetUInt64(), Is.EqualTo(RamBase + 0x20));
        var mret = events[1].GetProperty("Properties");
        Assert.That(mret.GetProperty("Instruction").GetString(), Is.EqualTo("mret"));
        Assert.That(mret.GetProperty("Target").GetUInt64(), Is.EqualTo(RamBase + 0x10));
        var guestError = events[2];
        Assert.That(guestError.GetProperty("Level").GetString(), Is.EqualTo("Warning"), "guest errors are warnings");
        Assert.That(guestError.GetProperty("Properties").GetProperty("Message").GetString(),
            Is.EqualTo("read of 8 bytes at unmapped or misaligned physical address 0x0"));
        var illegal = events[5].GetProperty("Properties");
        Assert.That(illegal.GetProperty("Cause").GetUInt64(), Is.EqualTo(2UL));
        Assert.That(illegal.GetProperty("Tval").GetUInt64(), Is.EqualTo(0xbUL));
    }

    [Test]
    public void GuestErrors_InTheVirtMachine_NameTheUnmappedAddresses()
    {
        // traps.elf cases 30-37: ld from 0x0, lbu from 0x10, sw to 0x0, sd to 0x18 (firmware/tests/traps.S).
        using var trace = new TraceCapture(TraceEvents.GuestErrors);
        var result = trace.RunMachine(new MachineOptions { KernelPath = Traps, Deterministic = true, MaxInstructions = 1_000_000 });
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        Assert.That(trace.Lines, Is.SupersetOf(new[]
        {
            "guest-error: read of 8 bytes at unmapped or misaligned physical address 0x0",
            "guest-error: read of 1 bytes at unmapped or misaligned physical address 0x10",
            "guest-error: write of 4 bytes at unmapped or misaligned physical address 0x0",
            "guest-error: write of 8 bytes at unmapped or misaligned physical address 0x18",
        }));
    }

    // ---- interrupts ----

    [Test]
    public void Irq_WfiTimer_IsTheMachineTimerInterruptWithEpcAfterTheWfi()
    {
        // firmware/wfi: wfi at 0x80000034; the interrupt is taken once the hart resumes, so mepc is the next
        // instruction (0x80000038, priv spec 3.3.3); mtvec = trap at 0x8000003c (objdump of wfi.elf).
        using var trace = new TraceCapture(TraceEvents.Irq | TraceEvents.Trap);
        var result = trace.RunMachine(new MachineOptions { KernelPath = Wfi, Deterministic = true, MaxInstructions = 1_000_000 });
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
        Assert.That(trace.Lines, Is.EqualTo(new[] { "irq: machine timer (7) epc=0x0000000080000038 M->M handler=0x000000008000003c" }));
        var p = trace.Json[0].GetProperty("Properties");
        Assert.That(p.GetProperty("Cause").GetUInt64(), Is.EqualTo(7UL));
        Assert.That(p.GetProperty("CauseName").GetString(), Is.EqualTo("machine timer"));
        Assert.That(p.GetProperty("Epc").GetUInt64(), Is.EqualTo(0x8000_0038UL));
        Assert.That(p.GetProperty("Handler").GetUInt64(), Is.EqualTo(0x8000_003cUL));
    }

    // ---- device accesses ----

    [Test]
    public void Mmio_Hello_NamesDeviceRegisterAccessWidthAndValue()
    {
        using var trace = new TraceCapture(TraceEvents.Mmio);
        var result = trace.RunMachine(HelloOptions());
        Assert.That(result.ExitCode, Is.EqualTo(0));
        var lines = trace.Lines;
        // LSR (offset 5) reads THRE | TEMT = 0x60 while the transmitter is idle (16550 datasheet); then 'H' to THR.
        Assert.That(lines[0], Is.EqualTo("mmio: uart+0x5 LSR read 1 0x60"));
        Assert.That(lines[1], Is.EqualTo("mmio: uart+0x0 RBR/THR write 1 0x48"));
        Assert.That(lines[^1], Is.EqualTo("mmio: test+0x0 FINISHER write 4 0x5555"));
        var lsr = trace.Json[0].GetProperty("Properties");
        Assert.That(lsr.GetProperty("Device").GetString(), Is.EqualTo("uart"));
        Assert.That(lsr.GetProperty("Offset").GetUInt64(), Is.EqualTo(5UL));
        Assert.That(lsr.GetProperty("Register").GetString(), Is.EqualTo("LSR"));
        Assert.That(lsr.GetProperty("Access").GetString(), Is.EqualTo("read"));
        Assert.That(lsr.GetProperty("Size").GetInt32(), Is.EqualTo(1));
        Assert.That(lsr.GetProperty("Value").GetUInt64(), Is.EqualTo(0x60UL));
    }

    /// <summary>A device with one read-only register: writes to it are refused (the access faults).</summary>
    private sealed class ReadOnlyIdDevice : IMmioDevice
    {
        public string Name => "idreg";
        public bool Read(ulong offset, int size, out ulong value) { value = 0x1234; return offset == 0; }
        public bool Write(ulong offset, int size, ulong value) => false;
        public string? RegisterName(ulong offset) => offset == 0 ? "ID" : null;
    }

    [Test]
    public void RefusedDeviceWrite_IsAnMmioFaultAndAGuestError()
    {
        using var trace = new TraceCapture(TraceEvents.Mmio | TraceEvents.GuestErrors);
        var bus = new PhysicalBus { Observer = trace.Log };
        bus.AddDevice(0x1000_0000, 0x100, new ReadOnlyIdDevice());
        Assert.That(bus.Read(0x1000_0000, 4, out ulong id), Is.True);
        Assert.That(id, Is.EqualTo(0x1234UL));
        Assert.That(bus.Write(0x1000_0000, 4, 0x1), Is.False);
        Assert.That(trace.Lines, Is.EqualTo(new[]
        {
            "mmio: idreg+0x0 ID read 4 0x1234",
            "mmio: idreg+0x0 ID write 4 0x1 (fault)",
            "guest-error: idreg+0x0: write of 4 bytes refused",
        }));
        Assert.That(trace.Json[2].GetProperty("Level").GetString(), Is.EqualTo("Warning"));
    }

    /// <summary>Issue 12: the value of an MMIO access is shown at the access's width, not as the 64-bit register the bus carried.</summary>
    [TestCase(1, 0xffff_ffff_ffff_ff80UL, "0x80")]
    [TestCase(2, 0xffff_ffff_ffff_8001UL, "0x8001")]
    [TestCase(4, 0xffff_ffff_8000_0001UL, "0x80000001")]
    [TestCase(8, 0xffff_ffff_8000_0001UL, "0xffffffff80000001")]
    public void MmioValue_IsMaskedToTheAccessWidth(int size, ulong value, string shown)
    {
        using var trace = new TraceCapture(TraceEvents.Mmio);
        var bus = new PhysicalBus { Observer = trace.Log };
        bus.AddDevice(0x1000_0000, 0x100, new ReadOnlyIdDevice());
        bus.Write(0x1000_0000, size, value);
        Assert.That(trace.Lines[0], Is.EqualTo($"mmio: idreg+0x0 ID write {size} {shown} (fault)"));
    }

    // ---- the bundled guest: virtio and SBI ----

    private static TraceCapture RunBundledGuest(TraceEvents events)
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-trace-").FullName;
        try
        {
            string kernel = Path.Combine(dir, "guest.elf");
            string disk = Path.Combine(dir, "disk.img");
            File.WriteAllBytes(kernel, BundledFirmware.GuestElf);
            File.WriteAllBytes(disk, BundledFirmware.Disk);
            var trace = new TraceCapture(events);
            var result = trace.RunMachine(new MachineOptions
            {
                BiosImage = BundledFirmware.Sbi,
                KernelPath = kernel,
                Drives = new[] { new DriveOptions { Path = disk } },
                // firmware/guest/README.md: shell commands from the kernel command line.
                Bootargs = "cat hello.txt; write note.txt traced; poweroff",
                Deterministic = true,
                MaxInstructions = 200_000_000,
            });
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Message);
            return trace;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Virtio_BundledGuest_LogsNotifyEachRequestAndTheInterrupt()
    {
        using var trace = RunBundledGuest(TraceEvents.Virtio);
        // The drive takes the highest free slot, virtio7 (QEMU's order). The guest's first requests
        // (firmware/guest/README.md): GET_ID (20 bytes, virtio 1.2 §5.2.6), then sector 0 (the FAT boot
        // sector, 512 bytes); each completion raises InterruptStatus bit 0, the used buffer notification
        // (virtio 1.2 §4.2.2).
        Assert.That(trace.Lines.Take(7), Is.EqualTo(new[]
        {
            "virtio: virtio7: notify queue 0",
            "virtio: virtio7: virtio-blk: request GET_ID sector 0 length 20 status OK",
            "virtio: virtio7: interrupt raised (InterruptStatus 0x1)",
            "virtio: virtio7: notify queue 0",
            "virtio: virtio7: virtio-blk: request IN sector 0 length 512 status OK",
            "virtio: virtio7: interrupt raised (InterruptStatus 0x1)",
            "virtio: virtio7: notify queue 0",
        }));
        // The bundled disk (firmware/guest/mkdisk.sh): FAT12, data from sector 37, 4 sectors per cluster;
        // hello.txt is cluster 3 (sector 41), note.txt the first free one, cluster 11 (sector 73).
        Assert.That(trace.Lines, Does.Contain("virtio: virtio7: virtio-blk: request IN sector 41 length 512 status OK"), "cat hello.txt");
        Assert.That(trace.Lines, Does.Contain("virtio: virtio7: virtio-blk: request OUT sector 73 length 512 status OK"), "write note.txt");
        Assert.That(trace.Lines, Does.Contain("virtio: virtio7: virtio-blk: request FLUSH sector 0 length 0 status OK"), "the write ends with FLUSH");
        var request = trace.Json[4].GetProperty("Properties");
        Assert.That(request.GetProperty("Device").GetString(), Is.EqualTo("virtio7"));
        Assert.That(request.GetProperty("Request").GetString(), Is.EqualTo("IN"));
        Assert.That(request.GetProperty("Sector").GetUInt64(), Is.EqualTo(0UL));
        Assert.That(request.GetProperty("Length").GetUInt64(), Is.EqualTo(512UL));
        Assert.That(request.GetProperty("Status").GetString(), Is.EqualTo("OK"));
    }

    [Test]
    public void Sbi_BundledGuest_LogsEachCallWithExtensionAndArguments()
    {
        using var trace = RunBundledGuest(TraceEvents.Sbi);
        // The guest's first call is sbi_get_spec_version (BASE, EID 0x10, FID 0; SBI spec §4.1); its last,
        // the shutdown: SRST (EID 0x53525354) FID 0, type 0 = shutdown, reason 0 = no reason (§10.1).
        Assert.That(trace.Lines[0], Is.EqualTo("sbi: eid=0x10 (BASE) fid=0 a0=0x0 a1=0x0 a2=0x0"));
        Assert.That(trace.Lines[^1], Is.EqualTo("sbi: eid=0x53525354 (SRST) fid=0 a0=0x0 a1=0x0 a2=0x0"));
        var first = trace.Json[0].GetProperty("Properties");
        Assert.That(first.GetProperty("Eid").GetUInt64(), Is.EqualTo(0x10UL));
        Assert.That(first.GetProperty("Extension").GetString(), Is.EqualTo("BASE"));
        Assert.That(first.GetProperty("Fid").GetUInt64(), Is.EqualTo(0UL));
    }

    [Test]
    public void DefaultEvents_DoNotAskForPerInstructionCallbacks()
    {
        using var trace = new TraceCapture(TraceEvents.Default);
        Assert.That(trace.Log.WantsInstructions, Is.False, "trap, irq and guest-errors leave the interpreter loop untouched");
        var result = trace.RunMachine(HelloOptions());
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(trace.Lines, Is.Empty, "hello takes no trap, no interrupt and makes no mistake");
    }
}
