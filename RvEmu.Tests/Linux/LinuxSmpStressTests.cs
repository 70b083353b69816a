using System.Text.RegularExpressions;
using RvEmu.Devices.Machine;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Linux;

/// <summary>
/// Not in the default run (<c>dotnet test RvEmu.sln --filter Category=Stress</c>): Linux on eight harts with
/// every hart writing, syncing and reading back its own files on the virtio disk at once, while another job
/// reads the raw device, so virtio requests, PLIC claims and IPIs come from all harts together. Every file
/// must read back as written, and the filesystem must be clean on the host after poweroff.
/// </summary>
[TestFixture, Category("Stress"), Category("Linux"), Explicit("eight-hart Linux disk stress: dotnet test RvEmu.sln --filter Category=Stress")]
public sealed class LinuxSmpStressTests
{
    private const int Harts = 8;
    private const int Rounds = 10;

    /// <summary>What <c>yes hC-I | head -c 262144</c> writes.</summary>
    private static string Pattern(int hart, int round)
    {
        string line = $"h{hart}-{round}\n";
        return string.Concat(Enumerable.Repeat(line, 262144 / line.Length + 1))[..262144];
    }

    private static string Md5Hex(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(text)));

    [Test]
    public void EightHarts_WriteSyncAndReadTheDisk_Together()
    {
        LinuxImages.RequireTool("e2fsck", "e2fsprogs");
        LinuxImages.RequireTool("debugfs", "e2fsprogs");
        string dir = Directory.CreateTempSubdirectory("rvemu-linux-stress-").FullName;
        try
        {
            string image = LinuxImages.CopyRootImage(dir);
            var drive = new DriveOptions { Path = image };
            using (var guest = GuestSession.Start(LinuxBootTests.Options("default", drive, Harts)))
            {
                string boot = LinuxBootTests.BootToPrompt(guest);
                Assert.That(boot, Does.Contain($"smp: Brought up 1 node, {Harts} CPUs"));
                // Each hart: write a 256 KiB file of its own pattern, sync, read it back and print its checksum,
                // Rounds times; one more job reads the whole raw disk meanwhile.
                // (One short line: BusyBox's line editor keeps 1024 characters.)
                guest.Type(
                    $"for c in $(seq 0 {Harts - 1}); do taskset -c $c sh -c \"i=0; while [ \\$i -lt {Rounds} ]; do " +
                    "yes h$c-\\$i | head -c 262144 > /s$c; sync; md5sum /s$c >> /sums$c; i=\\$((i+1)); done\" & done; " +
                    "dd if=/dev/vda of=/dev/null bs=64k 2>/dev/null & wait; cat /sums*; echo stress-done\r");
                string output = guest.WaitFor("stress-done\r\n", 600) + guest.WaitFor(LinuxImages.Prompt, 60);
                Assert.That(output, Does.Contain("stress-done"));
                var sums = Regex.Matches(output, @"^([0-9a-f]{32})  /s(\d)", RegexOptions.Multiline);
                Assert.That(sums, Has.Count.EqualTo(Harts * Rounds), output);
                // /sumsC lists hart C's rounds in order: each checksum is that round's pattern, read back after sync.
                foreach (var group in sums.GroupBy(m => int.Parse(m.Groups[2].Value)))
                {
                    var inOrder = group.Select(m => m.Groups[1].Value).ToArray();
                    for (int i = 0; i < Rounds; i++)
                        Assert.That(inOrder[i], Is.EqualTo(Md5Hex(Pattern(group.Key, i))), $"hart {group.Key}, round {i}");
                }
                guest.Type("poweroff\r");
                Assert.That(guest.WaitForExit(300).ExitCode, Is.EqualTo(0));
            }

            var fsck = LinuxImages.Run("e2fsck", "-fn", image);
            Assert.That(fsck.ExitCode, Is.EqualTo(0), $"e2fsck -fn found problems:\n{fsck.Stdout}{fsck.Stderr}");
            for (int c = 0; c < Harts; c++)
            {
                var file = LinuxImages.Run("debugfs", "-R", $"cat /s{c}", image);
                Assert.That(file.Stdout, Is.EqualTo(Pattern(c, Rounds - 1)), $"/s{c} holds its last round");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
