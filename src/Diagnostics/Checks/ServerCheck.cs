using System.Text.Json;
using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Backends;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>The server answers its model list (GET /v1/models).</summary>
internal sealed class ServerCheck : IBackendCheck
{
    public string Name => CheckNames.Server;
    public string Description => "Server answers";

    public async Task<CheckOutcome> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var url = BackendUrls.Models(context.Settings.BaseUrl);
        using var doc = await context.Backend.GetJsonAsync(url, context.Options.ProbeTimeout, cancellationToken).ConfigureAwait(false);
        context.ListedModels = ReadIds(doc.RootElement);
        context.ServerReachable = true;
        return CheckOutcome.Pass($"{url} lists {context.ListedModels.Count} model(s)");
    }

    public string AdviceFor(BackendCallException failure, CheckContext context) => failure.Unreachable
        ? BackendAdvice.StartServer(context.Settings)
        : $"The server at {context.Settings.BaseUrl} is not an OpenAI-compatible endpoint; check the URL ends in /v1.";

    internal static IReadOnlyList<string> ReadIds(JsonElement root)
    {
        var ids = new List<string>();
        if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
                if (item.TryGetProperty("id", out var id) && id.GetString() is { } s)
                    ids.Add(s);
        }
        return ids;
    }
}
