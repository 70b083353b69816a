namespace RvEmu.Core.Cpu;

/// <summary>Privilege levels (privileged spec 1.2, table 1.1).</summary>
public enum PrivilegeMode : byte
{
    User = 0,
    Supervisor = 1,
    Machine = 3,
}

/// <summary>Synchronous exception causes (privileged spec 3.1.15, table 3.6).</summary>
public enum ExceptionCause : byte
{
    InstructionAddressMisaligned = 0,
    InstructionAccessFault = 1,
    IllegalInstruction = 2,
    Breakpoint = 3,
    LoadAddressMisaligned = 4,
    LoadAccessFault = 5,
    StoreAddressMisaligned = 6,
    StoreAccessFault = 7,
    EcallFromU = 8,
    EcallFromS = 9,
    EcallFromM = 11,
    InstructionPageFault = 12,
    LoadPageFault = 13,
    StorePageFault = 15,
}

/// <summary>Interrupt numbers: bit positions in mip/mie (privileged spec 3.1.9).</summary>
public static class Interrupt
{
    public const int SupervisorSoftware = 1;
    public const int MachineSoftware = 3;
    public const int SupervisorTimer = 5;
    public const int MachineTimer = 7;
    public const int SupervisorExternal = 9;
    public const int MachineExternal = 11;

    /// <summary>Priority order for simultaneous interrupts (privileged spec 3.1.9): MEI, MSI, MTI, SEI, SSI, STI.</summary>
    public static readonly int[] Priority = { MachineExternal, MachineSoftware, MachineTimer, SupervisorExternal, SupervisorSoftware, SupervisorTimer };

    public static string Name(int irq) => irq switch
    {
        SupervisorSoftware => "supervisor software",
        MachineSoftware => "machine software",
        SupervisorTimer => "supervisor timer",
        MachineTimer => "machine timer",
        SupervisorExternal => "supervisor external",
        MachineExternal => "machine external",
        _ => $"interrupt {irq}",
    };
}

/// <summary>The kind of memory access, for translation, PMP and fault causes.</summary>
public enum AccessType : byte
{
    Fetch,
    Load,
    Store,
}
