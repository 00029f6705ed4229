using System.Text;

namespace Queue.Server.Tests;

/// <summary>One step of a recorded conversation (see tests/golden/README.md for the format).</summary>
internal sealed record Step(string Kind, char Connection, byte[] Data, int Number, int Line);

/// <summary>A golden conversation file: server args and the steps, recv lines included.</summary>
internal sealed class Conversation
{
    public required string Name { get; init; }
    public string Args { get; init; } = "";
    public required IReadOnlyList<Step> Steps { get; init; }
    /// <summary>Reason this conversation is a documented deviation from 1.12, if any.</summary>
    public string? Deviation { get; init; }

    public static Conversation Load(string path)
    {
        var steps = new List<Step>();
        string args = "";
        string? deviation = null;
        int lineNo = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("args:", StringComparison.Ordinal))
            {
                args = line[5..].Trim();
                continue;
            }
            if (line.StartsWith("deviation:", StringComparison.Ordinal))
            {
                deviation = line[10..].Trim();
                continue;
            }
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var kind = parts[0];
            switch (kind)
            {
                case "connect" or "shutdown" or "close" or "eof":
                    steps.Add(new Step(kind, parts[1][0], [], 0, lineNo));
                    break;
                case "sleep":
                    steps.Add(new Step(kind, ' ', [], int.Parse(parts[1]), lineNo));
                    break;
                case "send" or "sendbytes" or "recv" or "ours":
                    steps.Add(new Step(kind, parts[1][0], ParseExpression(parts[2], path, lineNo), 0, lineNo));
                    break;
                default:
                    throw new FormatException($"{path}:{lineNo}: unknown step '{kind}'");
            }
        }
        return new Conversation { Name = Path.GetFileNameWithoutExtension(path), Args = args, Steps = steps, Deviation = deviation };
    }

    /// <summary>Parses `"..."` terms joined by `+`, each optionally repeated with `*N`.</summary>
    public static byte[] ParseExpression(string text, string file = "", int line = 0)
    {
        var bytes = new List<byte>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && text[i] is ' ' or '+') i++;
            if (i >= text.Length) break;
            if (text[i] != '"') throw new FormatException($"{file}:{line}: expected a string at column {i}");
            i++;
            var term = new List<byte>();
            while (text[i] != '"')
            {
                if (text[i] != '\\')
                {
                    term.Add((byte)text[i++]);
                    continue;
                }
                char e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case 'r': term.Add((byte)'\r'); break;
                    case 'n': term.Add((byte)'\n'); break;
                    case 't': term.Add((byte)'\t'); break;
                    case '0': term.Add(0); break;
                    case '\\': term.Add((byte)'\\'); break;
                    case '"': term.Add((byte)'"'); break;
                    case 'x':
                        term.Add(Convert.ToByte(text.Substring(i, 2), 16));
                        i += 2;
                        break;
                    default: throw new FormatException($"{file}:{line}: bad escape \\{e}");
                }
            }
            i++;
            int repeat = 1;
            while (i < text.Length && text[i] == ' ') i++;
            if (i < text.Length && text[i] == '*')
            {
                i++;
                int start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                repeat = int.Parse(text[start..i]);
            }
            for (int r = 0; r < repeat; r++) bytes.AddRange(term);
        }
        return bytes.ToArray();
    }

    /// <summary>Readable escaped form of bytes, for failure messages.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in bytes)
        {
            sb.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                (byte)'"' => "\\\"",
                0 => "\\0",
                < 0x20 or >= 0x7f => $"\\x{b:x2}",
                _ => ((char)b).ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}
