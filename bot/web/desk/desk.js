/* Desk tools on the conversation page: profile link and canned replies for the reply box.
   No inline script is allowed by the console's CSP, so this file is loaded with a src. */
(function () {
  "use strict";
  // Task inbox: rows arrive from the server when a colleague takes or closes a task.
  var body = document.getElementById("tasks-body");
  if (body && window.EventSource) {
    var source = new EventSource(body.getAttribute("data-stream"));
    source.addEventListener("update", function (event) {
      var busy = Array.prototype.some.call(body.querySelectorAll("textarea"), function (area) {
        return area.value.trim() !== "" || area === document.activeElement;
      });
      if (busy) { return; }  // never wipe a note being written; the next update will come
      var data = JSON.parse(event.data);
      // The first update, sent when the stream connects, usually repeats what the page shows.
      if (data.version && data.version === body.getAttribute("data-version")) { return; }
      body.setAttribute("data-version", data.version || "");
      body.innerHTML = data.html;
    });
  }
})();

(function () {
  "use strict";
  // Debtor profile: the stream sends a fingerprint of what the page shows; on a new one the page
  // fetches itself and swaps the sections that differ, except one the agent is working in.
  var profile = document.getElementById("profile");
  if (!profile || !window.EventSource || !profile.getAttribute("data-stream")) { return; }
  var fetching = false;
  function busy(section) {
    var active = document.activeElement;
    if (active && active !== document.body && section.contains(active)) { return true; }
    return Array.prototype.some.call(section.querySelectorAll("input, textarea, select"), function (field) {
      return field.type !== "hidden" && field.value !== field.defaultValue;
    });
  }
  function refresh(version) {
    if (fetching) { return; }
    fetching = true;
    fetch(profile.getAttribute("data-page"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("profile");
        if (!fresh) { return; }
        var skipped = false;
        Array.prototype.forEach.call(fresh.querySelectorAll("section[id]"), function (section) {
          var old = document.getElementById(section.id);
          if (!old || old.innerHTML === section.innerHTML) { return; }
          if (busy(old)) { skipped = true; return; }
          old.innerHTML = section.innerHTML;
        });
        // A section left alone is brought up to date by the next change or the next visit.
        if (!skipped) { profile.setAttribute("data-version", fresh.getAttribute("data-version") || version); }
      })
      .catch(function () { /* the next update tries again */ })
      .finally(function () { fetching = false; });
  }
  var source = new EventSource(profile.getAttribute("data-stream"));
  source.addEventListener("update", function (event) {
    var data = JSON.parse(event.data);
    // The first update, sent when the stream connects, repeats what the page shows.
    if (!data.version || data.version === profile.getAttribute("data-version")) { return; }
    refresh(data.version);
  });
})();

(function () {
  "use strict";
  var tools = document.getElementById("desk-tools");
  if (!tools) { return; }
  var box = document.getElementById("desk-canned");
  var select = document.getElementById("desk-canned-select");
  var insert = document.getElementById("desk-canned-insert");
  var profile = document.getElementById("desk-profile");
  var replies = [];

  function fill(data) {
    if (profile && data.profile_url) {
      profile.href = data.profile_url;
      profile.textContent = tools.getAttribute("data-profile-label");
      profile.hidden = false;
    }
    if (!select) { return; }
    var chosen = select.value;
    replies = data.replies || [];
    select.textContent = "";
    replies.forEach(function (r) {
      var option = document.createElement("option");
      option.value = String(r.id);
      option.textContent = r.available ? r.title : r.title + " (" + tools.getAttribute("data-needs") + ")";
      option.disabled = !r.available;
      select.appendChild(option);
    });
    if (chosen) { select.value = chosen; }
    box.hidden = replies.length === 0;
  }

  function load() {
    fetch(tools.getAttribute("data-canned"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { fill(data); } })
      .catch(function () { /* the reply box still works without canned replies */ });
  }

  if (insert) {
    insert.addEventListener("click", function () {
      var reply = replies.filter(function (r) { return String(r.id) === select.value && r.available; })[0];
      var area = document.getElementById("reply-text");
      if (!reply || !area) { return; }
      var start = area.selectionStart || 0, end = area.selectionEnd || 0;
      area.setRangeText(reply.text, start, end, "end");
      area.dispatchEvent(new Event("input", {bubbles: true}));
      area.focus();
    });
  }
  if (select) { select.addEventListener("focus", load); }  // facts change once the debtor is verified
  load();
})();
