using System.CommandLine;
using RvEmu.Core.Loader;

namespace RvEmu.Cli;

/// <summary>Shared plumbing: parse, report user errors as one line with exit code 2, never a stack trace.</summary>
internal static class Cli
{
    public const int UsageError = 2;
    public const int InternalError = 3;

    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"rvemu: {parse.Errors[0].Message}");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>Turn an exception from a command into one line on stderr and an exit code.</summary>
    public static int Report(Exception e)
    {
        switch (e)
        {
            case LoadException or UsageException:
                Console.Error.WriteLine($"rvemu: {e.Message}");
                return UsageError;
            default:
                Console.Error.WriteLine($"rvemu: internal error: {e.GetType().Name}: {e.Message}");
                if (Environment.GetEnvironmentVariable("RVEMU_DEBUG") is not null) Console.Error.WriteLine(e);
                return InternalError;
        }
    }
}

/// <summary>A bad command-line value; the message is the one line the user sees.</summary>
internal sealed class UsageException(string message) : Exception(message);
