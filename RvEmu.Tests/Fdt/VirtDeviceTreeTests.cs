using System.Text.RegularExpressions;
using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Fdt;

/// <summary>
/// The virt board's device tree, decompiled by the system dtc and checked against the values QEMU 7.2's
/// virt board uses (shared/design/virt-machine.md) and the DT bindings.
/// </summary>
[TestFixture]
public class VirtDeviceTreeTests
{
    private const string Isa = "rv64imac_zicsr_zifencei";

    /// <summary>
    /// dtc 1.6 warns "Missing #address-cells in interrupt provider" for every riscv,cpu-intc node. QEMU 7.2's
    /// own tree draws the same warning (checked in <see cref="VirtDeviceTreeQemuTests"/>), and RvEmu matches
    /// QEMU's tree rather than dtc's preference, so that warning, for those nodes only, is allowed.
    /// </summary>
    private static readonly Regex CpuIntcWarning =
        new(@"^<stdout>: Warning \(interrupt_provider\): /cpus/cpu@\d+/interrupt-controller: Missing #address-cells in interrupt provider$");

    private static DtsNode Decompile(VirtDeviceTreeConfig config)
    {
        DtcTool.RequireDtc();
        DtcResult res = DtcTool.Decompile(VirtDeviceTree.Build(config));
        Assert.That(res.ExitCode, Is.EqualTo(0), res.Stderr);
        string[] diagnostics = res.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(diagnostics.Where(d => !CpuIntcWarning.IsMatch(d)), Is.Empty, "dtc diagnostics");
        Assert.That(diagnostics, Has.Length.EqualTo(config.HartCount), "one interrupt_provider warning per cpu-intc");
        return DtsNode.Parse(res.Dts);
    }

    [Test]
    public void RootChosenAndMemory()
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, 1, Isa));
        DtsNode chosen = root.Child("chosen");
        DtsNode memory = root.Child("memory@80000000");
        Assert.Multiple(() =>
        {
            Assert.That(root.Cells("#address-cells"), Is.EqualTo(new uint[] { 2 }));
            Assert.That(root.Cells("#size-cells"), Is.EqualTo(new uint[] { 2 }));
            Assert.That(root.Strings("compatible"), Is.EqualTo(new[] { "riscv-virtio" }));
            Assert.That(root.Strings("model"), Is.EqualTo(new[] { "riscv-virtio,qemu" }));
            Assert.That(chosen.Strings("stdout-path"), Is.EqualTo(new[] { "/soc/serial@10000000" }));
            Assert.That(chosen.Has("bootargs"), Is.False, "no bootargs unless a command line is given");
            Assert.That(chosen.Has("linux,initrd-start"), Is.False);
            Assert.That(memory.Strings("device_type"), Is.EqualTo(new[] { "memory" }));
            Assert.That(memory.Cells("reg"), Is.EqualTo(new uint[] { 0, 0x8000_0000, 0, 0x0800_0000 }));
        });
    }

    [Test]
    public void ChosenCarriesBootargsAndInitrd()
    {
        var config = new VirtDeviceTreeConfig(256UL << 20, 1, Isa)
        {
            Bootargs = "console=ttyS0 root=/dev/vda rw",
            InitrdStart = 0x8800_0000,
            InitrdEnd = 0x8812_3456,
        };
        DtsNode chosen = Decompile(config).Child("chosen");
        Assert.Multiple(() =>
        {
            Assert.That(chosen.Strings("bootargs"), Is.EqualTo(new[] { "console=ttyS0 root=/dev/vda rw" }));
            Assert.That(chosen.Cells("linux,initrd-start"), Is.EqualTo(new uint[] { 0x8800_0000 }));
            Assert.That(chosen.Cells("linux,initrd-end"), Is.EqualTo(new uint[] { 0x8812_3456 }));
            Assert.That(chosen.Strings("stdout-path"), Is.EqualTo(new[] { "/soc/serial@10000000" }));
        });
    }

    [Test]
    public void LargeMemoryAndHighInitrdUseTwoCells()
    {
        var config = new VirtDeviceTreeConfig(5UL << 30, 1, Isa) { InitrdStart = 0x1_4000_0000, InitrdEnd = 0x1_4010_0000 };
        DtsNode root = Decompile(config);
        Assert.That(root.Child("memory@80000000").Cells("reg"), Is.EqualTo(new uint[] { 0, 0x8000_0000, 1, 0x4000_0000 }));
        Assert.That(root.Child("chosen").Cells("linux,initrd-start"), Is.EqualTo(new uint[] { 1, 0x4000_0000 }));
        Assert.That(root.Child("chosen").Cells("linux,initrd-end"), Is.EqualTo(new uint[] { 1, 0x4010_0000 }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void CpusEachHaveAnInterruptControllerAndACore(int harts)
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, harts, "rv64imafdc_zicsr_zifencei"));
        DtsNode cpus = root.Child("cpus");
        Assert.That(cpus.Cells("#address-cells"), Is.EqualTo(new uint[] { 1 }));
        Assert.That(cpus.Cells("#size-cells"), Is.EqualTo(new uint[] { 0 }));
        Assert.That(cpus.Cells("timebase-frequency"), Is.EqualTo(new uint[] { 10_000_000 }));
        Assert.That(cpus.Children.Select(c => c.Name),
            Is.EqualTo(Enumerable.Range(0, harts).Select(h => $"cpu@{h}").Append("cpu-map")));

        DtsNode cluster = cpus.Child("cpu-map").Child("cluster0");
        for (int h = 0; h < harts; h++)
        {
            DtsNode cpu = cpus.Child($"cpu@{h}");
            DtsNode intc = cpu.Child("interrupt-controller");
            Assert.Multiple(() =>
            {
                Assert.That(cpu.Strings("device_type"), Is.EqualTo(new[] { "cpu" }));
                Assert.That(cpu.Cells("reg"), Is.EqualTo(new[] { (uint)h }));
                Assert.That(cpu.Strings("status"), Is.EqualTo(new[] { "okay" }));
                Assert.That(cpu.Strings("compatible"), Is.EqualTo(new[] { "riscv" }));
                Assert.That(cpu.Strings("riscv,isa"), Is.EqualTo(new[] { "rv64imafdc_zicsr_zifencei" }));
                Assert.That(cpu.Strings("mmu-type"), Is.EqualTo(new[] { "riscv,sv39" }));
                Assert.That(intc.Strings("compatible"), Is.EqualTo(new[] { "riscv,cpu-intc" }));
                Assert.That(intc.Cells("#interrupt-cells"), Is.EqualTo(new uint[] { 1 }));
                Assert.That(intc.Raw("interrupt-controller"), Is.Null, "interrupt-controller is an empty property");
                Assert.That(cluster.Child($"core{h}").Cells("cpu"), Is.EqualTo(cpu.Cells("phandle")));
            });
        }
    }

    [Test]
    public void PhandlesAreUniqueAndResolve()
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, 3, Isa));
        var byPhandle = new Dictionary<uint, string>();
        void Walk(DtsNode n, string path)
        {
            if (n.Has("phandle")) byPhandle.Add(n.Cells("phandle").Single(), path); // Add throws on a duplicate
            foreach (DtsNode c in n.Children) Walk(c, path == "/" ? "/" + c.Name : path + "/" + c.Name);
        }
        Walk(root, "/");

        // 3 cpus + 3 cpu-intcs + plic + test.
        Assert.That(byPhandle, Has.Count.EqualTo(8));
        Assert.That(byPhandle.Keys, Is.All.Not.EqualTo(0u).And.All.Not.EqualTo(0xffff_ffffu)); // DTSpec §2.3.3
        DtsNode soc = root.Child("soc");
        Assert.That(byPhandle[soc.Child("serial@10000000").Cells("interrupt-parent").Single()], Is.EqualTo("/soc/plic@c000000"));
        Assert.That(byPhandle[root.Child("poweroff").Cells("regmap").Single()], Is.EqualTo("/soc/test@100000"));
        Assert.That(byPhandle[root.Child("reboot").Cells("regmap").Single()], Is.EqualTo("/soc/test@100000"));
    }

    [Test]
    public void TestFinisherPoweroffAndReboot()
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, 1, Isa));
        DtsNode test = root.Child("soc").Child("test@100000");
        DtsNode poweroff = root.Child("poweroff"), reboot = root.Child("reboot");
        Assert.Multiple(() =>
        {
            Assert.That(test.Strings("compatible"), Is.EqualTo(new[] { "sifive,test1", "sifive,test0", "syscon" }));
            Assert.That(test.Cells("reg"), Is.EqualTo(new uint[] { 0, 0x10_0000, 0, 0x1000 }));
            Assert.That(poweroff.Strings("compatible"), Is.EqualTo(new[] { "syscon-poweroff" }));
            Assert.That(poweroff.Cells("value"), Is.EqualTo(new uint[] { 0x5555 }));
            Assert.That(poweroff.Cells("offset"), Is.EqualTo(new uint[] { 0 }));
            Assert.That(poweroff.Cells("regmap"), Is.EqualTo(test.Cells("phandle")));
            Assert.That(reboot.Strings("compatible"), Is.EqualTo(new[] { "syscon-reboot" }));
            Assert.That(reboot.Cells("value"), Is.EqualTo(new uint[] { 0x7777 }));
            Assert.That(reboot.Cells("offset"), Is.EqualTo(new uint[] { 0 }));
            Assert.That(reboot.Cells("regmap"), Is.EqualTo(test.Cells("phandle")));
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    public void ClintAndPlicRouteToEveryHart(int harts)
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, harts, Isa));
        DtsNode soc = root.Child("soc");
        DtsNode clint = soc.Child("clint@2000000"), plic = soc.Child("plic@c000000");
        uint[] intc = Enumerable.Range(0, harts)
            .Select(h => root.Child("cpus").Child($"cpu@{h}").Child("interrupt-controller").Cells("phandle").Single()).ToArray();

        // CLINT: machine software (3) and machine timer (7) per hart; PLIC: M external (11), S external (9).
        uint[] clintIrqs = intc.SelectMany(p => new[] { p, 3u, p, 7u }).ToArray();
        uint[] plicIrqs = intc.SelectMany(p => new[] { p, 11u, p, 9u }).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(clint.Strings("compatible"), Is.EqualTo(new[] { "sifive,clint0", "riscv,clint0" }));
            Assert.That(clint.Cells("reg"), Is.EqualTo(new uint[] { 0, 0x200_0000, 0, 0x1_0000 }));
            Assert.That(clint.Cells("interrupts-extended"), Is.EqualTo(clintIrqs));
            Assert.That(plic.Strings("compatible"), Is.EqualTo(new[] { "sifive,plic-1.0.0", "riscv,plic0" }));
            Assert.That(plic.Cells("reg"), Is.EqualTo(new uint[] { 0, 0xc00_0000, 0, 0x60_0000 }));
            Assert.That(plic.Cells("riscv,ndev"), Is.EqualTo(new uint[] { 0x60 }));
            Assert.That(plic.Cells("interrupts-extended"), Is.EqualTo(plicIrqs));
            Assert.That(plic.Cells("#interrupt-cells"), Is.EqualTo(new uint[] { 1 }));
            Assert.That(plic.Cells("#address-cells"), Is.EqualTo(new uint[] { 0 }));
            Assert.That(plic.Raw("interrupt-controller"), Is.Null);
            Assert.That(plic.Has("phandle"));
        });
    }

    [Test]
    public void SocBusUartAndVirtioTransports()
    {
        DtsNode soc = Decompile(new VirtDeviceTreeConfig(128UL << 20, 1, Isa)).Child("soc");
        uint[] plic = soc.Child("plic@c000000").Cells("phandle");
        DtsNode uart = soc.Child("serial@10000000");
        Assert.Multiple(() =>
        {
            Assert.That(soc.Strings("compatible"), Is.EqualTo(new[] { "simple-bus" }));
            Assert.That(soc.Raw("ranges"), Is.Null, "empty ranges: identity mapping (DTSpec §2.3.8)");
            Assert.That(soc.Cells("#address-cells"), Is.EqualTo(new uint[] { 2 }));
            Assert.That(soc.Cells("#size-cells"), Is.EqualTo(new uint[] { 2 }));
            Assert.That(uart.Strings("compatible"), Is.EqualTo(new[] { "ns16550a" }));
            Assert.That(uart.Cells("reg"), Is.EqualTo(new uint[] { 0, 0x1000_0000, 0, 0x100 }));
            Assert.That(uart.Cells("clock-frequency"), Is.EqualTo(new uint[] { 0x38_4000 }));
            Assert.That(uart.Cells("interrupts"), Is.EqualTo(new uint[] { 10 }));
            Assert.That(uart.Cells("interrupt-parent"), Is.EqualTo(plic));
        });

        // All eight transports, always (QEMU lists them from the last to the first).
        string[] expectedOrder = Enumerable.Range(1, 8).Reverse().Select(n => $"virtio_mmio@1000{n}000").ToArray();
        Assert.That(soc.Children.Where(c => c.Name.StartsWith("virtio_mmio@")).Select(c => c.Name), Is.EqualTo(expectedOrder));
        for (uint n = 1; n <= 8; n++)
        {
            DtsNode v = soc.Child($"virtio_mmio@1000{n}000");
            Assert.That(v.Strings("compatible"), Is.EqualTo(new[] { "virtio,mmio" }));
            Assert.That(v.Cells("reg"), Is.EqualTo(new uint[] { 0, 0x1000_0000 + n * 0x1000, 0, 0x1000 }));
            Assert.That(v.Cells("interrupts"), Is.EqualTo(new[] { n }));
            Assert.That(v.Cells("interrupt-parent"), Is.EqualTo(plic));
        }
    }

    [Test]
    public void GoldfishRtc_IsDescribedAsQemuDoes()
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, 1, Isa));
        var rtc = root.Child("soc").Child("rtc@101000");
        Assert.That(rtc.Strings("compatible"), Is.EqualTo(new[] { "google,goldfish-rtc" }));
        Assert.That(rtc.Cells("reg"), Is.EqualTo(new[] { 0u, 0x101000u, 0u, 0x1000u }));
        Assert.That(rtc.Cells("interrupts"), Is.EqualTo(new[] { 11u }));
    }

    [Test]
    public void UnemulatedDevicesAreAbsent()
    {
        DtsNode root = Decompile(new VirtDeviceTreeConfig(128UL << 20, 1, Isa));
        string[] absent = ["pci@", "flash@", "fw-cfg@", "platform-bus@", "pmu"];
        IEnumerable<string> names = root.Children.Concat(root.Child("soc").Children).Select(c => c.Name);
        Assert.That(names.Where(n => absent.Any(a => n.StartsWith(a, StringComparison.Ordinal))), Is.Empty);
        Assert.That(root.Child("chosen").Has("rng-seed"), Is.False);
    }

    [Test]
    public void HeaderNamesHartZeroAsBootCpu()
    {
        var r = new DtbReader(VirtDeviceTree.Build(new VirtDeviceTreeConfig(128UL << 20, 2, Isa)));
        Assert.That(r.BootCpuIdPhys, Is.EqualTo(0u));
        Assert.That(r.Version, Is.EqualTo(17u));
        Assert.That(r.Reservations, Is.Empty);
    }

    private static IEnumerable<TestCaseData> BadConfigs()
    {
        yield return new TestCaseData(new VirtDeviceTreeConfig(128UL << 20, 0, Isa)).SetName("NoHarts");
        yield return new TestCaseData(new VirtDeviceTreeConfig(128UL << 20, 513, Isa)).SetName("MoreHartsThanPlicContexts");
        yield return new TestCaseData(new VirtDeviceTreeConfig(0, 1, Isa)).SetName("NoMemory");
        yield return new TestCaseData(new VirtDeviceTreeConfig(128UL << 20, 1, "")).SetName("NoIsa");
        yield return new TestCaseData(new VirtDeviceTreeConfig(128UL << 20, 1, Isa) { InitrdStart = 0x8800_0000 }).SetName("HalfAnInitrd");
        yield return new TestCaseData(new VirtDeviceTreeConfig(128UL << 20, 1, Isa) { InitrdStart = 0x8800_1000, InitrdEnd = 0x8800_0000 }).SetName("InitrdEndsBeforeStart");
    }

    [TestCaseSource(nameof(BadConfigs))]
    public void InconsistentConfigIsRejected(VirtDeviceTreeConfig config)
    {
        Assert.That(() => VirtDeviceTree.Build(config), Throws.InstanceOf<ArgumentException>());
    }
}
