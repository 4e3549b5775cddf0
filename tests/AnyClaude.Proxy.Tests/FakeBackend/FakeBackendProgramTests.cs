using System.Diagnostics;
using System.Text.Json;
using Xunit;
using static AnyClaude.Proxy.Tests.FakeBackend.FakeHttp;

namespace AnyClaude.Proxy.Tests.FakeBackend;

/// <summary>The fake as a process, as Pester starts it.</summary>
public sealed class FakeBackendProgramTests
{
    [Fact]
    public async Task Prints_one_json_line_serves_and_exits_when_stdin_closes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AnyClaude.FakeBackend.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--flavor", "mlx-lm", "--port", "0", "--model", "mlx-community/Qwen3-8B-4bit", "--mlx-tool-calling" })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var info = JsonDocument.Parse(line!).RootElement;
            Assert.Equal("mlx-lm", info.GetProperty("flavor").GetString());
            var port = info.GetProperty("port").GetInt32();
            Assert.Equal($"http://127.0.0.1:{port}/v1", info.GetProperty("baseUrl").GetString());

            Assert.Equal("{\"status\": \"ok\"}", await Client.GetStringAsync($"http://127.0.0.1:{port}/health"));
            var reply = await PostForJsonAsync($"http://127.0.0.1:{port}/v1/chat/completions", ChatBody("RUN: ls", tools: BashTool));
            Assert.Equal("tool_calls", reply.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Keeps_serving_when_stdin_is_empty_from_the_start()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AnyClaude.FakeBackend.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--flavor", "lmstudio", "--port", "0", "--not-loaded", "--other-model", "google/gemma-3-4b" })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Close(); // like /dev/null
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var port = JsonDocument.Parse(line!).RootElement.GetProperty("port").GetInt32();
            await Task.Delay(1500);
            Assert.False(process.HasExited);
            var models = JsonDocument.Parse(await Client.GetStringAsync($"http://127.0.0.1:{port}/api/v0/models")).RootElement.GetProperty("data");
            Assert.Equal(["qwen/qwen3-8b", "google/gemma-3-4b"], models.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
            Assert.All(models.EnumerateArray(), m => Assert.Equal("not-loaded", m.GetProperty("state").GetString()));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
