using Queue.Storage.Model;

namespace Queue.Storage.Core;

/// <summary>Keeps job bodies (with their trailing CRLF) outside the job record.</summary>
internal interface IBodyStore
{
    void Store(int slot, ref JobRecord job, byte[] bodyWithCrlf);
    byte[] Load(int slot, ref JobRecord job);
    void Release(int slot, ref JobRecord job);
}

/// <summary>Bodies on the managed heap, one array per job, indexed by job slot.</summary>
internal sealed class HeapBodyStore : IBodyStore
{
    private const int ChunkBits = 12;
    private byte[]?[][] _chunks = new byte[]?[16][];

    public void Store(int slot, ref JobRecord job, byte[] bodyWithCrlf)
    {
        int c = slot >> ChunkBits;
        if (c >= _chunks.Length) Array.Resize(ref _chunks, Math.Max(c + 1, _chunks.Length * 2));
        (_chunks[c] ??= new byte[]?[1 << ChunkBits])[slot & ((1 << ChunkBits) - 1)] = bodyWithCrlf;
        job.BodyLength = bodyWithCrlf.Length - 2;
    }

    public byte[] Load(int slot, ref JobRecord job) => _chunks[slot >> ChunkBits][slot & ((1 << ChunkBits) - 1)]!;

    public void Release(int slot, ref JobRecord job) => _chunks[slot >> ChunkBits][slot & ((1 << ChunkBits) - 1)] = null;
}
