using System.Text.RegularExpressions;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 12: the output lines the README shows are what RvEmu prints. Every example line quoted in the README
/// (the trace table, the rotation header, the --log-level and raw-kernel lines) must equal a line of real
/// output, "…" standing for a number.
/// </summary>
[TestFixture]
public sealed class ReadmeExampleTests
{
    private static readonly string[] Prefixes =
    [
        "core ", "trap: ", "mret: ", "sret: ", "irq: ", "mmio: ", "virtio: ", "sbi: ", "mmu: ", "guest-error: ",
        "trace: continued", "rvemu: information: ", "rvemu: kernel.bin: ",
    ];

    /// <summary>Every backquoted example line of README.md that looks like RvEmu output.</summary>
    private static List<string> Examples()
    {
        string readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        return Regex.Matches(readme, "`([^`\n]+)`").Select(m => m.Groups[1].Value)
            .Where(e => Prefixes.Any(p => e.StartsWith(p, StringComparison.Ordinal)) && e.Length > 20).Distinct().ToList();
    }

    private static Regex Pattern(string example) =>
        new("^" + Regex.Escape(example).Replace("…", "[0-9a-fx]+") + "$");

    [Test]
    public void EveryExampleLine_IsRealOutput()
    {
        var examples = Examples();
        Assert.That(examples, Has.Count.GreaterThanOrEqualTo(12), "the README's examples were not found");
        string dir = Directory.CreateTempSubdirectory("rvemu-readme-").FullName;
        try
        {
            var lines = new List<string>();
            string Firmware(params string[] parts) => RepoPaths.Combine(["firmware", .. parts]);
            void Traced(string file, string events, params string[] args)
            {
                string trace = Path.Combine(dir, file);
                var r = RvEmuProcess.Run([.. args, "--trace", trace, "--trace-events", events]);
                Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString);
                lines.AddRange(File.ReadAllLines(trace));
            }
            Traced("hello.log", "insn,commit,mmio", "run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"));
            Traced("guest.log", "trap,irq,virtio,sbi", "run");
            Traced("mmu.log", "mmu", "run", "--bios", "none", "--kernel", Firmware("tests", "sv39.elf"));
            Traced("traps.log", "guest-errors", "run", "--bios", "none", "--kernel", Firmware("tests", "traps.elf"));

            // --trace t.log --trace-max-size 8K: the rotated files' first lines.
            string t = Path.Combine(dir, "t.log");
            var rot = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--trace", t, "--trace-events", "insn", "--trace-max-size", "8K");
            Assert.That(rot.ExitCode, Is.EqualTo(0), rot.ToString);
            foreach (var f in Directory.GetFiles(dir, "t_*.log"))
            {
                Assert.That(Path.GetFileName(f), Does.Match(@"^t_\d{3}\.log$"), "rotated files are named as the README says");
                lines.Add(File.ReadLines(f).First());
            }

            // --log-level information, with the image named as in the README.
            string image = Path.Combine(dir, "disk.img");
            File.WriteAllBytes(image, new byte[8 * 512]);
            var info = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", image, "--log-level", "information");
            lines.AddRange(info.StderrLines.Select(l => l.Replace(dir + Path.DirectorySeparatorChar, "")));

            // A raw kernel named kernel.bin.
            string kernel = Path.Combine(dir, "kernel.bin");
            File.WriteAllBytes(kernel, TinyPrograms.FinisherExit(0x5555));
            var raw = RvEmuProcess.Run("run", "--bios", "none", "--kernel", kernel);
            lines.AddRange(raw.StderrLines.Select(l => l.Replace(dir + Path.DirectorySeparatorChar, "")));

            var missing = examples.Where(e => !lines.Any(Pattern(e).IsMatch)).ToList();
            Assert.That(missing, Is.Empty, "README example lines that RvEmu does not print");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
