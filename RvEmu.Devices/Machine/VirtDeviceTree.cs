using RvEmu.Devices.Fdt;

namespace RvEmu.Devices.Machine;

/// <summary>What varies between runs of the virt board's device tree; everything else comes from <see cref="VirtMemoryMap"/>.</summary>
/// <param name="MemorySize">DRAM size in bytes, starting at <see cref="VirtMemoryMap.DramBase"/>.</param>
/// <param name="HartCount">Number of harts (cpu@0 .. cpu@N-1), all in one socket/cluster as QEMU's default.</param>
/// <param name="Isa">Each cpu's <c>riscv,isa</c>, e.g. "rv64imac_zicsr_zifencei".</param>
public sealed record VirtDeviceTreeConfig(ulong MemorySize, int HartCount, string Isa)
{
    /// <summary>Each cpu's <c>mmu-type</c>: the widest satp mode the hart implements.</summary>
    public string MmuType { get; init; } = "riscv,sv39";

    /// <summary>Kernel command line for /chosen/bootargs; null omits the property (QEMU sets it only with -append).</summary>
    public string? Bootargs { get; init; }

    /// <summary>Guest-physical start of the initrd (/chosen/linux,initrd-start); set together with <see cref="InitrdEnd"/>.</summary>
    public ulong? InitrdStart { get; init; }

    /// <summary>Guest-physical end (exclusive) of the initrd (/chosen/linux,initrd-end).</summary>
    public ulong? InitrdEnd { get; init; }

    /// <summary>/chosen/stdout-path: the console. Defaults to the UART, as QEMU.</summary>
    public string StdoutPath { get; init; } = VirtDeviceTree.UartPath;
}

/// <summary>
/// Generates the device tree of QEMU 7.2's <c>virt</c> board (hw/riscv/virt.c) from <see cref="VirtMemoryMap"/>,
/// the same constants that wire the bus, so the two cannot disagree.
/// </summary>
/// <remarks>
/// <para>Node names, node and property order, property encodings and phandle numbers follow what
/// <c>qemu-system-riscv64 -machine virt,dumpdtb=...</c> emits, so guests see the tree they were tested
/// against and a decompiled tree can be diffed against QEMU's line by line.</para>
/// <para>Nodes for devices RvEmu does not emulate are left out rather than advertised to the guest:
/// the PCIe host (pci@30000000), the CFI flash (flash@20000000), fw-cfg (fw-cfg@10100000), the dynamic
/// sysbus (platform-bus@4000000), and the SBI PMU event map
/// (pmu, "riscv,pmu": RvEmu's mhpmcounters are hard-wired to zero, and OpenSBI only disables its PMU
/// extension when the node is missing). /chosen/rng-seed is left out too: QEMU fills it with fresh host
/// randomness on every run, and RvEmu keeps runs reproducible.</para>
/// <para>QEMU 7.2 always writes mmu-type "riscv,sv48" for RV64; RvEmu writes what the config says.</para>
/// </remarks>
public static class VirtDeviceTree
{
    /// <summary>Path of the UART node, the default console.</summary>
    public static readonly string UartPath = $"/soc/{Node("serial", VirtMemoryMap.UartBase)}";

    /// <summary>Most harts the tree can describe: PLIC contexts (two per hart) that fit below its 0x60_0000 window.</summary>
    public const int MaxHarts = (int)((VirtMemoryMap.PlicSize - PlicContextBase) / PlicContextStride / 2);

    // PLIC per-context threshold/claim registers start at +0x20_0000, 0x1000 apart (sifive_plic.c).
    private const ulong PlicContextBase = 0x20_0000, PlicContextStride = 0x1000;

    // Local interrupt numbers on the cpu's interrupt controller (priv spec 3.1.9, mip/mie bits).
    private const uint IrqMSoft = 3, IrqMTimer = 7, IrqSExt = 9, IrqMExt = 11;

    /// <summary>Builds the DTB for <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">The config is inconsistent (no harts, no memory, half an initrd...).</exception>
    public static byte[] Build(VirtDeviceTreeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        int harts = config.HartCount;

        // Phandles as QEMU 7.2 hands them out (create_fdt_socket_cpus walks the harts from the last to the
        // first, taking one for the cpu and one for its interrupt controller; then the PLIC; then the test
        // device): cpu@N-1 = 1, its intc = 2, ..., cpu@0 = 2N-1, its intc = 2N, plic = 2N+1, test = 2N+2.
        uint CpuPhandle(int hart) => (uint)(2 * (harts - 1 - hart) + 1);
        uint IntcPhandle(int hart) => CpuPhandle(hart) + 1;
        uint plicPhandle = (uint)(2 * harts + 1);
        uint testPhandle = plicPhandle + 1;

        var fdt = new FdtBuilder(bootCpuIdPhys: 0);
        fdt.BeginNode("");
        fdt.PropertyU32("#address-cells", 2);
        fdt.PropertyU32("#size-cells", 2);
        fdt.PropertyString("compatible", "riscv-virtio");
        fdt.PropertyString("model", "riscv-virtio,qemu");

        // Chosen bindings (Linux Documentation/devicetree/bindings/chosen.txt). QEMU writes the initrd
        // bounds as single cells (riscv_load_initrd); Linux reads one or two cells, so 64-bit values past
        // 4 GiB fall back to two cells rather than being truncated.
        fdt.BeginNode("chosen");
        if (config.InitrdStart is ulong initrdStart && config.InitrdEnd is ulong initrdEnd)
        {
            PropertyAddress(fdt, "linux,initrd-end", initrdEnd);
            PropertyAddress(fdt, "linux,initrd-start", initrdStart);
        }
        if (config.Bootargs is not null) fdt.PropertyString("bootargs", config.Bootargs);
        fdt.PropertyString("stdout-path", config.StdoutPath);
        fdt.EndNode();

        // syscon-poweroff / syscon-reboot (Linux bindings power/reset/syscon-*.yaml): a write of `value`
        // at `offset` in the regmap (the test finisher) powers off or resets.
        fdt.BeginNode("poweroff");
        fdt.PropertyU32("value", TestFinisher.Pass);
        fdt.PropertyU32("offset", 0);
        fdt.PropertyU32("regmap", testPhandle);
        fdt.PropertyString("compatible", "syscon-poweroff");
        fdt.EndNode();
        fdt.BeginNode("reboot");
        fdt.PropertyU32("value", TestFinisher.Reset);
        fdt.PropertyU32("offset", 0);
        fdt.PropertyU32("regmap", testPhandle);
        fdt.PropertyString("compatible", "syscon-reboot");
        fdt.EndNode();

        // DTSpec §3.4: memory node.
        fdt.BeginNode(Node("memory", VirtMemoryMap.DramBase));
        fdt.PropertyString("device_type", "memory");
        fdt.PropertyU64("reg", VirtMemoryMap.DramBase, config.MemorySize);
        fdt.EndNode();

        // DTSpec §3.7/§3.8: cpus and cpu nodes; RISC-V bindings (Linux riscv/cpus.yaml) for riscv,isa,
        // mmu-type and the per-hart "riscv,cpu-intc" local interrupt controller.
        fdt.BeginNode("cpus");
        fdt.PropertyU32("#address-cells", 1);
        fdt.PropertyU32("#size-cells", 0);
        fdt.PropertyU32("timebase-frequency", VirtMemoryMap.TimebaseHz);
        for (int hart = 0; hart < harts; hart++)
        {
            // QEMU names cpus "cpu@%d" (decimal); identical to the hex unit address below 10 harts.
            fdt.BeginNode($"cpu@{hart}");
            fdt.PropertyU32("phandle", CpuPhandle(hart));
            fdt.PropertyString("device_type", "cpu");
            fdt.PropertyU32("reg", (uint)hart);
            fdt.PropertyString("status", "okay");
            fdt.PropertyString("compatible", "riscv");
            fdt.PropertyString("riscv,isa", config.Isa);
            fdt.PropertyString("mmu-type", config.MmuType);
            fdt.BeginNode("interrupt-controller");
            fdt.PropertyU32("#interrupt-cells", 1);
            fdt.PropertyEmpty("interrupt-controller");
            fdt.PropertyString("compatible", "riscv,cpu-intc");
            fdt.PropertyU32("phandle", IntcPhandle(hart));
            fdt.EndNode();
            fdt.EndNode();
        }
        // Linux cpu/cpu-topology.txt: one cluster holding every hart (QEMU: one cluster per socket).
        fdt.BeginNode("cpu-map");
        fdt.BeginNode("cluster0");
        for (int hart = 0; hart < harts; hart++)
        {
            fdt.BeginNode($"core{hart}");
            fdt.PropertyU32("cpu", CpuPhandle(hart));
            fdt.EndNode();
        }
        fdt.EndNode();
        fdt.EndNode();
        fdt.EndNode();

        // DTSpec §4.5 simple-bus with an empty ranges: child addresses are CPU physical addresses.
        fdt.BeginNode("soc");
        fdt.PropertyU32("#address-cells", 2);
        fdt.PropertyU32("#size-cells", 2);
        fdt.PropertyString("compatible", "simple-bus");
        fdt.PropertyEmpty("ranges");

        fdt.BeginNode(Node("rtc", VirtMemoryMap.RtcBase));
        fdt.PropertyU32("interrupts", VirtMemoryMap.RtcIrq);
        fdt.PropertyU32("interrupt-parent", plicPhandle);
        fdt.PropertyU64("reg", VirtMemoryMap.RtcBase, VirtMemoryMap.RtcSize);
        fdt.PropertyString("compatible", "google,goldfish-rtc");
        fdt.EndNode();

        fdt.BeginNode(Node("serial", VirtMemoryMap.UartBase));
        fdt.PropertyU32("interrupts", VirtMemoryMap.UartIrq);
        fdt.PropertyU32("interrupt-parent", plicPhandle);
        fdt.PropertyU32("clock-frequency", VirtMemoryMap.UartClockHz);
        fdt.PropertyU64("reg", VirtMemoryMap.UartBase, VirtMemoryMap.UartSize);
        fdt.PropertyString("compatible", "ns16550a");
        fdt.EndNode();

        fdt.BeginNode(Node("test", VirtMemoryMap.TestBase));
        fdt.PropertyU32("phandle", testPhandle);
        fdt.PropertyU64("reg", VirtMemoryMap.TestBase, VirtMemoryMap.TestSize);
        fdt.PropertyStrings("compatible", "sifive,test1", "sifive,test0", "syscon");
        fdt.EndNode();

        // QEMU lists the transports from the last slot to the first; the guest probes them in tree order,
        // so keeping QEMU's order keeps the guest's device numbering (vda, virtio0...) the same.
        for (int slot = VirtMemoryMap.VirtioSlots - 1; slot >= 0; slot--)
        {
            ulong slotBase = VirtMemoryMap.VirtioSlotBase(slot);
            fdt.BeginNode(Node("virtio_mmio", slotBase));
            fdt.PropertyU32("interrupts", (uint)(VirtMemoryMap.VirtioIrqBase + slot));
            fdt.PropertyU32("interrupt-parent", plicPhandle);
            fdt.PropertyU64("reg", slotBase, VirtMemoryMap.VirtioSize);
            fdt.PropertyString("compatible", "virtio,mmio");
            fdt.EndNode();
        }

        // PLIC (Linux sifive,plic-1.0.0.yaml): contexts in interrupts-extended order, M then S per hart,
        // which is the context numbering the PLIC model uses (ctx 2h = hart h M-mode, 2h+1 = S-mode).
        fdt.BeginNode(Node("plic", VirtMemoryMap.PlicBase));
        fdt.PropertyU32("phandle", plicPhandle);
        fdt.PropertyU32("riscv,ndev", VirtMemoryMap.PlicSources);
        fdt.PropertyU64("reg", VirtMemoryMap.PlicBase, VirtMemoryMap.PlicSize);
        fdt.PropertyU32("interrupts-extended", PerHart(harts, IntcPhandle, IrqMExt, IrqSExt));
        fdt.PropertyEmpty("interrupt-controller");
        fdt.PropertyStrings("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        fdt.PropertyU32("#address-cells", 0);
        fdt.PropertyU32("#interrupt-cells", 1);
        fdt.EndNode();

        // CLINT (Linux sifive,clint.yaml): per hart, machine software then machine timer interrupt.
        fdt.BeginNode(Node("clint", VirtMemoryMap.ClintBase));
        fdt.PropertyU32("interrupts-extended", PerHart(harts, IntcPhandle, IrqMSoft, IrqMTimer));
        fdt.PropertyU64("reg", VirtMemoryMap.ClintBase, VirtMemoryMap.ClintSize);
        fdt.PropertyStrings("compatible", "sifive,clint0", "riscv,clint0");
        fdt.EndNode();

        fdt.EndNode(); // soc
        fdt.EndNode(); // root
        return fdt.Finish();
    }

    /// <summary>DTSpec §2.2.1: node-name@unit-address, the unit address in lower-case hex without leading zeros.</summary>
    private static string Node(string name, ulong address) => $"{name}@{address:x}";

    /// <summary>A <c>&lt;intc irq0 intc irq1&gt;</c> pair for each hart in hart order.</summary>
    private static uint[] PerHart(int harts, Func<int, uint> intcPhandle, uint irq0, uint irq1)
    {
        var cells = new uint[harts * 4];
        for (int hart = 0; hart < harts; hart++)
        {
            uint intc = intcPhandle(hart);
            cells[hart * 4] = intc;
            cells[hart * 4 + 1] = irq0;
            cells[hart * 4 + 2] = intc;
            cells[hart * 4 + 3] = irq1;
        }
        return cells;
    }

    private static void PropertyAddress(FdtBuilder fdt, string name, ulong address)
    {
        if (address <= uint.MaxValue) fdt.PropertyU32(name, (uint)address);
        else fdt.PropertyU64(name, address);
    }

    private static void Validate(VirtDeviceTreeConfig config)
    {
        if (config.HartCount is < 1 or > MaxHarts)
            throw new ArgumentOutOfRangeException(nameof(config), $"HartCount must be 1..{MaxHarts}, not {config.HartCount}");
        if (config.MemorySize == 0)
            throw new ArgumentOutOfRangeException(nameof(config), "MemorySize must not be zero");
        if (string.IsNullOrEmpty(config.Isa)) throw new ArgumentException("Isa must be set", nameof(config));
        if (string.IsNullOrEmpty(config.MmuType)) throw new ArgumentException("MmuType must be set", nameof(config));
        if (string.IsNullOrEmpty(config.StdoutPath)) throw new ArgumentException("StdoutPath must be set", nameof(config));
        if (config.InitrdStart.HasValue != config.InitrdEnd.HasValue)
            throw new ArgumentException("InitrdStart and InitrdEnd go together", nameof(config));
        if (config.InitrdStart > config.InitrdEnd)
            throw new ArgumentException("InitrdStart is past InitrdEnd", nameof(config));
    }
}
