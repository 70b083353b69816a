using RvEmu.Core.Bus;
using RvEmu.Core.Cpu;
using RvEmu.Core.Jit;
using RvEmu.Core.Loader;
using RvEmu.Core.Timing;
using RvEmu.Core.Tracing;
using RvEmu.Devices.Virtio;

namespace RvEmu.Devices.Machine;

/// <summary>
/// QEMU's <c>virt</c> board: RAM, boot ROM, test finisher, UART, CLINT, PLIC, virtio-mmio slots,
/// wired from <see cref="VirtMemoryMap"/>, and the loop that runs the harts and polls devices.
/// </summary>
public sealed partial class VirtMachine : IMachineControl, IDisposable
{
    private readonly MachineOptions _options;
    private readonly List<IPolledDevice> _polled = new();
    private ulong _startAddress, _fdtAddress;
    private byte[] _rom = Array.Empty<byte>();

    public PhysicalBus Bus { get; } = new();
    public MachineTimer Timer { get; } = new();
    public IReadOnlyList<Hart> Harts { get; }
    public MemoryRegion Ram { get; }
    public MemoryRegion Rom { get; }

    /// <summary>Symbols of the kernel ELF (empty for raw binaries).</summary>
    public IReadOnlyDictionary<string, ulong> KernelSymbols { get; private set; } = new Dictionary<string, ulong>();

    /// <summary>The device tree blob handed to the boot hart in a1.</summary>
    public byte[] DeviceTree { get; private set; } = Array.Empty<byte>();

    private VirtMachine(MachineOptions options)
    {
        _options = options;
        if (options.MemorySize == 0 || options.MemorySize % MemoryRegion.PageSize != 0)
            throw new LoadException($"--memory: must be a positive multiple of 4 KiB (got {FormatSize(options.MemorySize)})");
        if (options.MemorySize > 0x8000_0000_00UL)
            throw new LoadException($"--memory: {FormatSize(options.MemorySize)} is too large (at most 512 GiB)");
        try
        {
            Ram = new MemoryRegion("ram", VirtMemoryMap.DramBase, options.MemorySize);
        }
        catch (OutOfMemoryException)
        {
            // A size the host cannot back is the user's mistake, not an internal error.
            throw new LoadException($"--memory: cannot allocate {FormatSize(options.MemorySize)} of guest RAM on this host");
        }
        Rom = new MemoryRegion("rom", VirtMemoryMap.BootRomBase, VirtMemoryMap.BootRomSize, readOnly: true);
        Bus.AddMemory(Ram);
        Bus.AddMemory(Rom);
        var harts = new List<Hart>();
        for (int i = 0; i < options.HartCount; i++) harts.Add(new Hart(i, Bus, Timer));
        Harts = harts;
        if (options.Jit)
        {
            // One compiler for every hart: compiled code lives in the shared decode cache.
            Jit = new JitEngine(options.JitThreshold, options.JitSynchronous);
            foreach (var h in harts) h.Jit = Jit;
        }
        if (options.Deterministic) Timer.InstructionCounter = () => _retiredBeforeReset + TotalRetired;
        Bus.AddDevice(VirtMemoryMap.TestBase, VirtMemoryMap.TestSize, new TestFinisher(this));

        // CLINT: software and timer interrupts per hart (MSIP, MTIP).
        Clint = new Clint(Timer, harts.Select(h => (h.InterruptLine(Interrupt.MachineSoftware), h.InterruptLine(Interrupt.MachineTimer))).ToList())
        {
            DeadlineChanged = SignalHostEvent, // the I/O thread sleeps until the earliest mtimecmp
        };
        Bus.AddDevice(VirtMemoryMap.ClintBase, VirtMemoryMap.ClintSize, Clint);
        _polled.Add(Clint);

        // PLIC: two contexts per hart, M-mode external (MEIP) then S-mode external (SEIP), as QEMU's virt.
        Plic = new Plic(harts.SelectMany(h => new[] { h.InterruptLine(Interrupt.MachineExternal), h.InterruptLine(Interrupt.SupervisorExternal) }).ToList());
        Bus.AddDevice(VirtMemoryMap.PlicBase, VirtMemoryMap.PlicSize, Plic);

        // The Goldfish RTC: the host's wall clock at start, or with --icount a fixed instant (2000-01-01 UTC), so
        // deterministic runs stay byte-identical.
        ulong epochNs = options.Deterministic
            ? (ulong)new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000
            : (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        Rtc = new GoldfishRtc(Timer, Plic.Source(VirtMemoryMap.RtcIrq), epochNs);
        Bus.AddDevice(VirtMemoryMap.RtcBase, VirtMemoryMap.RtcSize, Rtc);
        _polled.Add(Rtc);

        Uart = new Uart16550(options.ConsoleOutput, Plic.Source(VirtMemoryMap.UartIrq), SignalHostEvent, Timer);
        Bus.AddDevice(VirtMemoryMap.UartBase, VirtMemoryMap.UartSize, Uart);
        _polled.Add(Uart);

        AddVirtioSlots(options);

        if (options.Trace is { } trace)
        {
            Bus.Observer = trace;
            foreach (var h in harts) h.Observer = trace;
            trace.NameHarts = harts.Count > 1;
        }
    }

    private readonly List<IDisposable> _disks = new();

    /// <summary>
    /// The eight virtio-mmio transports (virtio 1.2 §4.2), slot n at 0x1000_1000 + 0x1000·n on PLIC source 1 + n.
    /// Slots without a drive answer as empty (DeviceID 0), as QEMU's do.
    /// </summary>
    private void AddVirtioSlots(MachineOptions options)
    {
        IReadOnlyList<(DriveOptions Drive, int Slot)> assigned;
        try
        {
            assigned = DriveOptions.AssignSlots(options.Drives);
        }
        catch (FormatException e)
        {
            throw new LoadException($"--drive: {e.Message}");
        }
        var devices = new IVirtioDevice?[VirtMemoryMap.VirtioSlots];
        var legacy = Enumerable.Repeat(true, VirtMemoryMap.VirtioSlots).ToArray();
        Action<string> warn = message =>
        {
            options.Log?.Warning("{Message}", message);
            options.Trace?.GuestError(message);
        };
        // One image behind two drives would be two writers with two caches of one file: refuse it by name (the
        // second open would otherwise report the first one's lock as "another process").
        var seen = new Dictionary<string, DriveOptions>();
        foreach (var (drive, _) in assigned)
        {
            if (!File.Exists(drive.Path)) continue; // DiskImage.Open names a missing file
            if (seen.TryGetValue(DiskImage.Identity(drive.Path), out var first))
                throw new LoadException(first.Path == drive.Path
                    ? $"--drive: {drive.Path} is attached twice"
                    : $"--drive: {drive.Path} is attached twice (it is the same file as {first.Path})");
            seen[DiskImage.Identity(drive.Path)] = drive;
        }
        try
        {
            foreach (var (drive, slot) in assigned)
            {
                var image = DiskImage.Open(drive.Path, drive.ReadOnly, warn, drive.Snapshot);
                var blk = new VirtioBlockDevice(image, warn);
                _disks.Add(blk);
                devices[slot] = blk;
                legacy[slot] = drive.Legacy;
            }
        }
        catch
        {
            // Release the images opened so far (and their locks) before reporting the bad one.
            foreach (var d in _disks) d.Dispose();
            throw;
        }
        for (int slot = 0; slot < VirtMemoryMap.VirtioSlots; slot++)
        {
            var transport = new VirtioMmioTransport(Bus, Plic.Source(VirtMemoryMap.VirtioIrqBase + slot), devices[slot], legacy[slot], warn,
                $"virtio{slot}");
            if (options.Trace is { } trace && (trace.Events & TraceEvents.Virtio) != 0)
            {
                transport.Trace = message => trace.Virtio(transport.Name, message);
                if (devices[slot] is VirtioBlockDevice blk)
                    blk.Trace = r => trace.VirtioRequest(transport.Name, r.Device, r.Type, r.Sector, r.Length, r.Status);
            }
            Bus.AddDevice(VirtMemoryMap.VirtioSlotBase(slot), VirtMemoryMap.VirtioSize, transport);
            _polled.Add(transport);
            _virtio.Add(transport);
        }
    }

    private readonly List<VirtioMmioTransport> _virtio = new();

    public Clint Clint { get; }
    public Plic Plic { get; }
    public Uart16550 Uart { get; }
    public GoldfishRtc Rtc { get; }

    /// <summary>Type on the guest's console (UART receive). Safe from any thread.</summary>
    public void SendInput(ReadOnlySpan<byte> bytes) => Uart.EnqueueInput(bytes);

    /// <summary>Build the machine and load firmware and kernel. Throws <see cref="LoadException"/> for bad input.</summary>
    public static VirtMachine Create(MachineOptions options)
    {
        var m = new VirtMachine(options);
        try
        {
            m.LoadImages();
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    private void LoadImages()
    {
        ulong kernelRawBase = VirtMemoryMap.DramBase;
        _startAddress = VirtMemoryMap.DramBase;
        (ulong Start, ulong End)? firmware = null;
        if (_options.BiosPath is { } bios)
        {
            firmware = LoadFile(bios, VirtMemoryMap.DramBase, out ulong? entry);
            _startAddress = entry ?? VirtMemoryMap.DramBase;
        }
        else if (_options.BiosImage is { } image)
        {
            if (!Ram.Contains(VirtMemoryMap.DramBase, (ulong)image.Length)) throw new LoadException($"the built-in firmware ({image.Length} bytes) does not fit in {FormatSize(Ram.Size)} of RAM (see --memory)");
            LoadImage(VirtMemoryMap.DramBase, image);
            firmware = (VirtMemoryMap.DramBase, VirtMemoryMap.DramBase + (ulong)image.Length);
        }
        if (firmware is not null) kernelRawBase = VirtMemoryMap.KernelBase;
        if (_options.KernelPath is { } kernel)
        {
            var span = LoadFile(kernel, kernelRawBase, out ulong? entry);
            if (firmware is { } fw && span.Start < fw.End && fw.Start < span.End)
                throw new LoadException($"{kernel}: loads at 0x{span.Start:x}..0x{span.End:x}, over the firmware at 0x{fw.Start:x}..0x{fw.End:x} (a bare-metal M-mode program needs --bios none)");
            if (firmware is null) _startAddress = entry ?? kernelRawBase;
        }
        else if (firmware is null)
        {
            throw new LoadException("nothing to run: give --kernel or --bios");
        }
        SetUpHtif();
        _fdtAddress = PlaceDeviceTree();
        _rom = BootRom.Build(_startAddress, _fdtAddress, VirtMemoryMap.KernelBase);
        LoadImage(VirtMemoryMap.BootRomBase, _rom);
        LogLayout(firmware);
    }

    /// <summary>--log-level information (and debug): what was built, for the user to check against their intent.</summary>
    private void LogLayout((ulong Start, ulong End)? firmware)
    {
        if (_options.Log is not { } log) return;
        log.Information("machine: virt, {Harts} hart(s) {Isa}, {Ram} of RAM at 0x{RamBase:x}{Mode}", Harts.Count, IsaString,
            FormatSize(Ram.Size), Ram.Base, _options.Deterministic ? ", deterministic time (--icount)" : "");
        string fw = _options.BiosPath ?? (_options.BiosImage is not null ? "RvEmu's built-in SBI firmware" : "none (the kernel runs in M-mode)");
        log.Information(firmware is { } f ? "firmware: {Firmware} at 0x{Start:x}..0x{End:x}" : "firmware: {Firmware}", fw, firmware?.Start ?? 0, firmware?.End ?? 0);
        if (_options.KernelPath is { } kernel)
            log.Information("kernel: {Kernel} ({Format}), boot hart starts at 0x{Start:x}", kernel, KernelSymbols.Count > 0 || ElfImage.IsElf(kernel) ? "ELF" : "raw", _startAddress);
        foreach (var v in _virtio)
        {
            if (v.Device is VirtioBlockDevice blk)
                log.Information("drive: {Path} on {Slot} (virtio-mmio {Layout}), {Sectors} sectors, {Access}", blk.Image.Path, v.Name,
                    v.Legacy ? "legacy" : "modern", blk.Image.Capacity, blk.Image.ReadOnly ? "read-only" : "read-write");
        }
        log.Information("device tree: {Bytes} bytes at 0x{Address:x}", DeviceTree.Length, _fdtAddress);
        foreach (var (address, data) in _images)
            log.Debug("memory: 0x{Start:x}..0x{End:x} loaded ({Bytes} bytes)", address, address + (ulong)data.Length, data.Length);
        log.Debug("devices: test finisher 0x{Test:x}, CLINT 0x{Clint:x}, PLIC 0x{Plic:x} ({Sources} sources), UART 0x{Uart:x} (irq {UartIrq}), virtio-mmio 0x{Virtio:x} x{Slots} (irq {VirtioIrq}..)",
            VirtMemoryMap.TestBase, VirtMemoryMap.ClintBase, VirtMemoryMap.PlicBase, VirtMemoryMap.PlicSources, VirtMemoryMap.UartBase,
            VirtMemoryMap.UartIrq, VirtMemoryMap.VirtioBase, VirtMemoryMap.VirtioSlots, VirtMemoryMap.VirtioIrqBase);
    }

    /// <summary>Set when the kernel is not an ELF and was loaded as a raw binary: one line saying so (format, address, size).</summary>
    public string? RawKernelNotice { get; private set; }

    /// <summary>Load an ELF or raw file; returns the physical span it occupies.</summary>
    private (ulong Start, ulong End) LoadFile(string path, ulong rawBase, out ulong? entry)
    {
        if (Directory.Exists(path)) throw new LoadException($"{path}: is a directory, not a file");
        if (!File.Exists(path)) throw new LoadException($"{path}: no such file");
        if (ElfImage.IsElf(path))
        {
            var elf = ElfImage.Read(path);
            foreach (var seg in elf.Segments)
            {
                // Name --memory when the segment starts in DRAM's range but RAM is too small for it.
                ulong size = Math.Max(seg.MemorySize, (ulong)seg.Data.Length);
                if (seg.PhysicalAddress >= Ram.Base && !Ram.Contains(seg.PhysicalAddress, size))
                    throw new LoadException($"{path}: segment at 0x{seg.PhysicalAddress:x} (0x{size:x} bytes) does not fit in {FormatSize(Ram.Size)} of RAM (see --memory)");
            }
            elf.LoadInto(Bus, path);
            ulong lo = ulong.MaxValue, hi = 0;
            foreach (var seg in elf.Segments)
            {
                var bytes = new byte[Math.Max(seg.MemorySize, (ulong)seg.Data.Length)];
                seg.Data.CopyTo(bytes, 0);
                _images.Add((seg.PhysicalAddress, bytes));
                lo = Math.Min(lo, seg.PhysicalAddress);
                hi = Math.Max(hi, seg.PhysicalAddress + (ulong)bytes.Length);
            }
            entry = elf.Entry;
            if (KernelSymbols.Count == 0 || path == _options.KernelPath) KernelSymbols = elf.Symbols;
            return (lo, hi);
        }
        if (!Ram.Contains(rawBase))
            throw new LoadException($"{path}: a raw kernel goes at 0x{rawBase:x}, beyond the {FormatSize(Ram.Size)} of RAM (see --memory)");
        ulong room = Ram.Base + Ram.Size - rawBase;
        byte[]? data;
        try { data = ReadAtMost(path, room); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new LoadException($"{path}: cannot read: {e.Message}"); }
        if (data is null)
            throw new LoadException($"{path}: does not fit in the {FormatSize(room)} of RAM from 0x{rawBase:x} (see --memory)");
        if (data.Length == 0) throw new LoadException($"{path}: file is empty");
        LoadImage(rawBase, data);
        if (path == _options.KernelPath)
            RawKernelNotice = $"{path}: not an ELF file: loaded as a raw binary at 0x{rawBase:x} ({data.Length} bytes)";
        entry = null;
        return (rawBase, rawBase + (ulong)data.Length);
    }

    /// <summary>
    /// The whole file if it has at most <paramref name="limit"/> bytes, else null. Only a length a read confirms is
    /// trusted: a device or pipe given as a kernel (/dev/zero) is read in chunks up to the limit, never forever.
    /// </summary>
    private static byte[]? ReadAtMost(string path, ulong limit)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        // A regular file says how long it is: read it into one array of that size. Growing a stream instead copied
        // a kernel image about three times over and cost ~25 ms of start-up, mostly first touches of new host memory.
        long length = file.CanSeek ? file.Length : 0;
        if (length > 0)
        {
            if ((ulong)length > limit || length > Array.MaxLength) return null;
            var exact = GC.AllocateUninitializedArray<byte>((int)length);
            int read = file.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false);
            Span<byte> probe = stackalloc byte[1];
            if (read == exact.Length && file.Read(probe) == 0) return exact;
            // The file changed while being read: take what it holds now, the slow way.
            file.Seek(0, SeekOrigin.Begin);
        }
        var data = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = file.Read(chunk)) > 0)
        {
            data.Write(chunk, 0, n);
            if ((ulong)data.Length > limit || data.Length > Array.MaxLength - chunk.Length) return null;
        }
        return data.ToArray();
    }

    /// <summary>Everything loaded into guest memory at start-up, put back on reset (as QEMU's ROM blobs are).</summary>
    private readonly List<(ulong Address, byte[] Data)> _images = new();

    private void LoadImage(ulong address, byte[] data)
    {
        Bus.Load(address, data);
        _images.Add((address, data));
    }

    private void SetUpHtif()
    {
        if (!KernelSymbols.TryGetValue("tohost", out ulong toHost)) return;
        ulong fromHost = KernelSymbols.TryGetValue("fromhost", out ulong f) ? f : toHost + 8;
        _polled.Add(new Htif(Bus, toHost, fromHost, this, _options.ConsoleOutput));
    }

    /// <summary>The riscv,isa string: what the hart implements (Sstc included, as Linux reads it from here).</summary>
    public static string IsaString =>
        (Hart.FloatingPointImplemented ? "rv64imafdc" : "rv64imac") + "_zicsr_zifencei_sstc";

    /// <summary>
    /// Generate the device tree and place it as QEMU does (hw/riscv/boot.c riscv_compute_fdt_addr): at the
    /// end of RAM (below 3 GiB), aligned down to 2 MiB, which leaves firmware room to grow it in place.
    /// In a RAM too small for that, the end of RAM aligned to 8 bytes. It must never land on the firmware
    /// or kernel (QEMU refuses overlapping ROM blobs too): a RAM with no room is the user's error.
    /// </summary>
    private ulong PlaceDeviceTree()
    {
        DeviceTree = BuildDeviceTree(_options);
        ulong end = Math.Min(Ram.Base + Ram.Size, 0xC000_0000UL);
        ulong size = (ulong)DeviceTree.Length;
        if (end - Ram.Base >= size)
        {
            foreach (ulong align in new[] { 2UL << 20, 8UL })
            {
                ulong addr = (end - size) & ~(align - 1);
                if (addr >= Ram.Base && !_images.Any(i => addr < i.Address + (ulong)i.Data.Length && i.Address < addr + size))
                {
                    LoadImage(addr, DeviceTree);
                    return addr;
                }
            }
        }
        throw new LoadException($"--memory: {FormatSize(Ram.Size)} of RAM leaves no room for the {size}-byte device tree next to the firmware and kernel");
    }

    /// <summary>A byte count as the user would write it for --memory (e.g. 128 MiB, 4 KiB).</summary>
    private static string FormatSize(ulong bytes) => bytes switch
    {
        _ when bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        _ when bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        _ when bytes % 1024 == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };

    /// <summary>The device tree a machine built from <paramref name="options"/> hands its guest.</summary>
    public static byte[] BuildDeviceTree(MachineOptions options) =>
        VirtDeviceTree.Build(new VirtDeviceTreeConfig(options.MemorySize, options.HartCount, IsaString) { Bootargs = options.Bootargs });

    /// <summary>Guest-physical address of the device tree (the boot hart's a1).</summary>
    public ulong DeviceTreeAddress => _fdtAddress;

    /// <summary>Words between begin_signature and end_signature, for RISCOF-style signature files.</summary>
    public IReadOnlyList<uint>? ReadSignature()
    {
        if (!KernelSymbols.TryGetValue("begin_signature", out ulong begin) || !KernelSymbols.TryGetValue("end_signature", out ulong end) || end < begin)
            return null;
        var words = new List<uint>();
        Span<byte> b = stackalloc byte[4];
        for (ulong a = begin; a + 4 <= end; a += 4)
        {
            if (!((IGuestMemory)Bus).Read(a, b)) break;
            words.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b));
        }
        return words;
    }

    /// <summary>The JIT shared by the harts, or null with <c>--jit off</c>.</summary>
    public JitEngine? Jit { get; }

    public void Dispose()
    {
        Jit?.Dispose(); // first: the compiler thread reads guest RAM
        foreach (var h in Harts) h.Dispose();
        foreach (var d in _disks) d.Dispose();
        Ram.Dispose();
        Rom.Dispose();
        _hostEvent.Dispose();
        _resume.Dispose();
    }
}
