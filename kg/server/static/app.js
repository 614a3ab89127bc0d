// diplo-kg UI: small conveniences on top of pages that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const picker = document.getElementById("example");
  const editor = document.getElementById("query");
  const data = document.getElementById("examples-data");
  const form = document.getElementById("query-form");
  if (picker && editor && data) {
    const examples = JSON.parse(data.textContent);
    const loadButton = document.getElementById("load-example");
    if (loadButton) loadButton.hidden = true;
    picker.addEventListener("change", () => {
      const chosen = document.getElementById("example-chosen");
      if (chosen) chosen.value = picker.value;
      if (examples[picker.value] !== undefined) {
        editor.value = examples[picker.value];
        editor.focus();
      }
    });
  }
  if (editor && form) {
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    // Downloads send the query currently in the editor, even if edited since the last run.
    document.querySelectorAll("form[action='/sparql'] input[name='query']").forEach((input) => {
      input.form.addEventListener("submit", () => { input.value = editor.value; });
    });
  }
});
