/* Chat widget for invoice pages. One tag embeds it:
 *   <script src="https://HOST/webhooks/webchat/widget.js" data-token="SIGNED_TOKEN" defer></script>
 * Optional: data-lang="it|en", data-open="true". No dependencies; works on phone-width screens.
 * The token (signed by the server, short-lived) is the only identity the widget sends. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__collectionsChatLoaded) { return; }
  window.__collectionsChatLoaded = true;

  var token = script.getAttribute("data-token") || "";
  var base = script.src.replace(/widget\.js(\?.*)?$/, "");
  var pageLang = (script.getAttribute("data-lang") || document.documentElement.lang || "it").slice(0, 2);
  var lang = pageLang === "en" ? "en" : "it";
  var TEXT = {
    it: {
      open: "Apri la chat con l'assistente", close: "Chiudi la chat", title: "Assistente virtuale",
      subtitle: "Risponde subito; un operatore quando serve", label: "Scriva un messaggio",
      placeholder: "Scriva qui…", send: "Invia", you: "Lei", bot: "Assistente", agent: "Operatore",
      offline: "Connessione persa, riprovo…", expired: "Il link è scaduto: riapra la pagina dal messaggio ricevuto.",
      choices: "Scelte disponibili", launcher: "Chat"
    },
    en: {
      open: "Open the chat with the assistant", close: "Close the chat", title: "Virtual assistant",
      subtitle: "Answers at once; a person when needed", label: "Write a message",
      placeholder: "Type here…", send: "Send", you: "You", bot: "Assistant", agent: "Agent",
      offline: "Connection lost, retrying…", expired: "This link has expired: open the page again from your message.",
      choices: "Available choices", launcher: "Chat"
    }
  }[lang];

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  document.head.appendChild(css);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var root = el("div", { "class": "ccw-root" });
  var launcher = el("button", { "class": "ccw-launcher", type: "button", "aria-label": TEXT.open,
    "aria-expanded": "false", "aria-controls": "ccw-panel" }, TEXT.launcher);
  var panel = el("section", { "class": "ccw-panel", id: "ccw-panel", role: "dialog",
    "aria-labelledby": "ccw-title", hidden: "" });
  var header = el("header", { "class": "ccw-header" });
  var titles = el("div");
  titles.appendChild(el("h2", { id: "ccw-title", "class": "ccw-title" }, TEXT.title));
  titles.appendChild(el("p", { "class": "ccw-subtitle" }, TEXT.subtitle));
  var closeBtn = el("button", { "class": "ccw-close", type: "button", "aria-label": TEXT.close }, "×");
  header.appendChild(titles);
  header.appendChild(closeBtn);
  var log = el("ol", { "class": "ccw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    tabindex: "0", "aria-label": TEXT.title });
  var status = el("p", { "class": "ccw-status", role: "status" });
  var form = el("form", { "class": "ccw-form" });
  var label = el("label", { "for": "ccw-input", "class": "ccw-sr" }, TEXT.label);
  var input = el("textarea", { id: "ccw-input", "class": "ccw-input", rows: "1", maxlength: "2000",
    placeholder: TEXT.placeholder, autocomplete: "off" });
  var sendBtn = el("button", { "class": "ccw-send", type: "submit" }, TEXT.send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  var lastId = 0, loaded = false, polling = false, expired = false;
  var shown = {}, pendingEchoes = [];

  function api(method, path, body, signal) {
    return fetch(base + path, {
      method: method, signal: signal, credentials: "omit",
      headers: body ? { "Authorization": "Bearer " + token, "Content-Type": "application/json" }
                    : { "Authorization": "Bearer " + token },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) { expired = true; throw new Error("auth"); }
      if (!r.ok) { throw new Error("http " + r.status); }
      return r.json();
    });
  }

  function setStatus(text) { status.textContent = text || ""; }

  function clearChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".ccw-choices"), function (n) { n.remove(); });
  }

  function bubble(sender, text, id) {
    var item = el("li", { "class": "ccw-msg ccw-" + sender });
    if (id) { item.setAttribute("data-id", String(id)); }
    item.appendChild(el("span", { "class": "ccw-sr" }, (sender === "debtor" ? TEXT.you : sender === "agent" ? TEXT.agent : TEXT.bot) + ": "));
    var body = el("span", { "class": "ccw-text" });
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function choices(buttons) {
    clearChoices();
    if (!buttons || !buttons.length) { return; }
    var group = el("li", { "class": "ccw-choices", role: "group", "aria-label": TEXT.choices });
    buttons.forEach(function (b) {
      var button = el("button", { type: "button", "class": "ccw-choice" }, b.title);
      button.addEventListener("click", function () { send({ payload: b.payload, title: b.title }, b.title); });
      group.appendChild(button);
    });
    log.appendChild(group);
    log.scrollTop = log.scrollHeight;
  }

  function render(messages) {
    messages.forEach(function (m) {
      lastId = Math.max(lastId, m.id);
      if (shown[m.id]) { return; }
      shown[m.id] = true;
      if (m.sender === "debtor") {
        var i = pendingEchoes.findIndex(function (p) { return p.text === m.text; });
        if (i >= 0) { pendingEchoes.splice(i, 1)[0].node.classList.remove("ccw-pending"); return; }
      }
      bubble(m.sender, m.text, m.id);
    });
    var last = messages[messages.length - 1];
    if (last && last.sender !== "debtor") { choices(last.buttons); }
  }

  function poll() {
    if (polling || expired) { return; }
    polling = true;
    api("GET", "events?after=" + lastId + "&wait=25").then(function (data) {
      polling = false;
      setStatus("");
      render(data.messages);
      poll();
    }).catch(function () {
      polling = false;
      if (expired) { setStatus(TEXT.expired); return; }
      setStatus(TEXT.offline);
      setTimeout(poll, 3000);
    });
  }

  function send(body, shownText) {
    if (expired) { setStatus(TEXT.expired); return; }
    if (shownText) {
      clearChoices();
      var node = bubble("debtor", shownText);
      node.classList.add("ccw-pending");
      pendingEchoes.push({ text: shownText, node: node });
    }
    api("POST", "message", body).then(function () { setStatus(""); poll(); }).catch(function () {
      setStatus(expired ? TEXT.expired : TEXT.offline);
    });
  }

  function load() {
    if (loaded) { return; }
    loaded = true;
    api("GET", "history").then(function (data) {
      if (data.max_chars) { input.setAttribute("maxlength", String(data.max_chars)); }
      render(data.messages);
      if (!data.messages.length) { send({ start: true }); }
      poll();
    }).catch(function () {
      loaded = false;
      setStatus(expired ? TEXT.expired : TEXT.offline);
    });
  }

  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("ccw-open");
    load();
    input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("ccw-open");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { openPanel(); } else { closePanel(); } });
  closeBtn.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { closePanel(); } });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send({ text: text }, text);
  });

  function mount() {
    document.body.appendChild(root);
    if (script.getAttribute("data-open") === "true") { openPanel(); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
