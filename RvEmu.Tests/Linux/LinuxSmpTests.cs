using System.Text.RegularExpressions;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Linux;

/// <summary>
/// Issue 10's multi-hart cases: Linux with 2 and 4 harts lists every hart in /proc/cpuinfo, and a
/// CPU-bound job pinned to each hart runs there (each CPU's user time in /proc/stat grows while the
/// jobs run at once). Secondary harts come up through SBI HSM from RvEmu's own firmware.
/// </summary>
[TestFixture, Category("Linux"), Category("Smp")]
public sealed class LinuxSmpTests
{
    [TestCase(2)]
    [TestCase(4)]
    public void EveryHartIsListed_AndRunsAJob(int harts)
    {
        var drive = new DriveOptions { Path = LinuxImages.RootImage, Snapshot = true };
        using var guest = GuestSession.Start(LinuxBootTests.Options("default", drive, harts));
        string boot = LinuxBootTests.BootToPrompt(guest);
        Assert.That(boot, Does.Contain($"smp: Brought up 1 node, {harts} CPUs"));

        string cpuinfo = LinuxBootTests.Command(guest, "cat /proc/cpuinfo");
        for (int i = 0; i < harts; i++) Assert.That(cpuinfo, Does.Match($@"processor\s*: {i}\s+hart\s*: {i}"), $"hart {i} listed");

        string before = LinuxBootTests.Command(guest, "cat /proc/stat");
        // One busy loop pinned to each hart, all started at once, then wait for all of them.
        LinuxBootTests.Command(guest,
            $"for c in $(seq 0 {harts - 1}); do taskset -c $c sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done' & done; wait");
        string after = LinuxBootTests.Command(guest, "cat /proc/stat");
        for (int i = 0; i < harts; i++)
            Assert.That(UserTicks(after, i) - UserTicks(before, i), Is.GreaterThan(10), $"cpu{i} ran its job");

        guest.Type("poweroff\r");
        Assert.That(guest.WaitForExit(120).ExitCode, Is.EqualTo(0));
    }

    /// <summary>The user-time field of the cpuN line of /proc/stat.</summary>
    private static long UserTicks(string stat, int cpu)
    {
        var m = Regex.Match(stat, $@"^cpu{cpu} (\d+)", RegexOptions.Multiline);
        Assert.That(m.Success, Is.True, $"/proc/stat has a cpu{cpu} line:\n{stat}");
        return long.Parse(m.Groups[1].Value);
    }
}
