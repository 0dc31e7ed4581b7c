/*
 * @mention autocomplete for the composer (Hearth forums).
 *
 * Attaches to every <textarea data-mention-source="<url>?topic=<id>"> (or ?category=<id>):
 * typing "@ma" asks that URL for members who may see the topic and shows them in a listbox
 * under the line being typed. Up/Down choose, Enter or Tab insert "@username ", Escape
 * closes; a click inserts too. No inline script (CSP): this file is loaded with defer, and
 * content swapped in by htmx is picked up on htmx:load.
 */
(function () {
  "use strict";

  var MENTION_BEFORE_CARET = /(^|[^A-Za-z0-9_.@\/+\-])@([A-Za-z0-9][A-Za-z0-9_.\-]{0,29})$/;
  var DELAY_MS = 150;
  var counter = 0;

  // Where the caret's line sits inside the textarea, measured on an invisible copy.
  var MIRRORED = [
    "boxSizing", "width", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
    "borderLeftWidth", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "fontFamily", "fontSize", "fontWeight", "fontStyle", "letterSpacing", "lineHeight",
    "textTransform", "wordSpacing", "tabSize", "textIndent", "whiteSpace", "wordWrap",
  ];

  function caretOffset(textarea, position) {
    var mirror = document.createElement("div");
    var style = window.getComputedStyle(textarea);
    MIRRORED.forEach(function (name) { mirror.style[name] = style[name]; });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.style.top = "0";
    mirror.style.left = "-9999px";
    mirror.textContent = textarea.value.slice(0, position);
    var marker = document.createElement("span");
    marker.textContent = "\u200b";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
    var offset = {
      top: marker.offsetTop + lineHeight - textarea.scrollTop,
      left: Math.min(marker.offsetLeft, textarea.clientWidth - 40),
    };
    document.body.removeChild(mirror);
    return offset;
  }

  function avatarFor(member) {
    if (member.avatar_url) {
      var img = document.createElement("img");
      img.className = "avatar avatar--sm";
      img.src = member.avatar_url;
      img.alt = "";
      img.width = 24;
      img.height = 24;
      return img;
    }
    var span = document.createElement("span");
    span.className = "avatar avatar--sm avatar--c" + member.colour;
    span.setAttribute("aria-hidden", "true");
    span.textContent = member.initials;
    return span;
  }

  function attach(textarea) {
    if (textarea.dataset.mentionReady) return;
    textarea.dataset.mentionReady = "1";
    var source = textarea.getAttribute("data-mention-source");
    var id = "mention-listbox-" + (++counter);
    var listbox = document.createElement("ul");
    listbox.id = id;
    listbox.className = "mention-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Members to mention");
    listbox.hidden = true;
    document.body.appendChild(listbox);

    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", id);
    textarea.setAttribute("aria-expanded", "false");

    var results = [];
    var active = -1;
    var match = null; // {start, end} of "@prefix" in the textarea
    var timer = null;
    var controller = null;

    function close() {
      listbox.hidden = true;
      listbox.textContent = "";
      results = [];
      active = -1;
      textarea.setAttribute("aria-expanded", "false");
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(listbox.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        textarea.setAttribute("aria-activedescendant", id + "-" + index);
      } else {
        textarea.removeAttribute("aria-activedescendant");
      }
    }

    function insert(index) {
      var member = results[index];
      if (!member || !match) return;
      var before = textarea.value.slice(0, match.start);
      var after = textarea.value.slice(match.end);
      var text = "@" + member.username + " ";
      textarea.value = before + text + after;
      var caret = before.length + text.length;
      textarea.setSelectionRange(caret, caret);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      close();
      textarea.focus();
    }

    function show(members) {
      listbox.textContent = "";
      results = members;
      if (!members.length) {
        close();
        return;
      }
      members.forEach(function (member, index) {
        var option = document.createElement("li");
        option.id = id + "-" + index;
        option.className = "mention-listbox__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(avatarFor(member));
        var handle = document.createElement("span");
        handle.className = "mention-listbox__username";
        handle.textContent = "@" + member.username;
        option.appendChild(handle);
        if (member.display_name && member.display_name !== member.username) {
          var name = document.createElement("span");
          name.className = "mention-listbox__name";
          name.textContent = member.display_name;
          option.appendChild(name);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus (and the caret) in the textarea
          insert(index);
        });
        listbox.appendChild(option);
      });
      var box = textarea.getBoundingClientRect();
      var caret = caretOffset(textarea, match.start);
      listbox.style.top = window.scrollY + box.top + Math.min(caret.top, box.height) + "px";
      listbox.style.left = window.scrollX + box.left + Math.max(caret.left, 0) + "px";
      listbox.hidden = false;
      textarea.setAttribute("aria-expanded", "true");
      highlight(0);
    }

    function lookUp(prefix) {
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = source + (source.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(prefix);
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { show(data.results || []); })
        .catch(function () { /* aborted by the next keystroke, or offline: show nothing */ });
    }

    textarea.addEventListener("input", function () {
      var caret = textarea.selectionStart;
      var found = MENTION_BEFORE_CARET.exec(textarea.value.slice(0, caret));
      window.clearTimeout(timer);
      if (!found) {
        match = null;
        close();
        return;
      }
      match = { start: caret - found[2].length - 1, end: caret };
      timer = window.setTimeout(function () { lookUp(found[2]); }, DELAY_MS);
    });

    textarea.addEventListener("keydown", function (event) {
      if (listbox.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % results.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + results.length) % results.length);
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        insert(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });

    textarea.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  function attachAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("textarea[data-mention-source]"), attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  } else {
    attachAll(document);
  }
  document.addEventListener("htmx:load", function (event) { attachAll(event.target); });
})();
