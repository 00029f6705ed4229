namespace Queue.Storage.Tests.Support;

/// <summary>Short forms of the session API used throughout the tests.</summary>
internal static class SessionExtensions
{
    public static async Task<ulong> PutTextAsync(this QueueSession s, string body, uint priority = 1024, int delaySeconds = 0, int ttrSeconds = 60)
    {
        var r = await s.PutAsync(EngineHarness.Bytes(body), priority, TimeSpan.FromSeconds(delaySeconds), TimeSpan.FromSeconds(ttrSeconds));
        Assert.Equal(CommandStatus.Ok, r.Status);
        return r.Id;
    }

    /// <summary>A reserve that must return a job immediately.</summary>
    public static async Task<Job> ReserveNowAsync(this QueueSession s)
    {
        var r = await s.ReserveAsync(TimeSpan.Zero);
        Assert.Equal(CommandStatus.Ok, r.Status);
        return r.Job!;
    }

    public static async Task<ReserveResult> Within(this Task<ReserveResult> pending) => await pending.WaitAsync(EngineHarness.Patience);

    public static async Task<JobState> StateOfAsync(this QueueSession s, ulong id) => (await s.StatsJobAsync(id))!.State;
}
