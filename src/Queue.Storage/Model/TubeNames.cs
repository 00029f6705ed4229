namespace Queue.Storage.Model;

/// <summary>Tube name rules (beanstalkd NAME_CHARS and MAX_TUBE_NAME_LEN - 1).</summary>
public static class TubeNames
{
    /// <summary>Longest valid tube name in bytes.</summary>
    public const int MaxLength = 200;

    public const string Default = "default";

    /// <summary>True for A-Z a-z 0-9 and - + / ; . $ _ ( ).</summary>
    public static bool IsNameChar(byte c) =>
        (uint)(c - 'a') <= 'z' - 'a' || (uint)(c - 'A') <= 'Z' - 'A' || (uint)(c - '0') <= 9 ||
        c is (byte)'-' or (byte)'+' or (byte)'/' or (byte)';' or (byte)'.' or (byte)'$' or (byte)'_' or (byte)'(' or (byte)')';

    /// <summary>1..200 name characters, not starting with '-'.</summary>
    public static bool IsValid(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > MaxLength || name[0] == '-') return false;
        foreach (byte c in name)
        {
            if (!IsNameChar(c)) return false;
        }
        return true;
    }

    public static bool IsValid(string name)
    {
        if (name.Length == 0 || name.Length > MaxLength || name[0] == '-') return false;
        foreach (char c in name)
        {
            if (c > 127 || !IsNameChar((byte)c)) return false;
        }
        return true;
    }
}
