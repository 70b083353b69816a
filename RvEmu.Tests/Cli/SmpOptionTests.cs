namespace RvEmu.Tests.Cli;

/// <summary>--smp N (1 to 8, as QEMU's -smp): bad values are one error line and exit 2; good ones reach the guest.</summary>
public sealed class SmpOptionTests : CliTestBase
{
    [TestCase("0")]
    [TestCase("9")]
    [TestCase("abc")]
    [TestCase("-1")]
    public void BadHartCount_IsAUsageError(string value) =>
        AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--smp", value, "--kernel", Firmware("hello", "hello.elf")), "--smp", value);

    [Test]
    public void FourHarts_AreInTheDeviceTree()
    {
        string dtb = Path.Combine(Dir, "virt.dtb");
        var r = RvEmuProcess.Run("run", "--smp", "4", "--dump-dtb", dtb);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Fdt.DtcTool.RequireDtc();
        var dts = Fdt.DtcTool.Decompile(File.ReadAllBytes(dtb));
        for (int h = 0; h < 4; h++) Assert.That(dts.Dts, Does.Contain($"cpu@{h} {{"));
        Assert.That(dts.Dts, Does.Not.Contain("cpu@4 {"));
        Assert.That(dts.Dts, Does.Contain("core3 {"), "cpu-map lists every hart");
    }

    [Test]
    public void SmpConformanceProgram_ExitsZero_ThroughTheCli()
    {
        var r = RvEmuProcess.Run(TimeSpan.FromSeconds(240), "run", "--bios", "none", "--smp", "2", "--kernel", Firmware("smp", "smp.elf"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
        Assert.That(r.Stdout, Does.Contain("smp: 2 harts").And.Contain(" 0 failed"));
    }
}
