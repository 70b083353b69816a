using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using RvEmu.Core.Loader;
using RvEmu.Devices.Machine;

namespace RvEmu.Cli;

/// <summary>Shared plumbing: parse, report user errors as one line with exit code 2, never a stack trace.</summary>
internal static class Cli
{
    public const int UsageError = 2;
    public const int InternalError = 3;

    /// <summary>--jit on|off, defaulting to on unless RVEMU_JIT=off (MachineOptions.DefaultJit).</summary>
    public static Option<string> JitOption(string description) => new("--jit")
    {
        Description = description, HelpName = "on|off", DefaultValueFactory = _ => MachineOptions.DefaultJit ? "on" : "off",
    };

    /// <summary>The value of --jit as a bool; anything but on or off is a usage error.</summary>
    public static bool IsOn(string value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new UsageException($"--jit: '{value}' is not on or off"),
    };

    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"rvemu: {Describe(parse)}");
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

    /// <summary>
    /// The one line for a parse failure. System.CommandLine lists "Required command was not provided"
    /// before the unknown word that caused it ('rvemu frob'), so name the unknown word first.
    /// </summary>
    private static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string help = command is RootCommand ? "rvemu --help" : $"rvemu {command.Name} --help";
        if (parse.UnmatchedTokens.Count > 0) return $"unrecognized command, option or argument '{parse.UnmatchedTokens[0]}' (see '{help}')";
        if (command is RootCommand && command.Subcommands.Count > 0)
            return $"no command given: use one of {string.Join(", ", command.Subcommands.Select(c => c.Name))} (see '{help}')";
        return parse.Errors[0].Message;
    }

    /// <summary>
    /// A custom parser for a numeric option, so a bad value reads "--timeout: 'abc' is not a number of
    /// seconds" instead of System.CommandLine's message naming the .NET type.
    /// </summary>
    public static Func<ArgumentResult, T?> Number<T>(string optionName, string expected) where T : struct, INumber<T> => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        var style = typeof(T) == typeof(double) ? NumberStyles.Float : NumberStyles.None;
        if (T.TryParse(text, style, CultureInfo.InvariantCulture, out T value)) return value;
        result.AddError($"{optionName}: '{text}' is not {expected}");
        return null;
    };

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
