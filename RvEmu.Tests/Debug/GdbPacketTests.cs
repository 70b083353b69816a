using System.Text;
using RvEmu.Core.Debug;

namespace RvEmu.Tests.Debug;

/// <summary>The remote protocol's framing: checksums, escapes, run-length encoding, and every malformed case.</summary>
[TestFixture]
public sealed class GdbPacketTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Test]
    public void APacket_IsUnframed_AndItsLengthConsumed()
    {
        var r = GdbPacket.Next(B("$g#67+"), out int consumed, out byte[] payload);
        Assert.That((r, consumed, Encoding.Latin1.GetString(payload)), Is.EqualTo((GdbPacket.Result.Packet, 5, "g")));
    }

    [Test]
    public void ABadChecksum_IsReported_AndSkipped()
    {
        var r = GdbPacket.Next(B("$g#00"), out int consumed, out _);
        Assert.That((r, consumed), Is.EqualTo((GdbPacket.Result.BadChecksum, 5)));
        Assert.That(GdbPacket.Next(B("$g#zz"), out _, out _), Is.EqualTo(GdbPacket.Result.BadChecksum), "not hex");
    }

    [Test]
    public void HalfAPacket_IsIncomplete()
    {
        Assert.That(GdbPacket.Next(B("$qSupported:xml"), out _, out _), Is.EqualTo(GdbPacket.Result.Incomplete));
        Assert.That(GdbPacket.Next(B("$g#6"), out _, out _), Is.EqualTo(GdbPacket.Result.Incomplete));
        Assert.That(GdbPacket.Next(ReadOnlySpan<byte>.Empty, out _, out _), Is.EqualTo(GdbPacket.Result.Incomplete));
    }

    [Test]
    public void CtrlC_Acks_AndNoise_AreTheirOwnItems()
    {
        Assert.That(GdbPacket.Next(new byte[] { 3, (byte)'$' }, out int c1, out _), Is.EqualTo(GdbPacket.Result.Interrupt));
        Assert.That(c1, Is.EqualTo(1));
        Assert.That(GdbPacket.Next(B("+"), out _, out _), Is.EqualTo(GdbPacket.Result.Ack));
        Assert.That(GdbPacket.Next(B("-"), out _, out _), Is.EqualTo(GdbPacket.Result.Nack));
        Assert.That(GdbPacket.Next(B("garbage$g#67"), out int c2, out _), Is.EqualTo(GdbPacket.Result.Noise));
        Assert.That(c2, Is.EqualTo(7), "noise up to the next '$'");
    }

    [Test]
    public void AnOversizedPacket_IsRefused_WithoutWaitingForever()
    {
        var huge = B("$" + new string('a', GdbPacket.MaxPayload * 2 + 10));
        Assert.That(GdbPacket.Next(huge, out int consumed, out _), Is.EqualTo(GdbPacket.Result.TooLong));
        Assert.That(consumed, Is.EqualTo(huge.Length));
        string body = new string('b', GdbPacket.MaxPayload + 1);
        byte sum = 0;
        foreach (char ch in body) sum += (byte)ch;
        Assert.That(GdbPacket.Next(B($"${body}#{sum:x2}"), out _, out _), Is.EqualTo(GdbPacket.Result.TooLong));
    }

    [Test]
    public void EscapedBytes_AreUnescaped()
    {
        // X packet data: '}' followed by the byte XOR 0x20 stands for '#', '$', '}' or '*'.
        string body = "X0,2:}\x03}]";
        byte sum = 0;
        foreach (char ch in body) sum += (byte)ch;
        Assert.That(GdbPacket.Next(B($"${body}#{sum:x2}"), out _, out byte[] payload), Is.EqualTo(GdbPacket.Result.Packet));
        Assert.That(payload[^2..], Is.EqualTo(new byte[] { (byte)'#', (byte)'}' }));
    }

    [TestCase("OK")]
    [TestCase("0000000000000000000000000000000000000000")]
    [TestCase("a#b$c}d")]
    [TestCase("T05thread:1;")]
    [TestCase("aaaaaaa")] // seven: a run whose natural count character would be '$' or '#'
    [TestCase("bbbbbbbb")]
    public void Frame_RoundTripsThroughWhatGdbDecodes(string payload)
    {
        byte[] framed = GdbPacket.Frame(payload);
        Assert.That(GdbPacket.Next(framed, out int consumed, out byte[] body), Is.EqualTo(GdbPacket.Result.Packet));
        Assert.That(consumed, Is.EqualTo(framed.Length));
        Assert.That(GdbPacket.ExpandRunLength(Encoding.Latin1.GetString(body)), Is.EqualTo(payload));
        Assert.That(Encoding.Latin1.GetString(framed[1..^3]).Contains('#') || Encoding.Latin1.GetString(framed[1..^3]).Contains('$'), Is.False);
    }

    [Test]
    public void LongRuns_AreRunLengthEncoded()
    {
        string framed = Encoding.Latin1.GetString(GdbPacket.Frame(new string('0', 32)));
        Assert.That(framed.Length, Is.LessThan(16), framed);
    }

    [Test]
    public void RegisterValues_AreLittleEndianHex()
    {
        Assert.That(GdbPacket.HexLe(0x8000_0000), Is.EqualTo("0000008000000000"));
        Assert.That(GdbPacket.HexLe(0x1234, 4), Is.EqualTo("34120000"));
        Assert.That(GdbPacket.TryParseHexLe("3412000000000000", out ulong v) && v == 0x1234, Is.True);
        Assert.That(GdbPacket.TryParseHexLe("123", out _), Is.False);
        Assert.That(GdbPacket.TryParseHexLe("zz", out _), Is.False);
    }
}
