namespace RvEmu.Devices.Machine;

/// <summary>One virtio-blk drive: <c>--drive file=disk.img,readonly=on,snapshot=on,slot=N,virtio=legacy|modern</c>.</summary>
public sealed record DriveOptions
{
    public required string Path { get; init; }
    public bool ReadOnly { get; init; }
    /// <summary>Guest writes go to memory and are dropped at exit; the image file is never modified (QEMU's snapshot=on).</summary>
    public bool Snapshot { get; init; }
    /// <summary>virtio-mmio slot 0..7, or null for QEMU's order (the first drive takes the highest free slot).</summary>
    public int? Slot { get; init; }
    /// <summary>Legacy (virtio-mmio Version 1, QEMU 7.2's default) or modern (Version 2) register layout.</summary>
    public bool Legacy { get; init; } = true;

    /// <summary>
    /// Parse a QEMU-like drive value: a bare path, or comma-separated key=value pairs in which a comma that
    /// belongs to a value is written twice (<c>file=a,,b.img</c> is the file <c>a,b.img</c>), as in QEMU's
    /// option syntax.
    /// </summary>
    /// <exception cref="FormatException">The value names an unknown key or a bad value; the message says which.</exception>
    public static DriveOptions Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("empty value (give PATH or file=PATH,...)");
        if (!text.Contains('=')) return new DriveOptions { Path = text };
        string? path = null;
        bool readOnly = false, snapshot = false, legacy = true;
        int? slot = null;
        foreach (var part in SplitOptions(text))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"'{part}' is not key=value (a comma inside a path is written ',,')");
            string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "file": path = value; break;
                case "readonly": readOnly = ParseBool(key, value); break;
                case "snapshot": snapshot = ParseBool(key, value); break;
                case "slot":
                    if (!int.TryParse(value, out int s) || s < 0 || s >= VirtMemoryMap.VirtioSlots)
                        throw new FormatException($"slot={value}: must be 0..{VirtMemoryMap.VirtioSlots - 1}");
                    slot = s;
                    break;
                case "virtio":
                    legacy = value switch
                    {
                        "legacy" => true,
                        "modern" => false,
                        _ => throw new FormatException($"virtio={value}: must be legacy or modern"),
                    };
                    break;
                default: throw new FormatException($"unknown key '{key}' (known: file, readonly, snapshot, slot, virtio; a comma inside a path is written ',,')");
            }
        }
        if (string.IsNullOrEmpty(path)) throw new FormatException("file=PATH is missing");
        return new DriveOptions { Path = path, ReadOnly = readOnly, Snapshot = snapshot, Slot = slot, Legacy = legacy };
    }

    /// <summary>Split at single commas; ",," stands for one comma inside a part (QEMU's QemuOpts escape).</summary>
    private static List<string> SplitOptions(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != ',') current.Append(text[i]);
            else if (i + 1 < text.Length && text[i + 1] == ',') { current.Append(','); i++; }
            else { parts.Add(current.ToString()); current.Clear(); }
        }
        parts.Add(current.ToString());
        return parts;
    }

    private static bool ParseBool(string key, string value) => value switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => throw new FormatException($"{key}={value}: must be on or off"),
    };

    /// <summary>Assign slots as QEMU does: explicit slots first, then each other drive takes the highest free slot.</summary>
    public static IReadOnlyList<(DriveOptions Drive, int Slot)> AssignSlots(IReadOnlyList<DriveOptions> drives)
    {
        if (drives.Count > VirtMemoryMap.VirtioSlots)
            throw new FormatException($"at most {VirtMemoryMap.VirtioSlots} drives (virtio-mmio slots) are supported, got {drives.Count}");
        var used = new bool[VirtMemoryMap.VirtioSlots];
        foreach (var d in drives)
        {
            if (d.Slot is not { } s) continue;
            if (used[s]) throw new FormatException($"two drives ask for slot {s}");
            used[s] = true;
        }
        var result = new List<(DriveOptions, int)>();
        foreach (var d in drives)
        {
            int slot = d.Slot ?? Array.LastIndexOf(used, false);
            used[slot] = true;
            result.Add((d, slot));
        }
        return result;
    }
}
