"""Renders OpenAI chat requests through real chat templates, the way the servers do.

Reads one JSON document on stdin:
  {"manifest": "<path to manifest.json>",
   "conversations": [{"id": "...", "server": "mlx_lm" | "llama-server", "turns": [<chat request body>, ...]}]}
and writes one JSON document on stdout:
  {"jinja2": "<version>", "results": [{"template", "conversation", "turns": [{"error", "missing", "missing_tools", "chars"}],
                                        "prefix_breaks": [{"turn", "at", "earlier", "later"}]}]}

The Jinja environment is set up as Hugging Face transformers' apply_chat_template sets it up
(utils/chat_template_utils.py, _compile_jinja_template): ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks and the loopcontrols extension, a {% generation %} tag, raise_exception, strftime_now and a
tojson filter that does not escape HTML. strftime_now uses a fixed date so renders are reproducible.

Server-side preparation before rendering:
  mlx_lm        mlx_lm.server's process_message_content: list content joined to a string, null content -> "",
                every tool call's arguments parsed with json.loads.
  llama-server  llama.cpp (minja) parses arguments into objects only for templates that require object
                arguments; that capability is probed here as minja probes it (render a call with string
                arguments and with object arguments, see which one shows the argument).
"""
import copy
import datetime
import json
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime.datetime(2026, 11, 24, 12, 0, 0)


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker without the tracking: {% generation %}...{% endgeneration %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def compile_template(source):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(source)


def render(template, spec, messages, tools, add_generation_prompt):
    kwargs = {"bos_token": spec.get("bos_token", ""), "eos_token": spec.get("eos_token", "")}
    return template.render(messages=messages, tools=tools or None, documents=None,
                           add_generation_prompt=add_generation_prompt, **kwargs)


NEEDLE = "argument_needle"


def requires_object_arguments(template, spec):
    """minja's probe: does the template show tool-call arguments only when they are an object?"""
    def probe(arguments):
        messages = [
            {"role": "user", "content": "Hey"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call1abcd", "type": "function", "function": {"name": "ipython", "arguments": arguments}}]},
        ]
        try:
            return render(template, spec, messages, None, False)
        except Exception:  # noqa: BLE001 - a template that raises on this shape does not show it
            return ""
    as_object = probe({"code": NEEDLE})
    as_string = probe(json.dumps({"code": NEEDLE}))
    return NEEDLE in as_object and NEEDLE not in as_string


def prepare(body, server, object_arguments):
    messages = copy.deepcopy(body["messages"])
    for message in messages:
        if server == "mlx_lm":
            content = message.get("content")
            if isinstance(content, list):
                texts = [part["text"] for part in content if part.get("type") == "text"]
                if len(texts) != len(content):
                    raise ValueError("Only 'text' content type is supported.")
                message["content"] = "".join(texts)
            elif content is None:
                message["content"] = ""
        if server == "mlx_lm" or object_arguments:
            for call in message.get("tool_calls") or []:
                function = call.get("function")
                if function and function.get("arguments"):
                    function["arguments"] = json.loads(function["arguments"])
    return messages, body.get("tools")


def text_of(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def forms(text):
    """A string as a template may print it: as is, JSON-escaped once (tojson of a string), or twice."""
    once = json.dumps(text, ensure_ascii=False)[1:-1]
    twice = json.dumps(once, ensure_ascii=False)[1:-1]
    return {text, once, twice}


def find_after(prompt, text, cursor):
    """Where the text (in any printed form) first appears at or after cursor; -1 if it does not."""
    hits = [i for i in (prompt.find(form, cursor) for form in forms(text)) if i >= 0]
    return min(hits) if hits else -1


def missing_items(prompt, body):
    """What of the conversation the prompt does not show, in order: each message's text, and each tool call
    (name and string arguments) from where its message starts."""
    missing = []
    cursor = 0
    for index, message in enumerate(body["messages"]):
        start = cursor
        text = text_of(message.get("content")).strip()
        # Templates strip whitespace around a message; check paragraph by paragraph, in order.
        for paragraph in [p.strip() for p in text.split("\n\n") if p.strip()]:
            at = find_after(prompt, paragraph, cursor)
            if at < 0:
                missing.append(f"message {index} ({message['role']}): {paragraph[:80]!r}")
                break
            cursor = at + len(paragraph)
        # Some templates print a message's tool calls before its text (Gemma 4): calls are looked for from
        # where the message starts, each after the one before it.
        call_cursor = start
        for call in message.get("tool_calls") or []:
            function = call["function"]
            at = find_after(prompt, function["name"], call_cursor)
            if at < 0:
                missing.append(f"message {index}: tool call {function['name']}")
                continue
            call_cursor = at + len(function["name"])
            arguments = json.loads(function["arguments"] or "{}")
            for key, value in arguments.items():
                if not isinstance(value, str) or not value:
                    continue
                at = find_after(prompt, value, call_cursor)
                if at < 0:
                    missing.append(f"message {index}: argument {key} of tool call {function['name']}")
                else:
                    call_cursor = at + len(value)
        cursor = max(cursor, call_cursor)
    return missing


def missing_tools(prompt, body):
    """The tools whose name or first line of description the prompt does not show."""
    missing = []
    for tool in body.get("tools") or []:
        function = tool["function"]
        if find_after(prompt, function["name"], 0) < 0:
            missing.append(f"tool {function['name']}")
            continue
        first_line = (function.get("description") or "").strip().split("\n")[0][:60].strip()
        if first_line and find_after(prompt, first_line, 0) < 0:
            missing.append(f"tool {function['name']}: description {first_line!r}")
    return missing


def first_difference(a, b):
    limit = min(len(a), len(b))
    for i in range(limit):
        if a[i] != b[i]:
            return i
    return limit


def run_conversation(template, spec, conversation):
    object_arguments = conversation["server"] == "llama-server" and requires_object_arguments(template, spec)
    turns, histories, prompts = [], [], []
    for body in conversation["turns"]:
        entry = {"error": None, "missing": [], "missing_tools": [], "chars": 0}
        try:
            messages, tools = prepare(body, conversation["server"], object_arguments)
            prompt = render(template, spec, messages, tools, True)
            history = render(template, spec, messages, tools, False)
            entry["chars"] = len(prompt)
            entry["missing"] = missing_items(prompt, body)
            entry["missing_tools"] = missing_tools(prompt, body)
        except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
            entry["error"] = f"{type(error).__name__}: {error}"
            prompt = history = None
        turns.append(entry)
        prompts.append(prompt)
        histories.append(history)
    breaks = []
    for n in range(len(prompts) - 1):
        earlier, later = histories[n], prompts[n + 1]
        if earlier is None or later is None or later.startswith(earlier):
            continue
        at = first_difference(earlier, later)
        breaks.append({"turn": n, "at": at, "earlier": earlier[max(0, at - 60):at + 60],
                       "later": later[max(0, at - 60):at + 60]})
    return {"turns": turns, "prefix_breaks": breaks, "object_arguments": object_arguments}


def main():
    job = json.load(sys.stdin)
    with open(job["manifest"], encoding="utf-8") as f:
        manifest = json.load(f)
    folder = job["manifest"].rsplit("/", 1)[0] if "/" in job["manifest"] else "."
    results = []
    for spec in manifest["templates"]:
        if job.get("templates") and spec["name"] not in job["templates"]:
            continue
        with open(f"{folder}/{spec['file']}", encoding="utf-8") as f:
            template = compile_template(f.read())
        for conversation in job["conversations"]:
            result = run_conversation(template, spec, conversation)
            result.update({"template": spec["name"], "conversation": conversation["id"]})
            results.append(result)
    json.dump({"jinja2": jinja2.__version__, "results": results}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
