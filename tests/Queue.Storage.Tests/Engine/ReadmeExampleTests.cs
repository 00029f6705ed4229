using System.Runtime.CompilerServices;
using System.Text;
using Queue.Storage;

namespace Queue.Storage.Tests.Engine;

/// <summary>The code shown in docs/embedding.md, run as is (real clock, no TCP).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public async Task ReadmeExample_PutReserveDelete_Works()
    {
        // snippet-begin: docs/embedding.md
        await using var engine = QueueEngine.Start();         // in-memory queue, no sockets
        await using var session = engine.OpenSession();       // one "connection": uses and watches "default"

        PutResult put = await session.PutAsync(Encoding.UTF8.GetBytes("hello"), priority: 10, ttr: TimeSpan.FromSeconds(30));
        ReserveResult reserved = await session.ReserveAsync(timeout: TimeSpan.FromSeconds(5));
        Job job = reserved.Job ?? throw new InvalidOperationException($"reserve: {reserved.Status}");
        string text = Encoding.UTF8.GetString(job.Body.Span); // "hello"
        bool deleted = await session.DeleteAsync(job.Id);     // true
        // snippet-end

        Assert.Equal(CommandStatus.Ok, put.Status);
        Assert.Equal(put.Id, job.Id);
        Assert.Equal("hello", text);
        Assert.True(deleted);
        Assert.Null(await session.PeekAsync(job.Id));
    }

    [Fact]
    public void EmbeddingDoc_ShowsExactlyTheReadmeExampleCode()
    {
        string testFile = ThisFile();
        string doc = File.ReadAllText(FindUp(Path.GetDirectoryName(testFile)!, Path.Combine("docs", "embedding.md")));
        string test = File.ReadAllText(testFile);

        var docLines = Between(doc, "```csharp\n", "\n```").ToList();
        var docCode = docLines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)).ToList();
        var testCode = Between(test, "// snippet-begin: docs/embedding.md\n", "// snippet-end").ToList();

        Assert.Equal(docCode, testCode);
        Assert.True(docLines.Count <= 20, $"snippet has {docLines.Count} lines");
        foreach (var u in docLines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)))
        {
            Assert.Contains(u, test, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> Between(string text, string start, string end)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"marker '{start.Trim()}' not found");
        from += start.Length;
        int to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"marker '{end.Trim()}' not found");
        return text[from..to].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
    }

    private static string FindUp(string dir, string relative)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
