namespace Queue.LoadGen.Workloads;

/// <summary>fill: shared "the server has refused a put" flag.</summary>
internal sealed class FillState
{
    private volatile bool _refused;

    public bool Refused => _refused;

    public void MarkRefused() => _refused = true;
}
