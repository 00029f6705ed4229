using System.Globalization;
using System.Text;
using Queue.Storage;

namespace Queue.Server.Tests.Protocol;

/// <summary>
/// Compact, comparable text for parser and reader outputs, e.g.
/// <c>Put Pending Counted id=1 ttr=10 body=abc\r\n</c>. Zero and null fields are left out.
/// </summary>
internal static class SlotText
{
    public static string Describe(in EngineCommand c)
    {
        var sb = new StringBuilder().Append(c.Op).Append(' ').Append(c.Status);
        if (c.Flags != CommandFlags.None) sb.Append(' ').Append(c.Flags);
        Field(sb, "id", c.Id);
        Field(sb, "pri", c.Priority);
        Field(sb, "delay", c.Delay);
        Field(sb, "ttr", c.Ttr);
        if (c.Number != 0) sb.Append(" n=").Append(c.Number.ToString(CultureInfo.InvariantCulture));
        if (c.Tube is not null) sb.Append(" tube=").Append(c.Tube);
        if (c.Body is not null) sb.Append(" body=").Append(Escape(c.Body));
        return sb.ToString();
    }

    public static string Describe(in Queue.Server.Protocol.ParsedCommand p)
    {
        var sb = new StringBuilder().Append(p.Op).Append(' ').Append(p.Status);
        if (p.Quit) sb.Append(" quit");
        Field(sb, "id", p.Id);
        Field(sb, "pri", p.Priority);
        Field(sb, "delay", p.Delay);
        Field(sb, "ttr", p.Ttr);
        Field(sb, "bytes", p.Bytes);
        if (p.Number != 0) sb.Append(" n=").Append(p.Number.ToString(CultureInfo.InvariantCulture));
        if (p.Tube is not null) sb.Append(" tube=").Append(p.Tube);
        return sb.ToString();
    }

    /// <summary>Bytes as text with \r, \n, \0 and other non-printables escaped.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case 0: sb.Append("\\0"); break;
                case < 0x20 or >= 0x7f: sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append((char)b); break;
            }
        }
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, string name, ulong value)
    {
        if (value != 0) sb.Append(' ').Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));
    }
}
