namespace Queue.Server.Protocol;

/// <summary>
/// Number readers with the exact acceptance rules of the C functions beanstalkd 1.12 uses
/// (its read_u64/read_u32 wrappers over strtoumax, and raw strtol/strtoul). The line never
/// contains NUL, so end-of-span plays the role of the terminating NUL.
/// </summary>
internal static class CNumbers
{
    /// <summary>
    /// beanstalkd read_u64: skip spaces (only), require a digit, parse decimal; overflow fails.
    /// When <paramref name="last"/>, the rest of the line must be empty.
    /// </summary>
    public static bool ReadU64(ReadOnlySpan<byte> s, ref int pos, bool last, out ulong value)
    {
        value = 0;
        int i = pos;
        while (i < s.Length && s[i] == ' ') i++;
        if (i >= s.Length || !IsDigit(s[i])) return false;
        ulong v = 0;
        bool overflow = false;
        while (i < s.Length && IsDigit(s[i]))
        {
            ulong d = (ulong)(s[i] - '0');
            if (v > (ulong.MaxValue - d) / 10) overflow = true;
            else v = v * 10 + d;
            i++;
        }
        if (overflow) return false;
        if (last && i != s.Length) return false;
        value = v;
        pos = i;
        return true;
    }

    /// <summary>beanstalkd read_u32: as <see cref="ReadU64"/> with an upper bound of 2^32-1.</summary>
    public static bool ReadU32(ReadOnlySpan<byte> s, ref int pos, bool last, out uint value)
    {
        value = 0;
        int p = pos;
        if (!ReadU64(s, ref p, last, out ulong v) || v > uint.MaxValue) return false;
        value = (uint)v;
        pos = p;
        return true;
    }

    /// <summary>
    /// C strtol (base 10, 64-bit long): skips isspace, optional sign; no digits gives 0; out of
    /// range is an error (ERANGE). Trailing bytes are ignored.
    /// </summary>
    public static bool StrToL(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (!ScanSigned(s, out bool negative, out ulong magnitude, out bool overflow, out _)) return true;
        if (overflow || (!negative && magnitude > long.MaxValue) || (negative && magnitude > (ulong)long.MaxValue + 1)) return false;
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>
    /// C strtoul (base 10, 64-bit): skips isspace, optional sign (a minus negates modulo 2^64).
    /// Fails when no digit was found or on ERANGE. Trailing bytes are ignored.
    /// </summary>
    public static bool StrToUL(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (!ScanSigned(s, out bool negative, out ulong magnitude, out bool overflow, out _)) return false;
        if (overflow) return false;
        value = negative ? 0 - magnitude : magnitude;
        return true;
    }

    private static bool ScanSigned(ReadOnlySpan<byte> s, out bool negative, out ulong magnitude, out bool overflow, out int end)
    {
        negative = false;
        magnitude = 0;
        overflow = false;
        int i = 0;
        while (i < s.Length && IsCSpace(s[i])) i++;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        int digitsStart = i;
        while (i < s.Length && IsDigit(s[i]))
        {
            ulong d = (ulong)(s[i] - '0');
            if (magnitude > (ulong.MaxValue - d) / 10) overflow = true;
            else if (!overflow) magnitude = magnitude * 10 + d;
            i++;
        }
        end = i;
        return i > digitsStart;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    /// <summary>C isspace in the "C" locale: space, \t, \n, \v, \f, \r.</summary>
    private static bool IsCSpace(byte c) => c == ' ' || (uint)(c - '\t') <= '\r' - '\t';
}
