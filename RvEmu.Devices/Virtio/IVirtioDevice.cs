namespace RvEmu.Devices.Virtio;

/// <summary>
/// A virtio device type (block, console, ...) behind a transport. The device only handles its
/// requests and its configuration space; feature negotiation, the status handshake, queue set-up,
/// interrupts and ring validation belong to <see cref="VirtioMmioTransport"/> and
/// <see cref="SplitVirtqueue"/>. Everything runs on the emulation thread.
/// </summary>
public interface IVirtioDevice
{
    /// <summary>Short name for logs ("virtio-blk").</summary>
    string Name { get; }

    /// <summary>Virtio device id (§5), e.g. 2 for a block device.</summary>
    uint DeviceId { get; }

    /// <summary>
    /// Device-type feature bits offered to the driver. The transport adds the reserved bits it
    /// implements itself (INDIRECT_DESC, EVENT_IDX, and VERSION_1 in modern mode).
    /// </summary>
    ulong Features { get; }

    /// <summary>Number of virtqueues.</summary>
    int QueueCount { get; }

    /// <summary>QueueNumMax: the largest queue size the device accepts (a power of 2, at most 32768).</summary>
    ushort MaxQueueSize { get; }

    /// <summary>Size in bytes of the device-specific configuration space.</summary>
    int ConfigSize { get; }

    /// <summary>Read configuration bytes; the transport guarantees the range lies within <see cref="ConfigSize"/>.</summary>
    void ReadConfig(int offset, Span<byte> destination);

    /// <summary>Write configuration bytes (the range lies within <see cref="ConfigSize"/>); read-only fields ignore writes.</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> source);

    /// <summary>
    /// Device reset (status 0, legacy QueuePFN 0, or a machine reset): end every request in progress without
    /// completing it to the driver (the rings are gone), as <see cref="StopQueue"/> does for each queue.
    /// </summary>
    void Reset();

    /// <summary>
    /// Queue <paramref name="queueIndex"/> stops being used (disabled or moved): end its request in progress
    /// without posting it. A device finishes the host side of a request it has started when stopping half-way
    /// would leave the host in a worse state (a torn write), and otherwise cancels it.
    /// </summary>
    void StopQueue(int queueIndex);

    /// <summary>
    /// Consume available buffers of queue <paramref name="queueIndex"/> and push used ones. A device
    /// may stop after a bounded amount of work so that the hart is not stalled, and return true: the
    /// transport calls again from its poll. Return false when the queue is empty. A guest that breaks
    /// the ring or request rules is reported with <see cref="SplitVirtqueue.Fail"/>, never by throwing.
    /// </summary>
    bool ProcessQueue(int queueIndex, SplitVirtqueue queue);
}
