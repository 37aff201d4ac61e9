// Besvar's few behaviours: autosave of the draft editor, in-place block updates, preview refresh, no lost typing.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";
  // A form sent back with errors: focus its summary, so a screen reader reads what to fix first.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();

(function () {
  "use strict";
  if (!document.getElementById("draft")) return;
  // The editor form is swapped in place by htmx after each block button, so every lookup is by id, never kept.
  const $ = (id) => document.getElementById(id);
  let timer = null, dirty = false, busy = false, lastAction = null;

  function setVersion(v) {
    $("version").value = v;
    if ($("submit-version")) $("submit-version").value = v;
  }

  function say(text) { if ($("saved")) $("saved").textContent = text; }

  function refreshPreview() {
    const preview = $("preview");
    if (preview) preview.src = preview.src.replace(/\?v=.*$/, "") + "?v=" + $("version").value + "&t=" + Date.now();
  }

  async function save() {
    if (busy) { timer = setTimeout(save, 500); return; }
    busy = true;
    const form = $("draft");
    const data = new FormData(form);
    data.set("action", "save");
    try {
      const response = await fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" });
      const body = await response.json();
      if (response.ok) {
        setVersion(body.version);
        dirty = false;
        say(body.message);
        refreshPreview();
      } else if (body.conflict) {
        // Keep what the user typed; the next save (button or typing) goes on top of the newer version.
        setVersion(body.version);
        say(body.message);
      } else {
        say(body.message || "Kunne ikke gemme.");
      }
    } catch (err) {
      say("Ikke gemt (ingen forbindelse). Prøver igen …");
      timer = setTimeout(save, 3000);
    } finally {
      busy = false;
    }
  }

  document.addEventListener("input", function (event) {
    if (!event.target.closest("#draft")) return;
    dirty = true;
    say("Ikke gemt endnu …");
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  });

  // Which block button was pressed, so that focus can follow the block after the swap.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("#draft button[name=action]");
    if (button) lastAction = button.value;
  });

  document.body.addEventListener("htmx:confirm", function (event) {
    if (event.target.id !== "draft") return;
    // The form carries everything typed: a pending autosave would only race it for the same version.
    clearTimeout(timer);
    if (busy) {
      event.preventDefault();
      const wait = setInterval(function () { if (!busy) { clearInterval(wait); event.detail.issueRequest(); } }, 100);
    }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "draft") return;
    const xhr = event.detail.xhr;
    if (xhr.responseText.indexOf('id="draft"') === -1) {
      // Not the editor (the login page after a long absence, a refusal): never swap the form away.
      event.detail.shouldSwap = false;
      if (/\/login/.test(xhr.responseURL)) { window.location.href = xhr.responseURL; return; }
      say("Kunne ikke gemme (fejl " + xhr.status + "). Genindlæs siden.");
    }
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt.id === "draft") say("Kunne ikke gemme (fejl " + event.detail.xhr.status + "). Genindlæs siden.");
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt.id === "draft") say("Ikke gemt (ingen forbindelse). Prøv igen.");
  });

  // The element to focus after a block button: the moved block's same button, the new block, or what took its place.
  function focusTarget(action) {
    const [verb, qid, arg] = action.split(":");
    const pos = Number(arg);
    const section = $("q" + qid);
    if (!section) return null;
    const blocks = section.querySelectorAll(".block");
    if (verb === "up" || verb === "down") {
      const to = verb === "up" ? Math.max(pos - 1, 0) : Math.min(pos + 1, blocks.length - 1);
      return section.querySelector('button[value="' + verb + ":" + qid + ":" + to + '"]');
    }
    if (verb === "remove") {
      if (!blocks.length) return section.querySelector('button[value="text:' + qid + '"]');
      return blocks[Math.min(pos, blocks.length - 1)];
    }
    if (verb === "text" || verb === "insert" || verb === "stat" || verb === "bidrag") {
      const last = blocks[blocks.length - 1];
      return last ? (last.querySelector("textarea") || last) : null;
    }
    return null;
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt.id !== "draft" && event.target.id !== "draft") return;
    dirty = false;
    refreshPreview();
    const action = lastAction;
    lastAction = null;
    const el = action && focusTarget(action);
    if (el) {
      el.focus({ preventScroll: true });
      // A new text block holds "Skriv svaret her.": selected, the first keystroke replaces it.
      if (el.tagName === "TEXTAREA" && action.startsWith("text:")) el.select();
      const box = el.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) el.scrollIntoView({ block: "nearest" });
    }
  });

  const submitForm = () => $("submit-form");
  document.addEventListener("submit", async function (event) {
    if (event.target.id === "draft") { dirty = false; return; }
    if (event.target !== submitForm()) return;
    const button = $("submit-button");
    if (button.disabled) { event.preventDefault(); return; }
    button.disabled = true;  // a double click sends one request
    if (dirty) {
      // Save what was typed since the last autosave, then submit that version.
      event.preventDefault();
      clearTimeout(timer);
      await save();
      if (!dirty) submitForm().submit(); else button.disabled = false;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("click", function (event) {
    if (event.target.id === "refresh-preview") refreshPreview();
  });
})();

// A mail dropped anywhere on a card marked data-drop (Ny henvendelse, Indgående): dragged from Outlook (a .msg)
// or the file manager (a .eml), it goes into the card's file field and the form is sent as its first button would.
(function () {
  "use strict";
  const zone = (event) => event.target instanceof Element ? event.target.closest("[data-drop]") : null;
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const card = zone(event);
      if (!card || !event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      event.preventDefault();
      card.classList.add("dropping");
    });
  });
  document.addEventListener("dragleave", function (event) {
    const card = zone(event);
    if (card && !card.contains(event.relatedTarget)) card.classList.remove("dropping");
  });
  document.addEventListener("drop", function (event) {
    const card = zone(event);
    if (!card || !event.dataTransfer || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    card.classList.remove("dropping");
    const input = card.querySelector("input[type=file]");
    if (!input) return;
    input.files = event.dataTransfer.files;
    const button = card.querySelector("button[type=submit]");
    input.form.requestSubmit(button || undefined);
  });
})();

// The formatting buttons above a text block: they write the same plain marks a user can type (**fed**, "- "),
// so the text stays text and the form works the same without JavaScript (the buttons are hidden then).
(function () {
  document.querySelectorAll(".format[hidden]").forEach((bar) => { bar.hidden = false; });
  document.body.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".format[hidden]").forEach((bar) => { bar.hidden = false; });
  });
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-format]") : null;
    if (!button) return;
    const area = document.getElementById(button.closest(".format").dataset.for);
    if (!area) return;
    const start = area.selectionStart, end = area.selectionEnd, text = area.value;
    const kind = button.dataset.format;
    let before = text.slice(0, start), middle = text.slice(start, end), after = text.slice(end);
    if (kind === "bold" || kind === "italic") {
      const mark = kind === "bold" ? "**" : "*";
      middle = mark + (middle || (kind === "bold" ? "fed tekst" : "kursiv tekst")) + mark;
    } else {
      // Whole lines: from the start of the first selected line to the end of the last.
      const lineStart = before.lastIndexOf("\n") + 1;
      middle = before.slice(lineStart) + middle;
      before = before.slice(0, lineStart);
      const lines = (middle || "").split("\n");
      middle = lines.map((line, i) => (kind === "bullet" ? "- " : (i + 1) + ". ") + line.replace(/^\s*(?:[-*•–]|\d{1,3}[.)])\s+/, "")).join("\n");
    }
    area.value = before + middle + after;
    area.focus();
    area.setSelectionRange(before.length, before.length + middle.length);
    area.dispatchEvent(new Event("input", { bubbles: true }));  // autosave sees it as typing
  });
})();
