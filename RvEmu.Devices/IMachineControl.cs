namespace RvEmu.Devices;

/// <summary>What devices may ask of the machine: power off with an exit code, or reset.</summary>
public interface IMachineControl
{
    /// <summary>Stop the machine; <paramref name="exitCode"/> becomes the process exit code.</summary>
    void RequestExit(int exitCode, string reason);

    /// <summary>Reset the machine (all harts back to the reset vector).</summary>
    void RequestReset();
}
