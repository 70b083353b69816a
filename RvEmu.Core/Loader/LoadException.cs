namespace RvEmu.Core.Loader;

/// <summary>A user-facing problem with an input file: the message is one clear line, shown without a stack trace.</summary>
public sealed class LoadException(string message) : Exception(message);
