namespace RvEmu.Tests.Support;

/// <summary>The seeds a randomized test runs: CI's fixed set, or the ones an environment variable names for a long run.</summary>
internal static class SeedList
{
    /// <summary>
    /// Seeds 1 to <paramref name="ciCount"/>, or those in <paramref name="variable"/>: ranges and single seeds
    /// separated by commas ("1-2000", "17", "5-9,42").
    /// </summary>
    public static IEnumerable<int> FromEnvironment(string variable, int ciCount)
    {
        string? env = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(env)) return Enumerable.Range(1, ciCount);
        var seeds = new List<int>();
        foreach (string part in env.Split(','))
        {
            var range = part.Split('-');
            int lo = int.Parse(range[0]), hi = range.Length > 1 ? int.Parse(range[1]) : lo;
            seeds.AddRange(Enumerable.Range(lo, hi - lo + 1));
        }
        return seeds;
    }
}
