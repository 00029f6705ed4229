using System.Diagnostics;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Integration;

/// <summary>A real beanstalkd client library, not written by us, against our server.</summary>
public sealed class ClientLibraryTests
{
    [Fact]
    public async Task RubyBeaneater_FullWorkflow_Succeeds()
    {
        await using var server = TestServer.Start();
        var script = Path.Combine(AppContext.BaseDirectory, "clients", "beaneater_smoke.rb");
        var psi = new ProcessStartInfo("ruby") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add($"127.0.0.1:{server.Port}");
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"ruby is not installed ({ex.Message}); run ./test.sh, which installs ruby-beaneater");
            return;
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "beaneater script hung");
            Assert.True(p.ExitCode == 0, $"beaneater failed:\n{await stdout}\n{await stderr}");
            Assert.Contains("beaneater-smoke: ok", await stdout, StringComparison.Ordinal);
        }
    }
}
