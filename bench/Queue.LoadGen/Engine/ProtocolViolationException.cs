using System.Text;

namespace Queue.LoadGen.Engine;

/// <summary>The server sent something the protocol does not allow at this point.</summary>
internal sealed class ProtocolViolationException(string message) : Exception(message)
{
    /// <summary>Printable excerpt of raw bytes for the error message.</summary>
    public static string Excerpt(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> head = bytes.Length > 80 ? bytes[..80] : bytes;
        var text = new StringBuilder(head.Length + 8);
        foreach (byte b in head)
        {
            _ = b switch
            {
                (byte)'\r' => text.Append("\\r"),
                (byte)'\n' => text.Append("\\n"),
                >= 32 and < 127 => text.Append((char)b),
                _ => text.Append('.'),
            };
        }

        return bytes.Length > head.Length ? text.Append("...").ToString() : text.ToString();
    }
}
