using RvEmu.Tests.Conformance;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Shared set-up of the CLI tests: each test gets its own scratch directory (tests of a fixture run
/// in parallel, one fixture instance per test), and the checks of the product rule for bad user
/// input: exit code 2, exactly one line on stderr starting "rvemu: ", no stack trace.
/// </summary>
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public abstract class CliTestBase
{
    /// <summary>The exit code of every user error (issues 2 and 5).</summary>
    protected const int UsageError = 2;

    /// <summary>The exit code when --max-instructions or --timeout stops a guest.</summary>
    protected const int LimitExitCode = 124;

    /// <summary>This test's scratch directory.</summary>
    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void CreateScratchDirectory() => Dir = Directory.CreateTempSubdirectory("rvemu-cli-").FullName;

    [TearDown]
    public void DeleteScratchDirectory() => Directory.Delete(Dir, recursive: true);

    /// <summary>A file in the scratch directory with <paramref name="contents"/>; returns its path.</summary>
    protected string WriteFile(string name, byte[] contents)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, contents);
        return path;
    }

    /// <summary>A committed firmware binary, e.g. ("tests", "rv64i.elf").</summary>
    protected static string Firmware(params string[] parts) => RepoPaths.Combine(["firmware", .. parts]);

    /// <summary>
    /// The product rule for bad user input: exit code 2, one line on stderr that starts "rvemu: " and
    /// contains each of <paramref name="mentions"/> (case-insensitive), no stack frame, no .NET type name.
    /// </summary>
    protected static void AssertUsageError(CliResult r, params string[] mentions)
    {
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(UsageError), r.ToString);
            AssertNoStackTrace(r);
            Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.ToString);
            Assert.That(r.Stderr, Does.StartWith("rvemu: "), r.ToString);
            Assert.That(r.Stderr, Does.Not.Contain("internal error").And.Not.Contain("System."), "the message speaks the user's language");
            foreach (var m in mentions) Assert.That(r.Stderr, Does.Contain(m).IgnoreCase, r.ToString);
        });
    }

    /// <summary>No stack frames and no unhandled-exception banner anywhere in the output.</summary>
    protected static void AssertNoStackTrace(CliResult r)
    {
        Assert.That(r.Stderr + r.Stdout, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"), r.ToString);
    }

    /// <summary>A disk image's contents and modification time, to show a run left it alone.</summary>
    protected sealed record ImageSnapshot(string Path, byte[] Bytes, DateTime LastWriteUtc)
    {
        public static ImageSnapshot Take(string path) => new(path, File.ReadAllBytes(path), File.GetLastWriteTimeUtc(path));

        public void AssertUnchanged()
        {
            Assert.That(File.ReadAllBytes(Path), Is.EqualTo(Bytes), $"{Path}: contents changed");
            Assert.That(File.GetLastWriteTimeUtc(Path), Is.EqualTo(LastWriteUtc), $"{Path}: modification time changed (opened for writing?)");
        }
    }

    /// <summary>A disk image of <paramref name="sectors"/> 512-byte sectors with a recognisable pattern.</summary>
    protected string MakeImage(string name, int sectors = 8, int extraBytes = 0)
    {
        var data = new byte[sectors * 512 + extraBytes];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 + 3);
        string path = WriteFile(name, data);
        // An mtime in the past: a write during the run could not land on the same timestamp by chance.
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        return path;
    }

    /// <summary>The one-line spinning guest as an ELF at the DRAM base (runs until stopped).</summary>
    protected string SpinningKernel(char banner = 'R') =>
        WriteFile("spin.elf", TinyElf.Build64(TinyPrograms.DramBase, TinyPrograms.PrintThenSpin(banner)));
}
