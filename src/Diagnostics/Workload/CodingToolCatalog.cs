using System.Text.Json.Nodes;

namespace AnyClaude.Diagnostics.Workload;

/// <summary>
/// The kind of tools a coding agent offers (shell, file read/edit/write, search, web, task tracking), written
/// for this project as realistic JSON-schema definitions. Used only to give benchmark prompts the shape and size
/// of a Claude Code request; the descriptions are our own words.
/// </summary>
internal static class CodingToolCatalog
{
    public sealed record ToolSpec(string Name, string Description, JsonObject Schema);

    public static IReadOnlyList<ToolSpec> Create() =>
    [
        new("Shell", "Runs a command in a persistent shell session in the project folder and returns its output. Use it for builds, tests, git and package managers; prefer the dedicated tools for reading, searching and editing files.",
            Schema(Req("command"),
                ("command", Str("The command line to run.")),
                ("timeout_ms", Int("Milliseconds to wait before the command is stopped (at most 600000).", 1, 600000)),
                ("description", Str("Five to ten words saying what the command does, shown to the user.")),
                ("run_in_background", Bool("Start the command and return at once; read its output later with ShellOutput.")))),
        new("ShellOutput", "Returns new output from a command started in the background, and whether it is still running.",
            Schema(Req("shell_id"),
                ("shell_id", Str("The id returned when the background command started.")),
                ("filter", Str("Optional regular expression; only matching lines are returned.")))),
        new("ReadFile", "Reads a text file, an image, a PDF or a notebook from the local file system. Lines come back numbered; long files can be read in windows.",
            Schema(Req("file_path"),
                ("file_path", Str("Absolute path of the file to read.")),
                ("offset", Int("First line to read, counting from 1.", 1, null)),
                ("limit", Int("How many lines to read.", 1, null)))),
        new("EditFile", "Replaces an exact string in a file with another. The old string must occur exactly once unless replace_all is set; read the file first so the match is exact, indentation included.",
            Schema(Req("file_path", "old_string", "new_string"),
                ("file_path", Str("Absolute path of the file to change.")),
                ("old_string", Str("The text to replace, copied exactly.")),
                ("new_string", Str("The replacement text; must differ from old_string.")),
                ("replace_all", Bool("Replace every occurrence instead of exactly one.")))),
        new("MultiEdit", "Applies several exact-string replacements to one file in order, all or none.",
            Schema(Req("file_path", "edits"),
                ("file_path", Str("Absolute path of the file to change.")),
                ("edits", new JsonObject
                {
                    ["type"] = "array",
                    ["minItems"] = 1,
                    ["description"] = "The replacements, applied one after another.",
                    ["items"] = Item(Req("old_string", "new_string"),
                        ("old_string", Str("The text to replace.")),
                        ("new_string", Str("The replacement text.")),
                        ("replace_all", Bool("Replace every occurrence."))),
                }))),
        new("WriteFile", "Creates or overwrites a file with the given content. Prefer EditFile for existing files; never create documentation files unless asked.",
            Schema(Req("file_path", "content"),
                ("file_path", Str("Absolute path of the file to write.")),
                ("content", Str("The complete new content of the file.")))),
        new("FindFiles", "Finds files whose paths match a glob pattern such as src/**/*.cs, newest first. Fast on any repository size.",
            Schema(Req("pattern"),
                ("pattern", Str("The glob pattern to match.")),
                ("path", Str("Folder to search in; the working directory when omitted.")))),
        new("SearchText", "Searches file contents with a regular expression (ripgrep syntax) and returns matching files, lines or counts.",
            Schema(Req("pattern"),
                ("pattern", Str("The regular expression to search for.")),
                ("path", Str("File or folder to search; the working directory when omitted.")),
                ("glob", Str("Only search files matching this glob, e.g. *.ps1.")),
                ("output_mode", Enum("What to return.", "content", "files_with_matches", "count")),
                ("context_lines", Int("Lines of context around each match (content mode).", 0, 50)),
                ("case_insensitive", Bool("Ignore case.")),
                ("multiline", Bool("Let . match newlines and patterns span lines.")),
                ("head_limit", Int("Return at most this many results.", 1, null)))),
        new("ListFolder", "Lists the files and folders in a directory, with optional glob patterns to ignore.",
            Schema(Req("path"),
                ("path", Str("Absolute path of the folder.")),
                ("ignore", new JsonObject { ["type"] = "array", ["items"] = Str("A glob to leave out."), ["description"] = "Globs to leave out." }))),
        new("FetchUrl", "Fetches a web page, converts it to markdown and answers a question about it with a small model. Read-only; results may be summarised.",
            Schema(Req("url", "prompt"),
                ("url", new JsonObject { ["type"] = "string", ["format"] = "uri", ["description"] = "The page to fetch." }),
                ("prompt", Str("What to extract from the page.")))),
        new("WebSearch", "Searches the web and returns result titles and links for questions about recent events or current documentation.",
            Schema(Req("query"),
                ("query", new JsonObject { ["type"] = "string", ["minLength"] = 2, ["description"] = "The search query." }),
                ("allowed_domains", new JsonObject { ["type"] = "array", ["items"] = Str("A domain."), ["description"] = "Only include results from these domains." }),
                ("blocked_domains", new JsonObject { ["type"] = "array", ["items"] = Str("A domain."), ["description"] = "Never include results from these domains." }))),
        new("TaskList", "Creates and updates a structured task list for the current session so progress stays visible. Use it for work with three or more steps.",
            Schema(Req("todos"),
                ("todos", new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = "The whole updated list.",
                    ["items"] = Item(Req("content", "status", "active_form"),
                        ("content", new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "What to do, imperative." }),
                        ("status", Enum("Where the task stands.", "pending", "in_progress", "completed")),
                        ("active_form", Str("The same task in present continuous form, shown while it runs."))),
                }))),
        new("Delegate", "Starts a sub-agent with its own context to carry out a self-contained task (broad searches, multi-step research) and returns its final report.",
            Schema(Req("description", "prompt", "agent_type"),
                ("description", Str("A three to five word summary of the task.")),
                ("prompt", Str("Everything the sub-agent needs to know to do the task on its own.")),
                ("agent_type", Enum("Which kind of agent to start.", "general", "explore", "plan")))),
        new("NotebookEdit", "Replaces, inserts or deletes one cell of a Jupyter notebook.",
            Schema(Req("notebook_path", "new_source"),
                ("notebook_path", Str("Absolute path of the .ipynb file.")),
                ("cell_id", Str("The id of the cell to change or to insert after.")),
                ("new_source", Str("The new source of the cell.")),
                ("cell_type", Enum("The cell type.", "code", "markdown")),
                ("edit_mode", Enum("What to do.", "replace", "insert", "delete")))),
        new("StopShell", "Stops a command running in the background.",
            Schema(Req("shell_id"), ("shell_id", Str("The id of the background command.")))),
        new("ExitPlanMode", "Ends planning and presents the plan to the user for approval before any file is changed.",
            Schema(Req("plan"), ("plan", Str("The plan, in concise markdown.")))),
    ];

    private static string[] Req(params string[] names) => names;

    private static JsonObject Schema(string[] required, params (string Name, JsonObject Schema)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, schema) in properties) props[name] = schema;
        var req = new JsonArray();
        foreach (var name in required) req.Add(name);
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = props,
            ["required"] = req,
            ["additionalProperties"] = false,
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
        };
    }

    // Nested object schemas carry no $schema keyword, as in real tool definitions.
    private static JsonObject Item(string[] required, params (string Name, JsonObject Schema)[] properties)
    {
        var schema = Schema(required, properties);
        schema.Remove("$schema");
        return schema;
    }

    private static JsonObject Str(string description) => new() { ["type"] = "string", ["description"] = description };
    private static JsonObject Bool(string description) => new() { ["type"] = "boolean", ["description"] = description };

    private static JsonObject Int(string description, int? min, int? max)
    {
        var o = new JsonObject { ["type"] = "number", ["description"] = description };
        if (min is { } lo) o["minimum"] = lo;
        if (max is { } hi) o["maximum"] = hi;
        return o;
    }

    private static JsonObject Enum(string description, params string[] values)
    {
        var list = new JsonArray();
        foreach (var v in values) list.Add(v);
        return new JsonObject { ["type"] = "string", ["enum"] = list, ["description"] = description };
    }
}
