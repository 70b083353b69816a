using System.CommandLine;
using RvEmu.Cli;

// rvemu: run a RISC-V guest on an emulated QEMU virt board, or benchmark the interpreter.
RvEmu.Core.Cpu.Hart.PrepareInterpreter();
var root = new RootCommand("RvEmu: a full-system RV64GC emulator of QEMU's virt board.")
{
    RunCommand.Create(),
    BenchCommand.Create(),
};
return Cli.Invoke(root, args);
