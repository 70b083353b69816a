using RvEmu.Core.Bus;

namespace RvEmu.Tests.Devices;

/// <summary>Records the level a device drives on an interrupt line, and how often it rose.</summary>
internal sealed class FakeIrqLine : IIrqLine
{
    public bool Level { get; private set; }
    public int RisingEdges { get; private set; }

    public void Set(bool level)
    {
        if (level && !Level) RisingEdges++;
        Level = level;
    }
}
