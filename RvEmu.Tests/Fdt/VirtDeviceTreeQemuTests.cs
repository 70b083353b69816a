using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Fdt;

/// <summary>
/// Differential test: the tree RvEmu generates against the one qemu-system-riscv64 (7.2) dumps for the
/// same machine, both decompiled by dtc. Nodes RvEmu deliberately leaves out and properties that
/// legitimately differ are removed from QEMU's side; everything else, including node and property
/// order and phandle numbers, must be identical.
/// </summary>
[TestFixture]
public class VirtDeviceTreeQemuTests
{
    // QEMU's default rv64 cpu has H, Zb*, Zihintpause and Sstc; turning them off makes it report the ISA
    // strings RvEmu uses. pmu-num=0 is irrelevant to the tree (7.2 writes the pmu node regardless) but
    // keeps the cpu close to RvEmu's, whose hpm counters are hard-wired to zero.
    private const string CpuBase = "rv64,pmu-num=0,h=false,zba=false,zbb=false,zbc=false,zbs=false,sstc=false,Zihintpause=false";

    /// <summary>Top-level and /soc nodes QEMU has for devices RvEmu does not emulate (see VirtDeviceTree remarks).</summary>
    private static readonly string[] OmittedNodePrefixes = ["pmu", "fw-cfg@", "flash@", "platform-bus@", "pci@"];

    private sealed record Case(string Name, int Harts, string Memory, ulong MemoryBytes, bool FloatingPoint, string? Bootargs, bool Initrd);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new Case("1 hart, rv64imac, no command line", 1, "128M", 128UL << 20, false, null, false)).SetName("OneHartImac");
        yield return new TestCaseData(new Case("2 harts, rv64imafdc, bootargs + initrd", 2, "256M", 256UL << 20, true, "console=ttyS0 earlycon=sbi root=/dev/vda", true)).SetName("TwoHartsImafdcInitrd");
        yield return new TestCaseData(new Case("4 harts, 1 GiB", 4, "1G", 1UL << 30, false, "quiet", false)).SetName("FourHartsBootargs");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesQemuVirtExceptForOmittedDevices(object boxed)
    {
        var c = (Case)boxed;
        DtcTool.RequireDtc();
        DtcTool.RequireQemu();

        string isa = c.FloatingPoint ? "rv64imafdc_zicsr_zifencei" : "rv64imac_zicsr_zifencei";
        string dir = Directory.CreateTempSubdirectory("rvemu-fdt-qemu-").FullName;
        try
        {
            string dtb = Path.Combine(dir, "qemu.dtb");
            var args = new List<string>
            {
                "-machine", $"virt,dumpdtb={dtb}", "-m", c.Memory, "-smp", c.Harts.ToString(),
                "-cpu", CpuBase + (c.FloatingPoint ? "" : ",f=false,d=false"),
                "-bios", "none", "-display", "none", "-serial", "null", "-monitor", "none",
            };
            if (c.Bootargs is not null || c.Initrd)
            {
                // -append and -initrd need a kernel; with -bios none a raw image lands at the DRAM base.
                string kernel = Path.Combine(dir, "kernel.bin");
                File.WriteAllBytes(kernel, [0x73, 0x00, 0x50, 0x10]); // wfi
                args.AddRange(["-kernel", kernel]);
            }
            if (c.Bootargs is not null) args.AddRange(["-append", c.Bootargs]);
            if (c.Initrd)
            {
                string initrd = Path.Combine(dir, "initrd.img");
                File.WriteAllBytes(initrd, new byte[5000]);
                args.AddRange(["-initrd", initrd]);
            }
            DtcResult qemuRun = DtcTool.Run("qemu-system-riscv64", args.ToArray());
            Assert.That(qemuRun.ExitCode, Is.EqualTo(0), qemuRun.Stderr);

            DtcResult qemuDts = DtcTool.Decompile(File.ReadAllBytes(dtb));
            Assert.That(qemuDts.ExitCode, Is.EqualTo(0), qemuDts.Stderr);
            DtsNode qemu = DtsNode.Parse(qemuDts.Dts);

            // Where QEMU puts the initrd is the machine's business (VirtMachine), not the tree's: take
            // QEMU's addresses so the comparison checks how /chosen carries them.
            DtsNode qemuChosen = qemu.Child("chosen");
            ulong? initrdStart = c.Initrd ? qemuChosen.Cells("linux,initrd-start").Single() : null;
            ulong? initrdEnd = c.Initrd ? qemuChosen.Cells("linux,initrd-end").Single() : null;

            var config = new VirtDeviceTreeConfig(c.MemoryBytes, c.Harts, isa)
            {
                Bootargs = c.Bootargs,
                InitrdStart = initrdStart,
                InitrdEnd = initrdEnd,
            };
            DtcResult oursDts = DtcTool.Decompile(VirtDeviceTree.Build(config));
            Assert.That(oursDts.ExitCode, Is.EqualTo(0), oursDts.Stderr);
            DtsNode ours = DtsNode.Parse(oursDts.Dts);

            // dtc finds the same faults (if any) in both trees.
            Assert.That(oursDts.Stderr, Is.EqualTo(qemuDts.Stderr), "dtc diagnostics differ from QEMU's tree");

            // QEMU 7.2 hard-codes sv48 for any RV64 cpu; RvEmu reports what its harts implement.
            for (int h = 0; h < c.Harts; h++)
            {
                Assert.That(qemu.Child("cpus").Child($"cpu@{h}").Strings("mmu-type"), Is.EqualTo(new[] { "riscv,sv48" }));
                Assert.That(ours.Child("cpus").Child($"cpu@{h}").Strings("mmu-type"), Is.EqualTo(new[] { "riscv,sv39" }));
                DropProperty(qemu.Child("cpus").Child($"cpu@{h}"), "mmu-type");
                DropProperty(ours.Child("cpus").Child($"cpu@{h}"), "mmu-type");
            }
            // Fresh host randomness on every QEMU run.
            DropProperty(qemuChosen, "rng-seed");
            DropNodes(qemu);
            DropNodes(qemu.Child("soc"));

            Assert.That(ours.Render(), Is.EqualTo(qemu.Render()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void DropProperty(DtsNode node, string name)
    {
        int removed = node.Properties.RemoveAll(p => p.Name == name);
        Assert.That(removed, Is.EqualTo(1), $"QEMU's tree changed: expected one '{name}' in '{node.Name}'");
    }

    private static void DropNodes(DtsNode parent) =>
        parent.Children.RemoveAll(n => OmittedNodePrefixes.Any(p => n.Name.StartsWith(p, StringComparison.Ordinal)));
}
