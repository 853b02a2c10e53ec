"""Content: editors change the legal FAQ, benefits, intent keywords, replies and menu in forms, try a worker's
message against the edit, and see or roll back every saved version.

Every rule (the checks, versions, where files go, retraining) is bot/services/content_editing.py's; these
views turn forms into its calls and its refusals into the editor's words.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console.web import console, record, requires, runtime, say, staff
from bot.services import content_editing as editing
from bot.services.content_editing import BENEFITS, FAQ, INTENTS, MENU, ContentRefused

# (field, label, kind) of the entry forms: text is one line, area several, lines one item a line.
FAQ_FIELDS = [("question", "标准问法", "text"), ("aliases", "其他问法（一行一个）", "lines"),
              ("answer", "回答", "area"), ("citations", "法律依据（一行一条）", "lines")]
BENEFIT_FIELDS = [("name", "名称", "text"), ("aliases", "职工常说的词（一行一个）", "lines"),
                  ("summary", "简介", "area"), ("eligibility", "谁能享受", "area"),
                  ("how_to", "怎么办理（一行一步）", "lines"), ("where", "地点", "text"), ("contact", "联系方式", "text")]


def _service() -> editing.ContentEditing:
    return runtime().content_editing


def _save(path: str, text: str, summary: str, base: str | None):
    """Save through the service; on refusal flash the reason and return (None, problems)."""
    try:
        version = _service().save(path, text, staff().username, summary, base=base)
    except ContentRefused as refused:
        flash(say(refused.reason, **refused.values), "error")
        return None, refused.problems
    record("content.save", path, version=version.id, summary=summary)
    flash(say("content_saved", number=version.id), "success")
    return version, []


def _refused_page(refused: ContentRefused, template: str, **values):
    flash(say(refused.reason, **refused.values), "error")
    return render_template(template, problems=refused.problems, **values), 422


@console.route("/content")
@requires("content")
def content_home():
    """What editors can change, with the newest version of each file."""
    service = _service()
    documents = [(path, (service.versions(path, limit=1) or [None])[0]) for path in service.documents()]
    return render_template("console/content_home.html", documents=documents, FAQ=FAQ, BENEFITS=BENEFITS,
                           INTENTS=INTENTS, MENU=MENU)


# ---- the legal FAQ and the benefits: one entry at a time ---------------------------------------------

@console.route("/content/faq")
@requires("content")
def content_faq():
    """The FAQ entries, and the test box."""
    return render_template("console/content_list.html", title="法律问答", path=FAQ, kind="faq",
                           rows=[(e["id"], e["question"], e["topic"]) for e in _service().faq_entries()],
                           edit_endpoint="console.content_faq_entry")


@console.route("/content/benefits")
@requires("content")
def content_benefits():
    """The benefits of the catalogue."""
    return render_template("console/content_list.html", title="福利目录", path=BENEFITS, kind="benefit",
                           rows=[(i["id"], i["name"], i["category"]) for i in _service().benefit_items()],
                           edit_endpoint="console.content_benefit_item")


ENTRY_KINDS = {
    # kind: (file, fields, title, what the service reads, what it writes)
    "faq": (FAQ, FAQ_FIELDS, "法律问答", "faq_entry", "edited_faq"),
    "benefit": (BENEFITS, BENEFIT_FIELDS, "福利目录", "benefit_item", "edited_benefit"),
}


def _entry_page(kind: str, entry_id: str):
    path, fields, title, read, edit = ENTRY_KINDS[kind]
    service = _service()
    if request.method == "GET":
        entry = getattr(service, read)(entry_id)
        if entry is None:
            abort(404)
        return render_template("console/content_entry.html", kind=kind, title=title, path=path, fields=fields,
                               entry=entry, entry_id=entry_id, base=editing.digest(service.read(path)), problems=[])
    form = request.form
    entry = {"id": entry_id, **{name: form.get(name, "") for name, _, _ in fields}}
    try:
        text = getattr(service, edit)(entry_id, form)
    except ContentRefused as refused:
        return _refused_page(refused, "console/content_entry.html", kind=kind, title=title, path=path,
                             fields=fields, entry=entry, entry_id=entry_id, base=form.get("base"))
    summary = say(f"content_summary_{kind}", entry=entry_id)
    version, problems = _save(path, text, summary, form.get("base"))
    if version is None:
        return render_template("console/content_entry.html", kind=kind, title=title, path=path, fields=fields,
                               entry=entry, entry_id=entry_id, base=form.get("base"), problems=problems), 422
    return redirect(request.path)


@console.route("/content/faq/<entry_id>", methods=["GET", "POST"])
@requires("content")
def content_faq_entry(entry_id: str):
    """Edit one FAQ entry (question, other ways to ask, answer, legal basis)."""
    return _entry_page("faq", entry_id)


@console.route("/content/benefits/<entry_id>", methods=["GET", "POST"])
@requires("content")
def content_benefit_item(entry_id: str):
    """Edit one benefit's words."""
    return _entry_page("benefit", entry_id)


# ---- the intent keywords ----------------------------------------------------------------------------------

@console.route("/content/keywords")
@requires("content")
def content_keywords():
    """The intents with their keyword counts, the learned model's state, and the test box."""
    return render_template("console/content_keywords.html", intents=_service().intents(), path=INTENTS,
                           status=_service().model_status())


@console.route("/content/keywords/status")
@requires("content")
def content_model_status():
    """The learned model's state (htmx polls it while a retrain runs)."""
    return render_template("console/_model_status.html", status=_service().model_status())


def _pairs(form, prefix: str) -> list[tuple[str, str]]:
    return list(zip(form.getlist(f"{prefix}phrase"), form.getlist(f"{prefix}weight")))


@console.route("/content/keywords/<name>", methods=["GET", "POST"])
@requires("content")
def content_intent(name: str):
    """Edit an intent's keywords (phrase and weight) and the words that argue against it."""
    service = _service()
    if request.method == "GET":
        spec = service.intent_keywords(name)
        if spec is None:
            abort(404)
        return render_template("console/content_intent.html", spec=spec, path=INTENTS, problems=[],
                               base=editing.digest(service.read(INTENTS)), status=service.model_status())
    form = request.form
    spec = {"name": name, "label": form.get("label", name), "keywords": _pairs(form, ""),
            "against": _pairs(form, "against_")}
    values = dict(spec=spec, path=INTENTS, base=form.get("base"), status=service.model_status())
    try:
        text = service.edited_intent(name, spec["keywords"], spec["against"])
    except ContentRefused as refused:
        return _refused_page(refused, "console/content_intent.html", **values)
    version, problems = _save(INTENTS, text, say("content_summary_intent", entry=name), form.get("base"))
    if version is None:
        return render_template("console/content_intent.html", problems=problems, **values), 422
    flash(say("content_retraining"), "info")
    return redirect(request.path)


# ---- replies and the menu -------------------------------------------------------------------------------------

@console.route("/content/replies", methods=["GET", "POST"])
@requires("content")
def content_replies():
    """Edit the sentences of one replies file (?file=replies/legal.yaml)."""
    service = _service()
    path = request.values.get("file") or "replies.yaml"
    if path not in service.documents() or not (path == "replies.yaml" or path.startswith("replies/")):
        abort(404)
    files = [p for p in service.documents() if p == "replies.yaml" or p.startswith("replies/")]
    if request.method == "GET":
        return render_template("console/content_replies.html", path=path, files=files, problems=[],
                               texts=service.reply_texts(path), base=editing.digest(service.read(path)))
    form = request.form
    texts = {key[2:]: value for key, value in form.items() if key.startswith("r:")}
    changed = [key for key, text in service.reply_texts(path)
               if key in texts and " ".join(text.split()) != " ".join(texts[key].split())]
    summary = say("content_summary_replies", keys="、".join(changed[:5]) + ("…" if len(changed) > 5 else ""))
    version, problems = _save(path, service.edited_replies(path, texts), summary, form.get("base"))
    if version is None:
        shown = [(key, texts.get(key, text)) for key, text in service.reply_texts(path)]
        return render_template("console/content_replies.html", path=path, files=files, problems=problems,
                               texts=shown, base=form.get("base")), 422
    return redirect(url_for("console.content_replies", file=path))


@console.route("/content/menu", methods=["GET", "POST"])
@requires("content")
def content_menu():
    """Edit the WeChat menu (YAML, checked against WeChat's limits before it is saved)."""
    service = _service()
    if request.method == "GET":
        text = service.read(MENU)
        return render_template("console/content_menu.html", text=text, base=editing.digest(text), problems=[],
                               path=MENU)
    text = (request.form.get("text") or "").replace("\r\n", "\n")
    version, problems = _save(MENU, text, say("content_summary_menu"), request.form.get("base"))
    if version is None:
        return render_template("console/content_menu.html", text=text, base=request.form.get("base"),
                               problems=problems, path=MENU), 422
    return redirect(url_for("console.content_menu"))


# ---- versions ------------------------------------------------------------------------------------------------

@console.route("/content/history")
@requires("content")
def content_history():
    """Every saved version of one file (?path=legal/faq.yaml), newest first."""
    path = request.args.get("path", "")
    if path not in _service().documents():
        abort(404)
    return render_template("console/content_history.html", path=path, versions=_service().versions(path))


@console.route("/content/versions/<int:version_id>")
@requires("content")
def content_version(version_id: int):
    """What one version changed (a diff against the one before it)."""
    found = _service().version(version_id)
    if found is None or found[0].path not in _service().documents():
        abort(404)
    return render_template("console/content_version.html", version=found[0], diff=_service().diff(version_id),
                           newest=_service().versions(found[0].path, limit=1)[0])


@console.route("/content/versions/<int:version_id>/restore", methods=["POST"])
@requires("content")
def content_restore(version_id: int):
    """Serve an earlier version again (a new version, checked and audited like any save)."""
    try:
        version = _service().restore(version_id, staff().username, say("content_summary_restore", number=version_id))
    except ContentRefused as refused:
        flash(say(refused.reason, **refused.values), "error")
        for problem in refused.problems[:5]:
            flash(problem, "error")
        return redirect(url_for("console.content_version", version_id=version_id))
    record("content.restore", version.path, version=version.id, restored_from=version_id)
    flash(say("content_restored", number=version_id, new=version.id), "success")
    return redirect(url_for("console.content_history", path=version.path))


# ---- the test box ---------------------------------------------------------------------------------------------

@console.route("/content/try", methods=["POST"])
@requires("content")
def content_try():
    """What the bot would make of a worker's message, with the saved content and, if given, the unsaved edit."""
    form = request.form
    message = (form.get("message") or "").strip()[:500]
    if not message:
        return render_template("console/_content_try.html", saved=None, draft=None)
    service = _service()
    draft = None
    try:
        kind, entry_id = form.get("kind"), form.get("entry_id", "")
        if kind == "faq" and entry_id:
            draft = {FAQ: service.edited_faq(entry_id, form)}
        elif kind == "intent" and entry_id:
            draft = {INTENTS: service.edited_intent(entry_id, _pairs(form, ""), _pairs(form, "against_"))}
    except ContentRefused:
        draft = None  # a half-typed weight: show the saved reading only
    saved = service.try_message(message)
    unsaved = service.try_message(message, draft) if draft and any(
        text != service.read(path) for path, text in draft.items()) else None
    return render_template("console/_content_try.html", saved=saved, draft=unsaved)
