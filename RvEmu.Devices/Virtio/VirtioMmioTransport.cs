using System.Buffers.Binary;
using RvEmu.Core.Bus;

namespace RvEmu.Devices.Virtio;

/// <summary>
/// One virtio-mmio slot (virtio 1.2 §4.2): the control registers, the status handshake, feature
/// negotiation, queue set-up in either register layout (legacy Version 1 with GuestPageSize,
/// QueuePFN and QueueAlign, §4.2.4; or modern Version 2 with QueueReady and 64-bit area
/// addresses, §4.2.2), the interrupt line, and a device behind it. Without a device the slot is
/// a placeholder: it answers MagicValue, Version and VendorID, DeviceID 0, and ignores writes.
/// Requests run synchronously on QueueNotify; a device that stops after a bounded amount of work
/// is resumed from <see cref="Poll"/>.
/// </summary>
public sealed class VirtioMmioTransport : IMmioDevice, IPolledDevice
{
    /// <summary>Legacy GuestPageSize and QueueAlign after reset: the 4 KiB page every known legacy driver writes anyway.</summary>
    public const uint DefaultPageSize = 4096;

    /// <summary>
    /// Bytes of the slot that answer: control registers and the configuration space up to 0x200, as QEMU
    /// 7.2's virtio-mmio region (its device tree also says 0x1000). Accesses from here to the end of the
    /// 4 KiB slot fault, as on QEMU.
    /// </summary>
    public const ulong WindowSize = 0x200;

    private sealed class QueueState(SplitVirtqueue ring)
    {
        public readonly SplitVirtqueue Ring = ring;
        public ushort Num;
        public bool Ready;
        public ulong Desc, Driver, Device;
        public uint Align = DefaultPageSize, Pfn;
        public bool Pending;
    }

    private readonly IIrqLine _irq;
    private readonly IVirtioDevice? _device;
    private readonly Action<string>? _warn;
    private readonly QueueState[] _queues;
    private readonly ulong _offered;
    private byte _status;
    private uint _deviceFeaturesSel, _driverFeaturesSel, _queueSel, _interruptStatus;
    private ulong _driverFeatures;
    private uint _guestPageSize = DefaultPageSize;
    private bool _irqLevel;
    private string? _brokenReason;

    /// <param name="memory">Guest RAM as a DMA master sees it.</param>
    /// <param name="irq">The slot's PLIC source (1 + slot on the virt board).</param>
    /// <param name="device">The device behind the slot, or null for an empty slot.</param>
    /// <param name="legacy">Legacy register layout (Version 1, QEMU's default) instead of the modern one (Version 2).</param>
    /// <param name="warn">Receives one line per guest error that breaks the device.</param>
    /// <param name="name">Name for traces and warnings.</param>
    public VirtioMmioTransport(IGuestMemory memory, IIrqLine irq, IVirtioDevice? device, bool legacy = true,
        Action<string>? warn = null, string name = "virtio-mmio")
    {
        _irq = irq;
        _device = device;
        _warn = warn;
        Name = name;
        Legacy = legacy;
        int count = device?.QueueCount ?? 0;
        _queues = new QueueState[count];
        for (int i = 0; i < count; i++) _queues[i] = new QueueState(new SplitVirtqueue(memory));
        if (device is not null)
        {
            // The transport implements indirect descriptors and event indices itself (SplitVirtqueue);
            // VERSION_1 marks a modern device (§6) and must not be offered by a legacy one.
            _offered = device.Features | VirtioConstants.FeatureIndirectDesc | VirtioConstants.FeatureEventIdx;
            if (!legacy) _offered |= VirtioConstants.FeatureVersion1;
        }
        Reset();
    }

    public string Name { get; }

    /// <summary>True for the legacy register layout (Version 1).</summary>
    public bool Legacy { get; }

    /// <summary>The device behind the slot; null for an empty slot.</summary>
    public IVirtioDevice? Device => _device;

    /// <summary>Feature bits the device offers in DeviceFeatures.</summary>
    public ulong OfferedFeatures => _offered;

    /// <summary>Feature bits in effect: those the driver wrote that the device offers.</summary>
    public ulong NegotiatedFeatures => _driverFeatures & _offered;

    /// <summary>Receives virtio trace events (notifications, interrupts); null when not tracing.</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>The device status register.</summary>
    public VirtioStatus Status => (VirtioStatus)_status;

    /// <summary>Why the device is waiting for a reset after a guest error; null when it works.</summary>
    public string? BrokenReason => _brokenReason;

    /// <summary>
    /// Device reset (status 0, or a machine reset): every register and queue back to its initial state. The
    /// device first finishes or cancels the request in progress (<see cref="IVirtioDevice.Reset"/>), so nothing
    /// of it outlives the queues.
    /// </summary>
    public void Reset()
    {
        _device?.Reset();
        _status = 0;
        _deviceFeaturesSel = _driverFeaturesSel = _queueSel = 0;
        _driverFeatures = 0;
        _guestPageSize = DefaultPageSize;
        foreach (var q in _queues)
        {
            q.Num = _device!.MaxQueueSize;
            q.Ready = false;
            q.Desc = q.Driver = q.Device = 0;
            q.Align = DefaultPageSize;
            q.Pfn = 0;
            q.Pending = false;
            q.Ring.Reset();
        }
        // §4.2.2: reset clears InterruptStatus and the queues' ready bits.
        _interruptStatus = 0;
        UpdateIrq();
        _brokenReason = null;
    }

    // Access widths (README "Register access widths"). §4.2.2 says the driver MUST use 32-bit aligned accesses
    // on the control registers and field-sized ones in the configuration space, and leaves the device's answer
    // to anything else open, so we do what QEMU 7.2 does: an 8-byte access to the control registers is two
    // 4-byte ones (low word first, as QEMU's memory core splits it), 1- and 2-byte ones read 0 and are
    // ignored (an empty slot answers MagicValue, Version and VendorID at any width, as QEMU's); past the configuration space reads all ones; past the 0x200-byte window faults.
    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        if (offset >= WindowSize || (ulong)size > WindowSize - offset) return false;
        if (offset >= (ulong)VirtioMmioRegister.Config)
        {
            value = ReadConfig(offset - (ulong)VirtioMmioRegister.Config, size);
            return true;
        }
        if (size == 8)
            value = ReadRegister((VirtioMmioRegister)offset) | (ulong)ReadRegister((VirtioMmioRegister)(offset + 4)) << 32;
        else if (size == 4)
            value = ReadRegister((VirtioMmioRegister)offset);
        else if (_device is null)
            value = ReadRegister((VirtioMmioRegister)offset) & ((1UL << (8 * size)) - 1); // QEMU answers an empty slot's identity at any width
        return true;
    }

    private uint ReadRegister(VirtioMmioRegister reg)
    {
        switch (reg)
        {
            case VirtioMmioRegister.MagicValue: return VirtioConstants.Magic;
            case VirtioMmioRegister.Version: return Legacy ? VirtioConstants.VersionLegacy : VirtioConstants.VersionModern;
            case VirtioMmioRegister.VendorId: return VirtioConstants.VendorQemu;
            case VirtioMmioRegister.DeviceId: return _device?.DeviceId ?? 0;
        }
        if (_device is null) return 0; // an empty slot reads as zero elsewhere (QEMU hw/virtio/virtio-mmio.c)
        var q = SelectedQueue;
        switch (reg)
        {
            case VirtioMmioRegister.DeviceFeatures:
                return _deviceFeaturesSel < 2 ? (uint)(_offered >> (int)(32 * _deviceFeaturesSel)) : 0;
            case VirtioMmioRegister.QueueNumMax: return q is null ? 0u : _device.MaxQueueSize;
            case VirtioMmioRegister.InterruptStatus: return _interruptStatus;
            case VirtioMmioRegister.Status: return _status;
        }
        if (Legacy)
            return reg == VirtioMmioRegister.QueuePfn && q is not null ? q.Pfn : 0;
        switch (reg)
        {
            case VirtioMmioRegister.QueueReady: return q is not null && q.Ready ? 1u : 0u;
            // No shared memory regions: §4.2.2 says a missing region reads as length and base -1.
            case VirtioMmioRegister.ShmLenLow or VirtioMmioRegister.ShmLenHigh or VirtioMmioRegister.ShmBaseLow or VirtioMmioRegister.ShmBaseHigh:
                return uint.MaxValue;
            // The configuration space never changes while the device runs, so one generation suffices.
            case VirtioMmioRegister.ConfigGeneration: return 0;
            default: return 0; // write-only and unknown registers
        }
    }

    private ulong ReadConfig(ulong offset, int size)
    {
        if (_device is null) return 0;
        if (offset >= (ulong)_device.ConfigSize || (ulong)size > (ulong)_device.ConfigSize - offset)
            return size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1; // beyond the config space: all ones, as QEMU
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        _device.ReadConfig((int)offset, b[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(b); // little endian in both layouts on RISC-V (§2.7.3, §4.2.2)
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        if (offset >= WindowSize || (ulong)size > WindowSize - offset) return false;
        if (_device is null) return true; // empty slot: writes ignored
        if (offset >= (ulong)VirtioMmioRegister.Config)
        {
            ulong off = offset - (ulong)VirtioMmioRegister.Config;
            if (off < (ulong)_device.ConfigSize && (ulong)size <= (ulong)_device.ConfigSize - off)
            {
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(b, value);
                _device.WriteConfig((int)off, b[..size]);
            }
            return true;
        }
        if (size == 4 || size == 8) WriteRegister((VirtioMmioRegister)offset, (uint)value);
        if (size == 8) WriteRegister((VirtioMmioRegister)(offset + 4), (uint)(value >> 32));
        return true;
    }

    private void WriteRegister(VirtioMmioRegister reg, uint value)
    {
        var q = SelectedQueue;
        switch (reg)
        {
            case VirtioMmioRegister.DeviceFeaturesSel: _deviceFeaturesSel = value; return;
            case VirtioMmioRegister.DriverFeaturesSel: _driverFeaturesSel = value; return;
            case VirtioMmioRegister.DriverFeatures: WriteDriverFeatures(value); return;
            case VirtioMmioRegister.QueueSel: _queueSel = value; return;
            case VirtioMmioRegister.QueueNum: WriteQueueNum(q, value); return;
            case VirtioMmioRegister.QueueNotify: Notify(value); return;
            case VirtioMmioRegister.InterruptAck:
                _interruptStatus &= ~value;
                UpdateIrq();
                return;
            case VirtioMmioRegister.Status: WriteStatus((byte)value); return;
        }
        if (Legacy)
        {
            switch (reg)
            {
                case VirtioMmioRegister.GuestPageSize:
                    if (!IsPowerOfTwo(value)) Break($"GuestPageSize {value} is not a power of 2");
                    else _guestPageSize = value;
                    return;
                case VirtioMmioRegister.QueueAlign:
                    if (q is null || q.Ready) return;
                    if (!IsPowerOfTwo(value)) Break($"QueueAlign {value} is not a power of 2");
                    else q.Align = value;
                    return;
                case VirtioMmioRegister.QueuePfn: WriteQueuePfn(q, value); return;
            }
            return;
        }
        // Modern layout. §4.2.2: the driver must not touch a queue's size or addresses while it is ready; such writes are ignored.
        if (q is null) return;
        switch (reg)
        {
            case VirtioMmioRegister.QueueReady:
                if ((value & 1) == 0) Deactivate(q);
                else if (!q.Ready) Activate(q, q.Desc, q.Driver, q.Device);
                return;
            case VirtioMmioRegister.QueueDescLow when !q.Ready: q.Desc = SetLow(q.Desc, value); return;
            case VirtioMmioRegister.QueueDescHigh when !q.Ready: q.Desc = SetHigh(q.Desc, value); return;
            case VirtioMmioRegister.QueueDriverLow when !q.Ready: q.Driver = SetLow(q.Driver, value); return;
            case VirtioMmioRegister.QueueDriverHigh when !q.Ready: q.Driver = SetHigh(q.Driver, value); return;
            case VirtioMmioRegister.QueueDeviceLow when !q.Ready: q.Device = SetLow(q.Device, value); return;
            case VirtioMmioRegister.QueueDeviceHigh when !q.Ready: q.Device = SetHigh(q.Device, value); return;
        }
    }

    private QueueState? SelectedQueue => _queueSel < (uint)_queues.Length ? _queues[_queueSel] : null;

    private void WriteDriverFeatures(uint value)
    {
        // §2.2.2 / §3.1.1: features are fixed once FEATURES_OK is set.
        if ((_status & (byte)VirtioStatus.FeaturesOk) != 0 || _driverFeaturesSel > 1) return;
        int shift = (int)(32 * _driverFeaturesSel);
        _driverFeatures = (_driverFeatures & ~(0xffff_ffffUL << shift)) | ((ulong)value << shift);
    }

    private void WriteQueueNum(QueueState? q, uint value)
    {
        if (q is not null && q.Ready) return;
        ushort max = q is null ? (ushort)0 : _device!.MaxQueueSize;
        // §4.2.2: QueueNum must not exceed QueueNumMax; §2.7: a split queue's size is a power of 2.
        if (value > max) Break($"QueueNum {value} is larger than QueueNumMax {max}");
        else if (!IsPowerOfTwo(value)) Break($"QueueNum {value} is not a power of 2");
        else q!.Num = (ushort)value;
    }

    private void WriteQueuePfn(QueueState? q, uint pfn)
    {
        if (q is null) return;
        if (pfn == 0)
        {
            // §4.2.4: writing 0 tells the device the queue is no longer used. QEMU 7.2 resets the whole device
            // there (virtio_reset), and so do we: the request in progress ends with its queue. The page size
            // is the transport's, not the device's, and survives (as QEMU's guest_page_shift).
            uint pageSize = _guestPageSize;
            Reset();
            _guestPageSize = pageSize;
            return;
        }
        // Moving a live queue: the request in progress belongs to the old ring and ends first.
        Deactivate(q);
        // §2.7.2 legacy layout: descriptors at the page, the available ring right after them,
        // the used ring at the next QueueAlign boundary after the available ring (with used_event).
        ulong desc = (ulong)pfn * _guestPageSize;
        ulong avail = desc + SplitVirtqueue.DescriptorTableBytes(q.Num);
        ulong used = AlignUp(avail + SplitVirtqueue.AvailRingBytes(q.Num), q.Align);
        q.Ring.Reset();
        if (Activate(q, desc, avail, used)) q.Pfn = pfn;
    }

    /// <summary>
    /// The queue stops being used (modern QueueReady = 0, legacy QueuePFN moved): the device finishes or
    /// cancels its request in progress there (<see cref="IVirtioDevice.StopQueue"/>), so a later notify can
    /// never resume it against a ring the driver has reused. Nothing is posted to the old ring.
    /// </summary>
    private void Deactivate(QueueState q)
    {
        _device!.StopQueue(Array.IndexOf(_queues, q));
        q.Ready = false;
        q.Pending = false;
    }

    private bool Activate(QueueState q, ulong desc, ulong driver, ulong device)
    {
        q.Ring.Configure(q.Num, desc, driver, device);
        if (q.Ring.CheckLayout() is { } error)
        {
            Break(error);
            return false;
        }
        q.Ready = true;
        return true;
    }

    private void WriteStatus(byte value)
    {
        // §4.2.2: writing zero resets the device.
        if (value == 0)
        {
            Reset();
            return;
        }
        byte old = _status;
        byte status = (byte)(value & ~(byte)VirtioStatus.DeviceNeedsReset);
        if (_brokenReason is not null) status |= (byte)VirtioStatus.DeviceNeedsReset;
        // §3.1.1 step 5-6: the device leaves FEATURES_OK clear when it cannot accept the driver's subset.
        bool setsFeaturesOk = (status & (byte)VirtioStatus.FeaturesOk) != 0 && (old & (byte)VirtioStatus.FeaturesOk) == 0;
        if (setsFeaturesOk && !FeaturesAcceptable()) status &= unchecked((byte)~(byte)VirtioStatus.FeaturesOk);
        _status = status;
        // §2.1.2: no buffers are consumed before DRIVER_OK; buffers made available earlier are taken now.
        bool setsDriverOk = (status & (byte)VirtioStatus.DriverOk) != 0 && (old & (byte)VirtioStatus.DriverOk) == 0;
        if (setsDriverOk)
            for (int i = 0; i < _queues.Length; i++) RunQueue(i);
    }

    /// <summary>
    /// The driver accepted only features we offer. VERSION_1 is not required of a modern driver: §6.1 says a
    /// device "MAY fail to operate further if VIRTIO_F_VERSION_1 is not accepted", so accepting is allowed,
    /// and QEMU 7.2 accepts (teaching kernels such as xv6 read and write only the low 32 feature bits of a
    /// modern device and panic when FEATURES_OK does not stick). On RISC-V, little endian either way, such a
    /// driver sees the same registers and rings.
    /// </summary>
    private bool FeaturesAcceptable() => (_driverFeatures & ~_offered) == 0;

    private void Notify(uint queueIndex)
    {
        Trace?.Invoke($"{Name}: notify queue {queueIndex}");
        if (queueIndex < (uint)_queues.Length) RunQueue((int)queueIndex);
    }

    private void RunQueue(int index)
    {
        var q = _queues[index];
        q.Pending = false;
        if (_brokenReason is not null || !q.Ready || (_status & (byte)VirtioStatus.DriverOk) == 0) return;
        var ring = q.Ring;
        ulong features = NegotiatedFeatures;
        ring.IndirectDescriptors = (features & VirtioConstants.FeatureIndirectDesc) != 0;
        ring.EventIdx = (features & VirtioConstants.FeatureEventIdx) != 0;
        bool more = _device!.ProcessQueue(index, ring);
        ring.PublishAvailEvent();
        if (ring.TakeNotification())
        {
            _interruptStatus |= VirtioConstants.InterruptUsedBuffer;
            UpdateIrq();
        }
        if (ring.Error is { } error)
        {
            Break($"queue {index}: {error}");
            return;
        }
        q.Pending = more;
    }

    /// <summary>
    /// The guest broke a rule: like QEMU's virtio_error, set DEVICE_NEEDS_RESET, raise a
    /// configuration change notification (§2.1.2) and stop processing until the driver resets the
    /// device. One warning per broken state.
    /// </summary>
    private void Break(string reason)
    {
        if (_brokenReason is not null) return;
        _brokenReason = reason;
        _warn?.Invoke($"{Name}: guest error: {reason}; the device stops until the driver resets it");
        _status |= (byte)VirtioStatus.DeviceNeedsReset;
        foreach (var q in _queues) q.Pending = false;
        _interruptStatus |= VirtioConstants.InterruptConfigChange;
        UpdateIrq();
    }

    private void UpdateIrq()
    {
        // §4.2.3.3: the line is asserted while any InterruptStatus bit is set.
        bool level = _interruptStatus != 0;
        if (level == _irqLevel) return;
        _irqLevel = level;
        if (level) Trace?.Invoke($"{Name}: interrupt raised (InterruptStatus 0x{_interruptStatus:x})");
        _irq.Set(level);
    }

    /// <summary>Resume requests a device left unfinished to keep the hart responsive.</summary>
    public void Poll()
    {
        for (int i = 0; i < _queues.Length; i++)
            if (_queues[i].Pending) RunQueue(i);
    }

    /// <summary>0 (poll at once) while a request is unfinished, else never.</summary>
    public ulong NextDeadline
    {
        get
        {
            foreach (var q in _queues)
                if (q.Pending) return 0;
            return ulong.MaxValue;
        }
    }

    public string? RegisterName(ulong offset)
    {
        if (offset >= (ulong)VirtioMmioRegister.Config) return $"Config+0x{offset - (ulong)VirtioMmioRegister.Config:x}";
        var reg = (VirtioMmioRegister)offset;
        return Enum.IsDefined(reg) ? reg.ToString() : null;
    }

    private static bool IsPowerOfTwo(uint v) => v != 0 && (v & (v - 1)) == 0;
    private static ulong AlignUp(ulong v, ulong align) => (v + align - 1) & ~(align - 1);
    private static ulong SetLow(ulong v, uint low) => (v & 0xffff_ffff_0000_0000UL) | low;
    private static ulong SetHigh(ulong v, uint high) => (v & 0xffff_ffffUL) | ((ulong)high << 32);
}
