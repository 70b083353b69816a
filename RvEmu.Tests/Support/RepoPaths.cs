namespace RvEmu.Tests.Support;

/// <summary>Locates files of the source tree from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The directory holding RvEmu.sln.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>A path inside the repository, from '/'-separated parts.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RvEmu.sln"))) return dir.FullName;
        throw new InvalidOperationException($"RvEmu.sln not found above {AppContext.BaseDirectory}");
    }
}
