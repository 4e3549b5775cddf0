using AnyClaude.Proxy.Configuration;

namespace AnyClaude.Proxy.Hosting;

/// <summary>Where one request goes: the backend settings (snapshotted at request start) and the model to ask for.</summary>
/// <summary>NamesMode: the request's model field named a mode ("lmstudio", "claude/claude-x"), so it must not
/// reach the backend as is.</summary>
internal readonly record struct Route(BackendSettings Backend, string? Model, bool NamesMode);

internal static class RouteResolver
{
    /// <summary>"lmstudio", "mlx-lm", "claude" (any mode name) or "&lt;mode&gt;/&lt;model&gt;" pick that mode (and model);
    /// any other model name goes to the active mode with its configured model.</summary>
    public static Route Resolve(ModeSnapshot snapshot, string? requestedModel)
    {
        if (!string.IsNullOrEmpty(requestedModel))
        {
            if (ModeNames.TryParse(requestedModel, out var named))
            {
                var s = snapshot.Get(named);
                return new Route(s, s.Model, true);
            }
            var slash = requestedModel.IndexOf('/');
            if (slash > 0 && slash < requestedModel.Length - 1 && ModeNames.TryParse(requestedModel[..slash], out var prefixed))
                return new Route(snapshot.Get(prefixed), requestedModel[(slash + 1)..], true);
        }
        var active = snapshot.Get(snapshot.Active);
        return new Route(active, active.Model, false);
    }
}
