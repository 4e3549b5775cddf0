using System.Globalization;
using System.Text.Json;
using AnyClaude.FakeBackend;

// dotnet AnyClaude.FakeBackend.dll --flavor lmstudio|mlx-lm [--port 0] [--model M] [--context N] [--no-cache]
//   [--tools-unsupported] [--mlx-tool-calling] [--us-per-token N] [--us-per-output-token N] [--cache-entries N] [--no-stdin]
//   [--not-loaded] [--other-model M]... [--report-cached-tokens] [--reasoning-content] [--allow-late-system]
//   [--slots N] [--time-scale X] [--prompt-concurrency N] [--decode-concurrency N]
// Prints one JSON line {"port","baseUrl","flavor"} once listening, then serves until killed or stdin closes.
// stdin already at end in the first second, before any request (e.g. /dev/null), is ignored; --no-stdin never watches it.
var options = ParseArguments(args, out var watchStdin);
if (options is null)
{
    Console.Error.WriteLine("usage: --flavor lmstudio|mlx-lm [--port N] [--model M] [--context N] [--no-cache] [--tools-unsupported] "
        + "[--mlx-tool-calling] [--us-per-token N] [--us-per-output-token N] [--cache-entries N] [--no-stdin] [--not-loaded] "
        + "[--other-model M]... [--report-cached-tokens] [--reasoning-content] [--allow-late-system] [--summary-tokens N] [--summary-reasoning-tokens N] "
        + "[--slots N] [--time-scale X] [--prompt-concurrency N] [--decode-concurrency N]");
    return 2;
}

await using var server = FakeOpenAiServer.Start(options);
Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["port"] = server.Port,
    ["baseUrl"] = server.BaseUrl,
    ["flavor"] = options.FlavorName,
}));
Console.Out.Flush();

var done = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => done.TrySetResult();
if (watchStdin)
{
    var started = System.Diagnostics.Stopwatch.StartNew();
    _ = Task.Run(() =>
    {
        var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (input.Read(buffer, 0, buffer.Length) > 0)
        {
        }
        // An stdin that is empty from the start (/dev/null, launchers that give none) is not a stop signal.
        if (started.Elapsed < TimeSpan.FromSeconds(1) && server.Requests.Count == 0)
        {
            Console.Error.WriteLine("fake backend: stdin closed at start-up; serving until killed");
            return;
        }
        done.TrySetResult();
    });
}
await done.Task;
return 0;

static FakeServerOptions? ParseArguments(string[] args, out bool watchStdin)
{
    watchStdin = true;
    FakeFlavor? flavor = null;
    var port = 0;
    string? model = null;
    int? context = null, cacheEntries = null, slots = null;
    int promptConcurrency = 8, decodeConcurrency = 32;
    double timeScale = 1;
    bool noCache = false, toolsUnsupported = false, mlxTools = false, notLoaded = false, lateSystem = false, reasoningContent = false;
    bool? reportCached = null;
    var otherModels = new List<string>();
    double usPerToken = 20, usPerOutput = 0;
    int summaryTokens = 0, summaryReasoning = 0;
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--flavor":
                flavor = Next().ToLowerInvariant() switch
                {
                    "lmstudio" or "lm-studio" => FakeFlavor.LmStudio,
                    "mlx-lm" or "mlx" or "mlxlm" => FakeFlavor.MlxLm,
                    _ => null,
                };
                if (flavor is null)
                {
                    return null;
                }
                break;
            case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--model": model = Next(); break;
            case "--context": context = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--cache-entries": cacheEntries = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--no-cache": noCache = true; break;
            case "--tools-unsupported": toolsUnsupported = true; break;
            case "--mlx-tool-calling": mlxTools = true; break;
            case "--us-per-token": usPerToken = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--us-per-output-token": usPerOutput = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--no-stdin": watchStdin = false; break;
            case "--not-loaded": notLoaded = true; break;
            case "--other-model": otherModels.Add(Next()); break;
            case "--report-cached-tokens": reportCached = true; break;
            case "--reasoning-content": reasoningContent = true; break;
            case "--allow-late-system": lateSystem = true; break;
            case "--summary-tokens": summaryTokens = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--summary-reasoning-tokens": summaryReasoning = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--slots": slots = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--time-scale": timeScale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--prompt-concurrency": promptConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--decode-concurrency": decodeConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            default: return null;
        }
    }
    if (flavor is null)
    {
        return null;
    }
    return new FakeServerOptions
    {
        Flavor = flavor.Value,
        Port = port,
        Model = model ?? (flavor == FakeFlavor.MlxLm ? "mlx-community/Qwen3-8B-4bit" : "qwen/qwen3-8b"),
        ContextLength = context,
        CacheEntries = cacheEntries,
        DisableCache = noCache,
        ToolsUnsupported = toolsUnsupported,
        MlxToolCalling = mlxTools,
        MicrosecondsPerPromptToken = usPerToken,
        MicrosecondsPerGeneratedToken = usPerOutput,
        ModelLoaded = !notLoaded,
        OtherModels = otherModels,
        ReportCachedTokens = reportCached,
        ReasoningField = reasoningContent ? "reasoning_content" : "reasoning",
        SystemMessageMustBeFirst = !lateSystem,
        SummaryTokens = summaryTokens,
        SummaryReasoningTokens = summaryReasoning,
        Slots = slots,
        TimeScale = timeScale,
        MlxPromptConcurrency = promptConcurrency,
        MlxDecodeConcurrency = decodeConcurrency,
    };
}
