namespace Queue.Storage.Persistence;

/// <summary>
/// DIR/lock held exclusively for the life of the process (beanstalkd does the same): two servers
/// on one directory would corrupt the log silently, since FasterLog has no lock of its own.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock or throws <see cref="LogLockedException"/>.</summary>
    public static DirectoryLock Acquire(string directory)
    {
        var path = Path.Combine(directory, "lock");
        try
        {
            // On Unix, FileShare.None takes flock(LOCK_EX | LOCK_NB).
            var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DirectoryLock(fs);
        }
        catch (IOException ex)
        {
            throw new LogLockedException($"{path}: another process holds the lock ({ex.Message})", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>The log directory is in use by another process.</summary>
public sealed class LogLockedException(string message, Exception inner) : IOException(message, inner);

/// <summary>The log directory cannot be opened safely (format mismatch, missing files, unreadable state).</summary>
public sealed class LogCorruptException(string message, Exception? inner = null) : IOException(message, inner);
