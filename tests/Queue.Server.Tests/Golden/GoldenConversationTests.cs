namespace Queue.Server.Tests;

/// <summary>
/// Every conversation recorded from beanstalkd 1.12 (tests/golden/conversations) replayed against
/// our server. Split into buckets so xunit runs them in parallel (many wait on real timeouts).
/// </summary>
public abstract class GoldenConversationTests
{
    public const int Buckets = 6;

    public static IEnumerable<object[]> Files(int bucket) => AllFiles(bucket, Buckets);

    protected static Task Replay(string name, bool? useEpoll = null) =>
        ConversationRunner.RunAsync(Conversation.Load(Path.Combine(AppContext.BaseDirectory, "golden", name + ".conv")), useEpoll);

    /// <summary>Every conversation, in <paramref name="buckets"/> groups: bucket <paramref name="bucket"/>.</summary>
    public static IEnumerable<object[]> AllFiles(int bucket, int buckets)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "golden");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.conv") : [];
        Array.Sort(files, StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++)
        {
            if (i % buckets == bucket) yield return [Path.GetFileNameWithoutExtension(files[i])];
        }
    }
}

public sealed class GoldenBucket0 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 0)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

public sealed class GoldenBucket1 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 1)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

public sealed class GoldenBucket2 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 2)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

public sealed class GoldenBucket3 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 3)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

public sealed class GoldenBucket4 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 4)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

public sealed class GoldenBucket5 : GoldenConversationTests
{
    [Theory, MemberData(nameof(Files), 5)]
    public Task Conversation_ReplaysIdentically(string name) => Replay(name);
}

/// <summary>The corpus is the proof of compatibility; it must not silently shrink.</summary>
public sealed class GoldenCorpusTests
{
    [Fact]
    public void Corpus_HasAtLeast150Conversations()
    {
        int count = 0;
        for (int b = 0; b < GoldenConversationTests.Buckets; b++) count += GoldenConversationTests.Files(b).Count();
        Assert.True(count >= 150, $"only {count} golden conversations");
    }
}

// The same conversations over the pipe transport (.NET sockets + System.IO.Pipelines), which serves
// connections where the epoll transport is not available: both must speak identical bytes.
public sealed class GoldenPipeTransport0 : GoldenConversationTests
{
    [Theory, MemberData(nameof(AllFiles), 0, 3)]
    public Task Conversation_OverPipeTransport_ReplaysIdentically(string name) => Replay(name, useEpoll: false);
}

public sealed class GoldenPipeTransport1 : GoldenConversationTests
{
    [Theory, MemberData(nameof(AllFiles), 1, 3)]
    public Task Conversation_OverPipeTransport_ReplaysIdentically(string name) => Replay(name, useEpoll: false);
}

public sealed class GoldenPipeTransport2 : GoldenConversationTests
{
    [Theory, MemberData(nameof(AllFiles), 2, 3)]
    public Task Conversation_OverPipeTransport_ReplaysIdentically(string name) => Replay(name, useEpoll: false);
}
