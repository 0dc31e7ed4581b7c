// The post composer (forums/templates/forums/_composer_editor.html).
// - "Add image": uploads the chosen file and puts its Markdown into the post at the cursor
//   (without JavaScript the upload form opens a page with the Markdown to copy).
// - htmx does not swap error answers by default (base.html): the composer's preview and
//   draft status show the server's message for 400/403/413/429 instead of staying silent.
(function () {
  "use strict";

  var COMPOSER_ERRORS = [400, 403, 413, 429];

  function csrfToken(form) {
    var input = form && form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function insertAtCursor(textarea, text) {
    var start = typeof textarea.selectionStart === "number" ? textarea.selectionStart : textarea.value.length;
    var end = typeof textarea.selectionEnd === "number" ? textarea.selectionEnd : start;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    // A paragraph of its own: right under a quote or a list item it would join them.
    var prefix = !before ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    var suffix = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    textarea.value = before + prefix + text + suffix + after;
    var caret = (before + prefix + text + suffix).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    // The composer form saves the draft on keyup (hx-trigger="keyup changed delay:1s").
    textarea.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }

  function say(text) {
    var status = document.getElementById("composer-status");
    if (status) {
      status.textContent = text;
    }
  }

  function upload(input) {
    var file = input.files && input.files[0];
    var textarea = document.getElementById(input.dataset.composerTarget);
    if (!file || !textarea) {
      return;
    }
    var data = new FormData();
    data.append("image", file);
    data.append("alt", file.name.replace(/\.[^.]+$/, ""));
    say("Uploading " + file.name + "…");
    input.disabled = true;
    fetch(input.dataset.composerUpload, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(input.form), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok && answer.markdown) {
            insertAtCursor(textarea, answer.markdown);
            say("Image added.");
          } else {
            say(answer.error || "The upload failed (" + response.status + "). Try again.");
          }
        });
      })
      .catch(function () {
        say("The upload failed: check your connection and try again.");
      })
      .finally(function () {
        input.disabled = false;
        input.value = "";
      });
  }

  function init(root) {
    root.querySelectorAll("[data-composer-upload]").forEach(function (input) {
      if (input.dataset.composerReady) {
        return;
      }
      input.dataset.composerReady = "1";
      input.addEventListener("change", function () { upload(input); });
    });
    root.querySelectorAll("[data-composer-upload-submit]").forEach(function (button) {
      button.hidden = true; // the script uploads on choosing a file
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.closest && target.closest(".composer") &&
        COMPOSER_ERRORS.indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  init(document);
})();
