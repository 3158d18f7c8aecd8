"""The Gradio web app: Chat, Compare, Changes, Watches and Record tabs over the Python API.

The only module that imports gradio. All markup comes from ``assistant.ui_html``, which escapes
every piece of data; chat bubbles render as HTML without Markdown, so policy text shows as text.
One conversation per browser session lives in a ``gr.State``; the queue runs several events at
once while calls into the assistant, which is not built for concurrent use, take a lock.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no phone-home
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import logging  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from assistant import (  # noqa: E402
    Answer,
    Assistant,
    PolicyAssistantError,
    Session,
    clean_question,
)
from assistant import ui_html as H  # noqa: E402
from assistant.login_throttle import ATTEMPTS  # noqa: E402

log = logging.getLogger(__name__)

# Clicks on anything carrying data-record (citation cards, table cells, similar clauses) open
# that record. Delegated on the component's root, so it survives every re-render of the value.
RECORD_CLICK_JS = """
element.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-record]');
  if (!el) return;
  ev.preventDefault();
  trigger('click', {record: el.getAttribute('data-record')});
});
"""

CSS = """
.pa-focus {font-size: 0.95em; color: var(--body-text-color-subdued); padding: 4px 0;}
.pa-cards details.pa-card {border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 6px 10px; margin: 6px 0; background: var(--background-fill-secondary);}
.pa-card summary {cursor: pointer;}
.pa-n {font-weight: 700;}
button.pa-rec {font-family: var(--font-mono); font-size: 0.85em; border: 1px solid
  var(--color-accent); border-radius: 4px; padding: 0 4px; color: var(--color-accent);
  background: transparent; cursor: pointer; white-space: nowrap;}
.pa-section {font-size: 0.85em; color: var(--body-text-color-subdued); margin: 4px 0;}
blockquote.pa-clause {margin: 6px 0; padding-left: 10px; border-left: 3px solid
  var(--border-color-accent); white-space: normal;}
mark.pa-quote {background: #fde68a; color: #111;}
table.pa-table, table.pa-fields {border-collapse: collapse; width: 100%;}
table.pa-table td, table.pa-table th, table.pa-fields td, table.pa-fields th {
  border: 1px solid var(--border-color-primary); padding: 4px 6px; vertical-align: top;
  text-align: left;}
tr.pa-silent td {color: var(--body-text-color-subdued);}
.pa-error {color: var(--error-text-color, #b91c1c); padding: 6px 0;}
.pa-sev {border-radius: 4px; padding: 0 5px; font-size: 0.85em; font-weight: 600;}
.pa-sev-high {background: #fecaca; color: #7f1d1d;} .pa-sev-medium {background: #fde68a;
  color: #78350f;} .pa-sev-low {background: #e5e7eb; color: #111827;}
table.pa-figures td {text-align: center; padding: 4px 12px;}
.pa-fig {font-size: 1.4em; font-weight: 700;}
.pa-reason, .pa-reg-title, .pa-reg-why {font-size: 0.85em; color: var(--body-text-color-subdued);}
.pa-notice {font-size: 0.9em; font-style: italic;}
pre.pa-cite-plain, pre.pa-cite-bibtex {white-space: pre-wrap; font-size: 0.85em;}
"""

UNEXPECTED = "Something went wrong; the error has been logged."  # a bug, not the user's input
PREFERRED_EXAMPLES = ["Spotify", "Coursera", "Zoom", "Discord", "Streamly", "Learnify",
                      "Chatterbox"]
STREAM_STEPS = 2  # a finished answer is revealed in this many steps


def _examples(names: list[str]) -> list[str]:
    chosen = [n for n in PREFERRED_EXAMPLES if n in names] + [n for n in names
                                                              if n not in PREFERRED_EXAMPLES]
    a, b = (chosen + ["Spotify", "Zoom"])[:2]
    return [f"Can {a} terminate my account without notice?",
            f"What about {b}?",
            f"Does {a} sell my personal data?",
            f"Compare {a} and {b} on arbitration",
            "help"]


class WebUI:
    """Builds the Blocks app around one Assistant; tests and `serve` share this path."""

    def __init__(self, assistant: Assistant, examples: list[str] | None = None,
                 export_dir: Path | None = None):
        self.a = assistant
        self.lock = threading.Lock()
        self.names: dict[str, str] = dict(assistant.platform_names())
        self.doc_types: list[str] = list(assistant.store.doc_types())
        self.examples = examples or _examples(list(self.names.values()))
        self.export_dir = Path(export_dir or tempfile.mkdtemp(prefix="pa-export-"))

    # ---- calls into the assistant ---------------------------------------------------------

    def _lookup(self, record_id: str) -> Any:
        try:
            return self.a.record(record_id)
        except PolicyAssistantError:
            return None

    def new_state(self) -> dict[str, Any]:
        return {"session": self._new_session(), "messages": [], "cards": {}}

    def _new_session(self) -> str:
        return Session().to_json()

    def answer(self, state: dict[str, Any], message: str, platforms: list[str],
               doc_types: list[str]) -> Answer:
        """One turn of the conversation (the platform filter is its focus, set_focus)."""
        with self.lock:
            session = Session.from_json(state["session"])
            session.doc_types = list(doc_types or [])
            answer = self.a.chat(session, message)
            state["session"] = session.to_json()
            return answer

    def set_focus(self, state: dict[str, Any], platforms: list[str]) -> dict[str, Any]:
        """The platform filter, chosen by the user, becomes the conversation's focus."""
        session = Session.from_json(state["session"])
        session.platforms = list(platforms or [])
        session.mentioned = list(platforms or [])
        state = {**state, "session": session.to_json()}
        return state

    # ---- event handlers --------------------------------------------------------------------

    def respond(self, message: str, state: dict[str, Any], platforms: list[str],
                doc_types: list[str]) -> Iterator[tuple[Any, ...]]:
        message = (message or "").strip()
        if not message:
            yield (gr.skip(),) * 6
            return
        try:
            clean_question(message)
        except PolicyAssistantError as exc:  # refused as it stands: it stays in the box only
            yield gr.skip(), gr.skip(), gr.skip(), H.error_box(str(exc)), gr.skip(), gr.skip()
            return
        state = {**state, "messages": list(state["messages"]), "cards": dict(state["cards"])}
        msgs = state["messages"]
        msgs.append({"role": "user", "content": H.text_block(message)})
        msgs.append({"role": "assistant", "content": "Searching…"})
        yield list(msgs), "", state, gr.skip(), gr.skip(), gr.skip()
        try:
            answer = self.answer(state, message, platforms, doc_types)
        except PolicyAssistantError as exc:
            msgs[-1] = {"role": "assistant", "content": H.error_box(str(exc))}
            yield msgs, "", state, "", H.error_box(str(exc)), gr.skip()
            return
        except Exception:  # an unexpected failure must not take the session down
            log.exception("answer failed for %r", message[:200])
            msgs[-1] = {"role": "assistant", "content": H.error_box(UNEXPECTED)}
            yield msgs, "", state, "", H.error_box(UNEXPECTED), gr.skip()
            return
        with self.lock:
            cards = H.citation_cards(answer, self._lookup)
        focus = H.focus_line(answer.focus)  # it names the document types searched
        if answer.route in ("ask", "help", "record"):
            words = re.split(r"(\s+)", answer.text)
            step = max(1, len(words) // STREAM_STEPS)
            for i in range(step, len(words), step):
                msgs[-1] = {"role": "assistant", "content": H.text_block("".join(words[:i]))}
                yield list(msgs), "", state, focus, gr.skip(), gr.skip()
        msgs[-1] = {"role": "assistant", "content": H.answer_bubble(answer)}
        state["cards"][str(len(msgs) - 1)] = cards
        new_filter = (gr.update(value=[p for p in answer.platforms if p in self.names])
                      if answer.route in ("ask", "compare") else gr.skip())
        yield msgs, "", state, focus, cards, new_filter

    def select_message(self, state: dict[str, Any], evt: gr.SelectData) -> Any:
        index = evt.index if isinstance(evt.index, int) else (evt.index or [0])[0]
        cards = state["cards"].get(str(index)) or state["cards"].get(str(index + 1))
        return cards if cards is not None else gr.skip()

    def reset(self) -> tuple[Any, ...]:
        return [], "", self.new_state(), "", "", [], []

    def clear_chat(self) -> tuple[Any, ...]:
        """The chat's own bin icon: like reset, but what is being typed stays in the box."""
        return [], self.new_state(), "", "", [], []

    def open_record(self, record_id: str) -> tuple[str, str]:
        rid = (record_id or "").strip()
        try:
            with self.lock:
                view = self.a.record(rid)
            return rid, H.record_page(view)
        except PolicyAssistantError as exc:
            return rid, H.error_box(str(exc))
        except Exception:  # never a traceback for the user; the log has it
            log.exception("opening record %r failed", rid[:200])
            return rid, H.error_box(UNEXPECTED)

    def click_record(self, evt: gr.EventData) -> tuple[Any, ...]:
        rid = str(getattr(evt, "_data", {}).get("record", "") if evt else "")
        rid_out, page = self.open_record(rid)
        return gr.Tabs(selected="record"), rid_out, page

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        rid = request.query_params.get("record", "") if request else ""
        if not rid:
            return gr.skip(), gr.skip(), gr.skip()
        rid_out, page = self.open_record(rid)
        return gr.Tabs(selected="record"), rid_out, page

    def run_compare(self, platforms: list[str], topic: str, category: str) -> tuple[Any, ...]:
        topic = (topic or "").strip() or (category or "").strip()
        none = gr.DownloadButton(value=None, interactive=False)
        try:
            with self.lock:
                answer = self.a.compare(topic, list(platforms or []))
        except PolicyAssistantError as exc:
            return "", H.error_box(str(exc)), "", none, none
        except Exception:
            log.exception("comparison failed for %r", topic[:200])
            return "", H.error_box(UNEXPECTED), "", none, none
        rows = answer.table
        rest = answer.text.split("\n\n", 1)[1] if "\n\n" in answer.text else ""
        slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:40] or "comparison"
        stem = self.export_dir / f"comparison-{slug}-{uuid.uuid4().hex[:8]}"
        csv_path, md_path = stem.with_suffix(".csv"), stem.with_suffix(".md")
        csv_path.write_text(H.table_csv(rows), encoding="utf-8")
        md_path.write_text(H.table_markdown(rows, answer.focus), encoding="utf-8")
        return (H.focus_line(answer.focus), H.compare_table(rows),
                f"<p>{H.text_block(rest)}</p>",
                gr.DownloadButton(value=str(csv_path), interactive=True),
                gr.DownloadButton(value=str(md_path), interactive=True))

    def run_changes(self, platform: str, wording_only: bool) -> str:
        """A platform's change records between tracked versions, newest pair last."""
        if not platform:
            return H.error_box("Pick a platform.")
        try:
            with self.lock:
                records = self.a.changes(platform)
        except PolicyAssistantError as exc:
            return H.error_box(str(exc))
        except Exception:
            log.exception("changes failed for %r", str(platform)[:200])
            return H.error_box(UNEXPECTED)
        if wording_only:
            records = [r for r in records if r.kind != "formatting"]
        return H.changes_list(records, self.names.get(platform, platform))

    # ---- watches and the digest -------------------------------------------------------------

    def watches_view(self) -> str:
        from assistant.ui_monitor import watches_html

        try:
            with self.lock:
                return watches_html(self.a.watches())
        except PolicyAssistantError as exc:
            return H.error_box(str(exc))

    def watch_add(self, platform: str, doc_type: str, category: str) -> tuple[str, str]:
        if not platform:
            return self.watches_view(), H.error_box("Pick a platform to watch.")
        try:
            with self.lock:
                w = self.a.add_watch(platform, doc_type or "", category or "")
        except PolicyAssistantError as exc:
            return self.watches_view(), H.error_box(str(exc))
        return self.watches_view(), (f'<p class="pa-ok">Watching {H.e(w.describe())} '
                                     f"(watch {w.watch_id}).</p>")

    def watch_remove(self, watch_id: float | None) -> tuple[str, str]:
        if watch_id is None:
            return self.watches_view(), H.error_box("Give the number of the watch to remove.")
        try:
            with self.lock:
                w = self.a.remove_watch(int(watch_id))
        except PolicyAssistantError as exc:
            return self.watches_view(), H.error_box(str(exc))
        return self.watches_view(), (f'<p class="pa-ok">Stopped watch {w.watch_id}: '
                                     f"{H.e(w.describe())}.</p>")

    def show_digest(self, since: str) -> str:
        """The watched changes, from a date or since the last `digest` (the app only reads:
        it never moves the command line's mark)."""
        import argparse

        from assistant.commands.changes import iso_date
        from assistant.ui_monitor import digest_html

        since = (since or "").strip()
        try:
            day = iso_date(since) if since else None
            with self.lock:
                return digest_html(self.a.digest(since=day))
        except argparse.ArgumentTypeError as exc:
            return H.error_box(str(exc))
        except PolicyAssistantError as exc:
            return H.error_box(str(exc))

    # ---- layout ----------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        plat_choices = [(n, pid) for pid, n in sorted(self.names.items(), key=lambda x: x[1])]
        try:
            from corpus.taxonomy import load_taxonomy

            categories = [c.name for c in load_taxonomy()]
            category_slugs = [(c.name, c.slug) for c in load_taxonomy()]
        except Exception:  # the taxonomy is optional for the UI
            categories, category_slugs = [], []
        counts = self.a.store.counts()
        with gr.Blocks(title="Policy assistant", analytics_enabled=False) as demo:
            gr.HTML(f"<h2>Policy assistant</h2><p>Cited answers from "
                    f"{counts.get('clauses', 0):,} clauses of "
                    f"{counts.get('platforms', len(self.names)):,} platforms' terms and "
                    "policies. Every claim cites a record ID you can open.</p>",
                    js_on_load=None)
            state = gr.State(self.new_state())
            with gr.Tabs() as tabs:
                with gr.Tab("Chat", id="chat"):
                    with gr.Row():
                        f_plat = gr.Dropdown(plat_choices, multiselect=True, value=[],
                                             label="Platforms (empty: named in the question)",
                                             elem_id="pa-filter-platforms")
                        f_docs = gr.Dropdown(self.doc_types, multiselect=True, value=[],
                                             label="Document types (empty: all)",
                                             elem_id="pa-filter-doctypes")
                    with gr.Row():
                        with gr.Column(scale=3):
                            chat = gr.Chatbot(label="Conversation", render_markdown=False,
                                              sanitize_html=True, latex_delimiters=[],
                                              height=460, elem_id="pa-chat", buttons=["copy"],
                                              feedback_options=None)
                            focus = gr.HTML("", elem_id="pa-focus", js_on_load=None)
                            with gr.Row():
                                msg = gr.Textbox(placeholder="Ask about a platform's terms…",
                                                 show_label=False, scale=5, elem_id="pa-input",
                                                 max_lines=4)
                                send = gr.Button("Ask", variant="primary", scale=1,
                                                 elem_id="pa-send")
                                reset = gr.Button("Reset", scale=1, elem_id="pa-reset")
                            gr.Examples(self.examples, inputs=msg, label="Example questions")
                        with gr.Column(scale=2):
                            gr.Markdown("**Citations** (click a record ID to open it)")
                            sources = gr.HTML("", elem_id="pa-sources",
                                              js_on_load=RECORD_CLICK_JS)
                with gr.Tab("Compare", id="compare"):
                    with gr.Row():
                        c_plat = gr.Dropdown(plat_choices, multiselect=True, value=[],
                                             label="Platforms", elem_id="pa-cmp-platforms")
                        c_cat = gr.Dropdown(categories, value=None, label="Category",
                                            elem_id="pa-cmp-category")
                        c_topic = gr.Textbox(label="Topic (free text; overrides the category)",
                                             elem_id="pa-cmp-topic")
                    c_go = gr.Button("Compare", variant="primary", elem_id="pa-cmp-go")
                    c_focus = gr.HTML("", js_on_load=None, elem_id="pa-cmp-focus")
                    c_table = gr.HTML("", elem_id="pa-cmp-table", js_on_load=RECORD_CLICK_JS)
                    c_diff = gr.HTML("", elem_id="pa-cmp-diff", js_on_load=None)
                    with gr.Row():
                        c_csv = gr.DownloadButton("Export CSV", interactive=False,
                                                  elem_id="pa-cmp-csv")
                        c_md = gr.DownloadButton("Export Markdown", interactive=False,
                                                 elem_id="pa-cmp-md")
                with gr.Tab("Changes", id="changes"):
                    with gr.Row():
                        ch_plat = gr.Dropdown(plat_choices, value=None, label="Platform",
                                              elem_id="pa-chg-platform")
                        ch_wording = gr.Checkbox(True, label="Wording changes only",
                                                 elem_id="pa-chg-wording")
                        ch_go = gr.Button("Show changes", variant="primary",
                                          elem_id="pa-chg-go")
                    ch_list = gr.HTML("", elem_id="pa-changes", js_on_load=RECORD_CLICK_JS)
                with gr.Tab("Watches", id="watches") as watches_tab:
                    with gr.Row():
                        w_plat = gr.Dropdown(plat_choices, value=None, label="Platform",
                                             elem_id="pa-watch-platform")
                        w_doc = gr.Dropdown(self.doc_types, value=None,
                                            label="Document type (empty: all)",
                                            elem_id="pa-watch-doctype")
                        w_cat = gr.Dropdown(category_slugs, value=None,
                                            label="Category (empty: all; needs clause labels)",
                                            elem_id="pa-watch-category")
                        w_add = gr.Button("Add watch", variant="primary", elem_id="pa-watch-add")
                    w_msg = gr.HTML("", elem_id="pa-watch-msg", js_on_load=None)
                    w_list = gr.HTML(self.watches_view(), elem_id="pa-watches", js_on_load=None)
                    with gr.Row():
                        w_id = gr.Number(label="Watch to remove", precision=0,
                                         elem_id="pa-watch-id")
                        w_rm = gr.Button("Remove watch", elem_id="pa-watch-remove")
                    with gr.Row():
                        d_since = gr.Textbox(label="Digest from (YYYY-MM-DD; empty: what "
                                             "arrived since the last `digest`)",
                                             elem_id="pa-digest-since", scale=4)
                        d_go = gr.Button("Show digest", variant="primary", scale=1,
                                         elem_id="pa-digest-go")
                    d_out = gr.HTML("", elem_id="pa-digest", js_on_load=RECORD_CLICK_JS)
                with gr.Tab("Record", id="record"):
                    with gr.Row():
                        r_id = gr.Textbox(label="Record ID", scale=4, elem_id="pa-rec-id")
                        r_go = gr.Button("Open", scale=1, elem_id="pa-rec-go")
                    r_page = gr.HTML("", elem_id="pa-record", js_on_load=RECORD_CLICK_JS)

            ask_out = [chat, msg, state, focus, sources, f_plat]
            # api_name=False makes an endpoint private; gradio still honours it but its
            # stubs say str | None, hence the ignores below.
            for trigger in (msg.submit, send.click):
                trigger(self.respond, [msg, state, f_plat, f_docs], ask_out,
                        api_name="ask" if trigger == send.click else False)  # type: ignore[arg-type]
            f_plat.input(self.set_focus, [state, f_plat], state, api_name=False)  # type: ignore[arg-type]
            chat.select(self.select_message, state, sources, api_name=False)  # type: ignore[arg-type]
            reset_out = [chat, msg, state, focus, sources, f_plat, f_docs]
            reset.click(self.reset, None, reset_out, api_name="reset")
            chat.clear(self.clear_chat, None, [c for c in reset_out if c is not msg],
                       api_name=False)  # type: ignore[arg-type]
            nav = [tabs, r_id, r_page]
            ch_go.click(self.run_changes, [ch_plat, ch_wording], ch_list, api_name="changes")
            watches_tab.select(self.watches_view, None, w_list, api_name=False)  # type: ignore[arg-type]
            w_add.click(self.watch_add, [w_plat, w_doc, w_cat], [w_list, w_msg],
                        api_name="watch_add")
            w_rm.click(self.watch_remove, w_id, [w_list, w_msg], api_name="watch_remove")
            d_go.click(self.show_digest, d_since, d_out, api_name="digest")
            for html in (sources, c_table, r_page, ch_list, d_out):
                html.click(self.click_record, None, nav, api_name=False)  # type: ignore[arg-type]
            r_go.click(self.open_record, r_id, [r_id, r_page], api_name="record")
            r_id.submit(self.open_record, r_id, [r_id, r_page], api_name=False)  # type: ignore[arg-type]
            c_go.click(self.run_compare, [c_plat, c_topic, c_cat],
                       [c_focus, c_table, c_diff, c_csv, c_md], api_name="compare")
            demo.load(self.on_load, None, nav, api_name=False)
        return demo


def theme() -> Any:
    """The default theme on system fonts: no font is fetched from the internet."""
    return gr.themes.Default(font=["system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def build_app(assistant: Assistant, examples: list[str] | None = None,
              concurrency: int = 4) -> gr.Blocks:
    demo = WebUI(assistant, examples).build()
    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860,
           auth: list[tuple[str, str]] | None = None, block: bool = True,
           quiet: bool = False, login_attempts: int = ATTEMPTS) -> Any:
    """Serve the app. Loopback unless told otherwise; no share link, MCP, PWA or monitoring.
    With a login, a client that fails ``login_attempts`` logins in a minute is refused for a
    while (assistant/login_throttle.py)."""
    from starlette.middleware import Middleware

    from assistant.login_throttle import LoginThrottle

    middleware = [Middleware(LoginThrottle, attempts=login_attempts)] if auth else []
    return demo.launch(server_name=host, server_port=port, auth=auth or None, share=False,
                       prevent_thread_lock=not block, ssr_mode=False, quiet=quiet,
                       show_error=False, mcp_server=False, pwa=False, enable_monitoring=False,
                       strict_cors=True, theme=theme(), css=CSS, footer_links=["api"],
                       auth_message="Log in to the policy assistant." if auth else None,
                       app_kwargs={"middleware": middleware})


def wait(demo: gr.Blocks) -> None:
    """Block until the server launched with ``block=False`` stops (Ctrl-C)."""
    demo.block_thread()
