using System.Text;

namespace Queue.Storage.Persistence;

/// <summary>Reuses the string for a tube name seen before (a replay meets the same few names millions of times).</summary>
internal static class TubeNameInterner
{
    public static LogRecords.NameReader Create()
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
        string? last = null;
        return bytes =>
        {
            if (last is not null && Same(last, bytes)) return last;
            Span<char> chars = stackalloc char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
            if (!lookup.TryGetValue(chars, out var name))
            {
                name = Encoding.ASCII.GetString(bytes);
                byName[name] = name;
            }
            last = name;
            return name;
        };
    }

    private static bool Same(string s, ReadOnlySpan<byte> bytes)
    {
        if (s.Length != bytes.Length) return false;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (s[i] != bytes[i]) return false;
        }
        return true;
    }
}
