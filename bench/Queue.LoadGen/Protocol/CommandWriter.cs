using System.Buffers.Text;
using System.Text;

namespace Queue.LoadGen.Protocol;

/// <summary>
/// Growable send buffer. Commands for one batch are appended here and leave in a single socket
/// write, which is what makes the pipelining real.
/// </summary>
internal sealed class CommandWriter(int initialCapacity)
{
    private byte[] _buffer = new byte[Math.Max(256, initialCapacity)];
    private int _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Length => _length;

    public void Reset() => _length = 0;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Appends <paramref name="bytes"/> and returns the copy, so the caller can patch it in place.</summary>
    public Span<byte> WriteAndGet(ReadOnlySpan<byte> bytes)
    {
        Span<byte> target = GetSpan(bytes.Length)[..bytes.Length];
        bytes.CopyTo(target);
        _length += bytes.Length;
        return target;
    }

    public void WriteDelete(ulong id)
    {
        Write("delete "u8);
        WriteNumber(id);
        Write("\r\n"u8);
    }

    public void WriteLine(string asciiLine)
    {
        int n = Encoding.ASCII.GetBytes(asciiLine, GetSpan(asciiLine.Length));
        _length += n;
        Write("\r\n"u8);
    }

    private void WriteNumber(ulong value)
    {
        if (!Utf8Formatter.TryFormat(value, GetSpan(20), out int written))
        {
            throw new InvalidOperationException("number did not fit");
        }

        _length += written;
    }

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _length < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        return _buffer.AsSpan(_length);
    }
}
