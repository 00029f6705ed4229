using Queue.Storage.Model;

namespace Queue.Storage.Scheduling;

/// <summary>Ordering and back-pointer maintenance for an <see cref="IndexedHeap{TPolicy}"/> of job slots.</summary>
internal interface IHeapPolicy
{
    static abstract bool Less(JobTable jobs, int a, int b);
    static abstract void SetIndex(JobTable jobs, int slot, int index);
}

/// <summary>Ready queue order: priority, then job id (beanstalkd job_pri_less).</summary>
internal struct ReadyOrder : IHeapPolicy
{
    public static bool Less(JobTable jobs, int a, int b)
    {
        ref var x = ref jobs.Get(a);
        ref var y = ref jobs.Get(b);
        return x.Priority < y.Priority || (x.Priority == y.Priority && x.Id < y.Id);
    }

    public static void SetIndex(JobTable jobs, int slot, int index) => jobs.Get(slot).HeapIndex = index;
}

/// <summary>Delay queue order: deadline, then job id (beanstalkd job_delay_less).</summary>
internal struct DelayOrder : IHeapPolicy
{
    public static bool Less(JobTable jobs, int a, int b)
    {
        ref var x = ref jobs.Get(a);
        ref var y = ref jobs.Get(b);
        return x.DeadlineAt < y.DeadlineAt || (x.DeadlineAt == y.DeadlineAt && x.Id < y.Id);
    }

    public static void SetIndex(JobTable jobs, int slot, int index) => jobs.Get(slot).HeapIndex = index;
}

/// <summary>Engine-wide timer order over delayed and reserved jobs: deadline, then id.</summary>
internal struct TimerOrder : IHeapPolicy
{
    public static bool Less(JobTable jobs, int a, int b)
    {
        ref var x = ref jobs.Get(a);
        ref var y = ref jobs.Get(b);
        return x.DeadlineAt < y.DeadlineAt || (x.DeadlineAt == y.DeadlineAt && x.Id < y.Id);
    }

    public static void SetIndex(JobTable jobs, int slot, int index) => jobs.Get(slot).TimerIndex = index;
}
