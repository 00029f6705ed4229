using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Queue.Benchmarks -- --filter '*'   (add --job short for a quick pass)
BenchmarkSwitcher.FromAssembly(typeof(Queue.Benchmarks.ParsingBenchmarks).Assembly).Run(args);
