using AnyClaude.Diagnostics.Http;
using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Diagnostics.Checks;

/// <summary>State shared by the checks of one backend: later checks build on what earlier ones learned.</summary>
internal sealed class CheckContext(BackendCheckOptions options, Proxy.Backends.BackendHttp http)
{
    public BackendCheckOptions Options { get; } = options;
    public Proxy.Backends.BackendHttp Http { get; } = http;
    public BackendSettings Settings => Options.Backend;
    public BackendMode Mode => Settings.Mode;
    public OpenAiChatClient Backend { get; } = new(http, options.Backend);

    /// <summary>False once the server check failed: later checks are skipped instead of timing out again.</summary>
    public bool ServerReachable { get; set; }
    /// <summary>False once the model check failed.</summary>
    public bool ModelUsable { get; set; }
    /// <summary>Model ids the server lists.</summary>
    public IReadOnlyList<string> ListedModels { get; set; } = [];
    /// <summary>The model to request: the configured one, or the one the server has loaded.</summary>
    public string? Model { get; set; }
    /// <summary>The context window learned from the server or the settings.</summary>
    public int? ContextWindow { get; set; }

    public bool SendsTools => Settings.ToolCalls == ToolCallMode.Native;

    /// <summary>A chat request body with the resolved model (omitted when the server should choose).</summary>
    public System.Text.Json.Nodes.JsonObject ChatBody(int maxTokens, params (string Role, string Content)[] messages)
    {
        var list = new System.Text.Json.Nodes.JsonArray();
        foreach (var (role, content) in messages)
            list.Add(new System.Text.Json.Nodes.JsonObject { ["role"] = role, ["content"] = content });
        var body = new System.Text.Json.Nodes.JsonObject { ["messages"] = list, ["max_tokens"] = maxTokens, ["temperature"] = 0 };
        if (Model is not null) body["model"] = Model;
        return body;
    }
}
