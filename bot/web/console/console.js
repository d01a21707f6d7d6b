// Agent console: live queue and transcript (server-sent events), forms without reloads.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf");
  // A page that is navigating away (a plain form was posted) must not reload itself on top.
  var leaving = false;
  document.addEventListener("submit", function (e) { if (!e.defaultPrevented) { leaving = true; } });

  function post(form, extra) {
    var data = new FormData(form);
    if (extra) { Object.keys(extra).forEach(function (k) { data.set(k, extra[k]); }); }
    return fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) { return r.json(); });
  }

  // Something worth the agent's attention arrived (console_attention.js counts and notifies).
  function attention(kind, label) {
    document.dispatchEvent(new CustomEvent("console:attention", { detail: { kind: kind, label: label || "" } }));
  }

  // Rows of a queue list, by handoff id: status, holder, moment of the debtor's last message.
  function rowState(root) {
    var state = {};
    Array.prototype.forEach.call(root.querySelectorAll("tr.q-row"), function (tr) {
      state[tr.getAttribute("data-handoff")] = { status: tr.getAttribute("data-status"),
        assigned: tr.getAttribute("data-assigned") || "", debtorAt: tr.getAttribute("data-debtor-at") || "",
        label: tr.getAttribute("data-label") || "" };
    });
    return state;
  }

  // What changed between two snapshots: entries that became queued, and debtor messages in
  // conversations this agent holds. The agent's own replies and notes never move debtorAt.
  function announce(before, after) {
    var me = body.getAttribute("data-user") || "";
    Object.keys(after).forEach(function (id) {
      var now = after[id], was = before[id];
      if (now.status === "queued" && (!was || was.status !== "queued")) { attention("queue", now.label); }
      if (now.status === "assigned" && me && now.assigned === me && was && was.assigned === me &&
          now.debtorAt && now.debtorAt > was.debtorAt) { attention("message", now.label); }
    });
  }

  function stream(url, onUpdate, quiet) {
    if (!window.EventSource) { return; }
    var source = new EventSource(url);
    var indicator = quiet ? null : document.getElementById("live-indicator");
    source.addEventListener("update", function (e) { onUpdate(JSON.parse(e.data)); });
    source.onopen = function () { if (indicator) { indicator.classList.add("on"); } };
    source.onerror = function () { if (indicator) { indicator.classList.remove("on"); } };
    return source;
  }

  // Live queue: the server sends the rendered rows whenever the queue changes.
  var rows = document.getElementById("queue-rows");
  if (rows) {
    stream(rows.getAttribute("data-stream"), function (data) {
      var before = rowState(rows);
      rows.innerHTML = data.html;
      announce(before, rowState(rows));
    });
  }

  // Live transcript: new messages are appended; a status change reloads the action panel.
  var conv = document.getElementById("conversation");
  if (conv) {
    var list = document.getElementById("transcript");
    var status = conv.getAttribute("data-status");
    var holder = conv.getAttribute("data-assigned") || "";
    var url = conv.getAttribute("data-stream") + "?after=" + conv.getAttribute("data-last-id");
    var scroll = function () { list.scrollTop = list.scrollHeight; };
    scroll();
    stream(url, function (data) {
      if (data.html && data.html.trim()) {
        var tmp = document.createElement("ol");
        var fresh = 0;
        tmp.innerHTML = data.html;
        Array.prototype.slice.call(tmp.children).forEach(function (li) {
          if (list.querySelector('li[data-id="' + li.getAttribute("data-id") + '"]')) { return; }
          if (li.classList.contains("debtor")) { fresh += 1; }
          list.appendChild(li);
        });
        for (var n = 0; n < fresh; n++) { attention("message", conv.getAttribute("data-label")); }
        scroll();
      }
      if (leaving) { return; }
      // Transferred away from this agent: the page is no longer theirs to see.
      if (data.status === "gone") { window.location.assign(body.getAttribute("data-base") + "/queue"); return; }
      // Taken, released, transferred or closed elsewhere: the action panel must match.
      if ((data.status && data.status !== status) || (data.assigned_to || "") !== holder) { window.location.reload(); }
    });
  }

  // Working in a conversation, the agent still hears about new entries in the queue.
  if (conv && conv.getAttribute("data-queue-watch")) {
    var watched = null;  // the first answer is the queue as it is: nothing in it is new
    stream(conv.getAttribute("data-queue-watch"), function (data) {
      var holder = document.createElement("tbody");
      holder.innerHTML = data.html;
      var state = rowState(holder);
      if (watched) { announce(watched, state); }
      watched = state;
    }, true);
  }

  // Reply and note forms: sent in the background, the transcript stream shows the result.
  Array.prototype.forEach.call(document.querySelectorAll("form.ajax"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var result = form.querySelector(".result");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      post(form).then(function (data) {
        if (result) { result.textContent = data.message || ""; }
        if (data.ok) { form.reset(); }
      }).catch(function () { if (result) { result.textContent = "!"; } })
        .finally(function () { button.disabled = false; });
    });
  });

  // Typing in the reply box: the debtor sees "… is typing" (at most one signal every 3 s).
  var replyForm = document.getElementById("reply-form");
  var replyText = document.getElementById("reply-text");
  if (replyForm && replyText && replyForm.getAttribute("data-typing")) {
    var lastTyping = 0;
    replyText.addEventListener("input", function () {
      var now = Date.now();
      if (!replyText.value.trim() || now - lastTyping < 3000) { return; }
      lastTyping = now;
      fetch(replyForm.getAttribute("data-typing"), {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
      }).catch(function () { /* only a hint */ });
    });
    replyForm.addEventListener("submit", function () { lastTyping = 0; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.confirm"), function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("select.autosubmit"), function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Plan: ask the plan engine for options, then submit the chosen one.
  var planForm = document.getElementById("plan-form");
  if (planForm) {
    var box = planForm.querySelector(".options");
    var choose = planForm.querySelector(".choose");
    planForm.querySelector(".show-options").addEventListener("click", function () {
      var probe = document.createElement("form");
      probe.setAttribute("action", planForm.getAttribute("data-options"));
      Array.prototype.forEach.call(planForm.querySelectorAll("input"), function (i) { probe.appendChild(i.cloneNode()); });
      post(probe).then(function (data) {
        box.textContent = "";
        if (!data.ok) { box.textContent = data.message; choose.hidden = true; return; }
        data.options.forEach(function (o, n) {
          var label = document.createElement("label");
          var radio = document.createElement("input");
          radio.type = "radio"; radio.name = "choice"; radio.value = o.index; radio.checked = n === 0;
          label.appendChild(radio);
          label.appendChild(document.createTextNode(" " + o.count + " × € " + o.amount + " (" + o.first_due + ")"));
          box.appendChild(label);
        });
        choose.hidden = data.options.length === 0;
      });
    });
  }
}());
