using System.Text;
using AnyClaude.FakeBackend.Chat;
using AnyClaude.FakeBackend.Http;

namespace AnyClaude.FakeBackend.Endpoints;

/// <summary>Dispatches a request to the endpoints the imitated server really has. Returns false to close the connection.</summary>
internal sealed class Router(FakeServerState state)
{
    private readonly ChatCompletionHandler _chat = new(state);

    private FakeServerOptions Options => state.Options;

    public static bool IsAdmin(HttpRequestData request) => request.Path.StartsWith(AdminEndpoints.Prefix, StringComparison.Ordinal);

    /// <summary>Handles a request; record is null for /_fake/ admin requests (they are not recorded).</summary>
    public async Task<bool> HandleAsync(HttpRequestData request, RecordedRequest? record, ResponseWriter writer, CancellationToken ct)
    {
        if (record is null)
        {
            var (status, json) = AdminEndpoints.Handle(request.Method, request.Path, request.Body, state);
            await writer.WriteJsonAsync(status, json, ct);
            return !writer.MustClose;
        }
        var keepOpen = Options.Flavor == FakeFlavor.MlxLm
            ? await HandleMlxAsync(request, record, writer, ct)
            : await HandleLmStudioAsync(request, record, writer, ct);
        return keepOpen;
    }

    /// <summary>mlx_lm.server APIHandler: do_GET, do_POST, do_OPTIONS; other methods get http.server's 501.</summary>
    private async Task<bool> HandleMlxAsync(HttpRequestData request, RecordedRequest record, ResponseWriter writer, CancellationToken ct)
    {
        var path = request.Target; // mlx matches self.path, which includes any query string
        switch (request.Method)
        {
            case "POST" when path is "/v1/chat/completions" or "/chat/completions":
                return await _chat.HandleAsync(request, record, writer, ct);
            case "GET" when path.StartsWith("/v1/models", StringComparison.Ordinal):
                return await Reply(record, writer, 200, ModelsEndpoints.MlxModels(Options, path), ct, mlxNoLength: true);
            case "GET" when path == "/health":
                return await Reply(record, writer, 200, "{\"status\": \"ok\"}", ct, mlxNoLength: true);
            case "GET" or "POST":
                return await Reply(record, writer, 404, "Not Found", ct);
            case "OPTIONS":
                return await Reply(record, writer, 204, "", ct);
            default:
                record.Status = 501;
                await writer.WriteBodyAsync(501, "text/html;charset=utf-8",
                    Encoding.UTF8.GetBytes($"<html><body><h1>Error response</h1><p>Error code: 501</p><p>Message: Unsupported method ('{request.Method}').</p></body></html>\n"), ct);
                return false;
        }
    }

    /// <summary>LM Studio: OpenAI-compatible /v1 and REST /api/v0; anything else is logged and answered 200 with an error.</summary>
    private async Task<bool> HandleLmStudioAsync(HttpRequestData request, RecordedRequest record, ResponseWriter writer, CancellationToken ct)
    {
        var path = request.Path;
        switch (request.Method)
        {
            case "POST" when path is "/v1/chat/completions" or "/api/v0/chat/completions":
                return await _chat.HandleAsync(request, record, writer, ct);
            case "GET" when path == "/v1/models":
                return await Reply(record, writer, 200, ModelsEndpoints.LmStudioModels(Options), ct);
            case "GET" when path == "/api/v1/models":
                return await Reply(record, writer, 200, ModelsEndpoints.LmStudioV1Models(Options), ct);
            case "GET" when path == "/api/v0/models":
                return await Reply(record, writer, 200, ModelsEndpoints.LmStudioV0Models(Options), ct);
            case "GET" when path.StartsWith("/api/v0/models/", StringComparison.Ordinal):
                var id = Uri.UnescapeDataString(path["/api/v0/models/".Length..]);
                var json = ModelsEndpoints.LmStudioV0Model(Options, id);
                return json is null
                    ? await Reply(record, writer, 404, FakeError.LmStudio(404, $"Model \"{id}\" not found", param: "model", code: "model_not_found").Body, ct)
                    : await Reply(record, writer, 200, json, ct);
            default:
                // Observed LM Studio log and answer: "Unexpected endpoint or method. (GET /). Returning 200 anyway".
                return await Reply(record, writer, 200,
                    "{\"error\":\"Unexpected endpoint or method. (" + request.Method + " " + path + "). Returning 200 anyway\"}", ct);
        }
    }

    private static async Task<bool> Reply(RecordedRequest record, ResponseWriter writer, int status, string body, CancellationToken ct, bool mlxNoLength = false)
    {
        record.Status = status;
        if (mlxNoLength)
        {
            // mlx's /v1/models and /health write the body after end_headers() without Content-Length: close-delimited.
            await writer.WriteBodyWithoutLengthAsync(status, "application/json", Encoding.UTF8.GetBytes(body), ct);
        }
        else
        {
            await writer.WriteJsonAsync(status, body, ct);
        }
        return !writer.MustClose;
    }
}
