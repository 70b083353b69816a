namespace RvEmu.Tests.Float;

/// <summary>Finds a file of the repository from the test's output directory (it is not copied there).</summary>
internal static class RepoFile
{
    public static string Find(string relativePath)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relativePath} not found above {TestContext.CurrentContext.TestDirectory}");
    }
}
