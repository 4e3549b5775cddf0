namespace AnyClaude.FakeBackend.Chat;

/// <summary>
/// Each real server's rules for a chat request: which model serves it, whether the prompt fits, and how many tokens
/// may be generated. Errors carry the real status codes and wording.
/// </summary>
internal static class ServerRules
{
    public static (string Model, FakeError? Error) ResolveModel(ChatRequest request, FakeServerOptions options)
    {
        if (options.Flavor == FakeFlavor.MlxLm)
        {
            // mlx: a missing model means "default_model"; the configured --model maps to it too. Any other name is
            // handed to load() as a Hugging Face repo to download; the failure surfaces as a 500 with the hub's message.
            var requested = request.Model ?? "default_model";
            if (requested != "default_model" && requested != options.Model)
            {
                return (requested, FakeError.Mlx(500,
                    "404 Client Error. (Request ID: Root=1-fake)\n\nRepository Not Found for url: https://huggingface.co/api/models/"
                    + requested + "/revision/main.\nPlease make sure you specified the correct `repo_id` and `repo_type`.\n"
                    + "If you are trying to access a private or gated repo, make sure you are authenticated."));
            }
            return (requested, null);
        }

        // LM Studio: a downloaded model is served (JIT-loaded if needed); an unknown name is ignored while a model is
        // loaded (it answers with the loaded one); with nothing loaded it is a 404 model_not_found.
        if (request.Model is { } name && (name == options.Model || options.OtherModels.Contains(name)))
        {
            return (name, null);
        }
        if (options.ModelLoaded)
        {
            return (options.Model, null);
        }
        var list = string.Join("\n", [options.Model, .. options.OtherModels]);
        return (options.Model, FakeError.LmStudio(404,
            $"Model \"{request.Model}\" not found. Please specify a valid model.\n\nYour models:\n\n{list}",
            param: "model", code: "model_not_found"));
    }

    public static FakeError? CheckContext(ChatRequest request, int promptTokens, FakeServerOptions options)
    {
        if (options.EffectiveContextLength is not { } context)
        {
            return null;
        }
        if (options.Flavor == FakeFlavor.MlxLm)
        {
            // apply_prompt_token_limit with --prompt-overflow-policy error (ValueError -> 500).
            return promptTokens > context
                ? FakeError.Mlx(500, $"Prompt exceeds max prompt token limit: prompt_tokens={promptTokens}, max_prompt_tokens={context}")
                : null;
        }
        var needed = promptTokens + (options.ContextCheckIncludesMaxTokens ? request.MaxTokens ?? 0 : 0);
        // LM Studio's wording (grammar included) when the prompt cannot fit the loaded context.
        return needed > context
            ? FakeError.LmStudioString(400, $"Trying to keep the first {needed} tokens when context the overflows. However, the model is loaded "
                + $"with context length of only {context} tokens, which is not enough. Try to load the model with a larger context "
                + "length, or provide a shorter input")
            : null;
    }

    public static int? Budget(ChatRequest request, int promptTokens, FakeServerOptions options)
    {
        if (options.Flavor == FakeFlavor.MlxLm)
        {
            return request.MaxTokens ?? options.MlxDefaultMaxTokens;
        }
        var room = options.EffectiveContextLength is { } c ? Math.Max(0, c - promptTokens) : (int?)null;
        return (request.MaxTokens, room) switch
        {
            ({ } m, { } r) => Math.Min(m, r),
            ({ } m, null) => m,
            (null, var r) => r,
        };
    }
}
