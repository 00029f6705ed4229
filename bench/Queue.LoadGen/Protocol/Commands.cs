using System.Globalization;
using System.Text;

namespace Queue.LoadGen.Protocol;

/// <summary>Fixed command bytes and the put template every scenario uses.</summary>
internal static class Commands
{
    /// <summary>Priority for generated jobs (the common client default).</summary>
    public const uint Priority = 1024;

    /// <summary>Long enough that no job reserved during a run can time out and be handed out twice.</summary>
    public const uint TimeToRunSec = 120;

    public static ReadOnlySpan<byte> ReserveWithTimeout1 => "reserve-with-timeout 1\r\n"u8;

    public static ReadOnlySpan<byte> ReserveWithTimeout0 => "reserve-with-timeout 0\r\n"u8;

    /// <summary><c>put &lt;pri&gt; 0 &lt;ttr&gt; &lt;bytes&gt;\r\n</c> for a fixed body size.</summary>
    public static byte[] PutHeader(int bodySize)
        => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"put {Priority} 0 {TimeToRunSec} {bodySize}\r\n"));

    /// <summary>A body of <paramref name="bodySize"/> printable bytes followed by the closing CRLF.</summary>
    public static byte[] BodyWithCrlf(int bodySize)
    {
        var body = new byte[bodySize + 2];
        for (int i = 0; i < bodySize; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }

        body[bodySize] = (byte)'\r';
        body[bodySize + 1] = (byte)'\n';
        return body;
    }
}
