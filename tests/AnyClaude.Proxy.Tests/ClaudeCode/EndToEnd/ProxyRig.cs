using System.Text.Json;
using AnyClaude.FakeBackend;
using AnyClaude.Proxy.Configuration;
using AnyClaude.Proxy.Hosting;
using AnyClaude.Proxy.Tests.ClaudeCode.Cli;
using Xunit;

namespace AnyClaude.Proxy.Tests.ClaudeCode.EndToEnd;

/// <summary>Real Claude Code → ProxyServer → fake LM Studio and fake mlx_lm.server, one sandbox per rig.</summary>
internal sealed class ProxyRig : IAsyncDisposable
{
    public const string LmStudioModel = "qwen/qwen3-coder-30b";
    public const string MlxModel = "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit";

    private ProxyRig(FakeOpenAiServer lmStudio, FakeOpenAiServer mlx, ProxyServer proxy)
    {
        LmStudio = lmStudio;
        Mlx = mlx;
        Proxy = proxy;
    }

    public FakeOpenAiServer LmStudio { get; }
    public FakeOpenAiServer Mlx { get; }
    public ProxyServer Proxy { get; }
    public ClaudeSandbox Sandbox { get; } = new();

    public static ProxyRig Start(BackendMode mode, Func<ProxyOptions, ProxyOptions>? tweak = null)
    {
        // Claude Code's first request is ~20k fake tokens (4 characters each); leave room for it.
        var lmStudio = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.LmStudio, Model = LmStudioModel, ContextLength = 131072 });
        var mlx = FakeOpenAiServer.Start(new FakeServerOptions { Flavor = FakeFlavor.MlxLm, Model = MlxModel });
        var options = new ProxyOptions
        {
            Mode = mode,
            Backends = new Dictionary<BackendMode, BackendSettings>
            {
                [BackendMode.LmStudio] = BackendSettings.Default(BackendMode.LmStudio) with { BaseUrl = new Uri(lmStudio.BaseUrl), Model = LmStudioModel },
                // Default(MlxLm) keeps the analysis-only setting (ToolCalls Off) our users run with.
                [BackendMode.MlxLm] = BackendSettings.Default(BackendMode.MlxLm) with { BaseUrl = new Uri(mlx.BaseUrl), Model = MlxModel },
            },
        };
        var proxy = ProxyServer.Start(tweak is null ? options : tweak(options));
        return new ProxyRig(lmStudio, mlx, proxy);
    }

    public async Task<ClaudeRunResult> RunClaudeAsync(string version, string prompt, bool continueSession = false)
    {
        var result = await ClaudeCodeCli.RunAsync(new ClaudeRunOptions
        {
            Version = version,
            Prompt = prompt,
            BaseUrl = Proxy.BaseUrl,
            Token = Proxy.Token,
            Sandbox = Sandbox,
            Continue = continueSession,
            Model = ClaudeCodeCli.DefaultModel(version),
        });
        Assert.True(result.ExitCode == 0 && !result.IsError, "Claude Code through the proxy failed.\n" + Describe(result));
        return result;
    }

    /// <summary>The claude run plus what the proxy and the fakes saw, for assertion messages.</summary>
    public string Describe(ClaudeRunResult result)
    {
        var records = string.Join("\n", Proxy.GetRecords().Select(r =>
            $"  {r.Time:HH:mm:ss.fff} {r.Path} {r.Mode} model={r.Model} status={r.Status} stop={r.StopReason} error={r.Error}"));
        return $"{result.Describe()}\n--- proxy records ---\n{records}\n--- fakes --- LM Studio {LmStudio.ChatRequests.Count} chat requests, mlx {Mlx.ChatRequests.Count}";
    }

    /// <summary>Backend requests of the main conversation: the first user message carries the marker. With tools
    /// sent (LM Studio), requests without tools are side requests (2.0.77's path extraction quotes the command).</summary>
    public static IReadOnlyList<RecordedRequest> MainTurns(IEnumerable<RecordedRequest> requests, string marker, bool withTools = false) =>
        requests.Where(r => FirstUserText(r).Contains(marker, StringComparison.Ordinal) && (!withTools || HasTools(r))).ToList();

    public static bool HasTools(RecordedRequest request)
    {
        using var doc = request.BodyJson();
        return doc.RootElement.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0;
    }

    /// <summary>Text of the first user message: how a test tells its conversation from side requests.</summary>
    public static string FirstUserText(RecordedRequest request)
    {
        using var doc = request.BodyJson();
        foreach (var message in doc.RootElement.GetProperty("messages").EnumerateArray())
        {
            if (message.GetProperty("role").GetString() != "user") continue;
            var content = message.GetProperty("content");
            return content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : string.Concat(content.EnumerateArray().Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString()));
        }
        return "";
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await LmStudio.DisposeAsync();
        await Mlx.DisposeAsync();
        Sandbox.Dispose();
    }
}
