// Besvar's few behaviours: autosave of the draft editor, preview refresh, no lost typing.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";
  // A form sent back with errors: focus its summary, so a screen reader reads what to fix first.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();

(function () {
  "use strict";
  const form = document.getElementById("draft");
  if (!form) return;
  const saved = document.getElementById("saved");
  const version = document.getElementById("version");
  const submitVersion = document.getElementById("submit-version");
  const preview = document.getElementById("preview");
  let timer = null, dirty = false, busy = false;

  function refreshPreview() {
    if (preview) preview.src = preview.src.replace(/\?v=.*$/, "") + "?v=" + version.value + "&t=" + Date.now();
  }

  async function save() {
    if (busy) { timer = setTimeout(save, 500); return; }
    busy = true;
    const data = new FormData(form);
    data.set("action", "save");
    try {
      const response = await fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" });
      const body = await response.json();
      if (response.ok) {
        version.value = body.version;
        if (submitVersion) submitVersion.value = body.version;
        dirty = false;
        saved.textContent = body.message;
        refreshPreview();
      } else if (body.conflict) {
        // Keep what the user typed; the next save (button or typing) goes on top of the newer version.
        version.value = body.version;
        if (submitVersion) submitVersion.value = body.version;
        saved.textContent = body.message;
      } else {
        saved.textContent = body.message || "Kunne ikke gemme.";
      }
    } catch (err) {
      saved.textContent = "Ikke gemt (ingen forbindelse). Prøver igen …";
      timer = setTimeout(save, 3000);
    } finally {
      busy = false;
    }
  }

  form.addEventListener("input", function () {
    dirty = true;
    saved.textContent = "Ikke gemt endnu …";
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  });
  form.addEventListener("submit", function () { dirty = false; });
  const submitForm = document.getElementById("submit-form");
  if (submitForm) {
    submitForm.addEventListener("submit", async function (event) {
      const button = document.getElementById("submit-button");
      if (button.disabled) { event.preventDefault(); return; }
      button.disabled = true;  // a double click sends one request
      if (dirty) {
        // Save what was typed since the last autosave, then submit that version.
        event.preventDefault();
        clearTimeout(timer);
        await save();
        if (!dirty) submitForm.submit(); else button.disabled = false;
      }
    });
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  const refresh = document.getElementById("refresh-preview");
  if (refresh) refresh.addEventListener("click", refreshPreview);
})();
