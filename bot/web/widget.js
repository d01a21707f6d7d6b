/* Chat widget for invoice pages. One tag embeds it:
 *   <script src="https://HOST/webhooks/webchat/widget.js" data-token="SIGNED_TOKEN" defer></script>
 * Optional: data-lang="it|en", data-open="true". No dependencies; works on phone-width screens.
 * The token (signed by the server, short-lived) names the invoice; the server binds the chat to
 * this browser with an HttpOnly cookie, so requests carry credentials.
 * Events on window: "ccw:verified" once the server reports this browser verified. */
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
      choices: "Scelte disponibili", launcher: "Chat", typing: "L'assistente sta scrivendo…",
      team: "del nostro team", npsLow: "0 = per niente probabile", npsHigh: "10 = estremamente probabile",
      newTab: " (si apre in una nuova scheda)", agentTyping: "{name} sta scrivendo…",
      someoneTyping: "Un operatore sta scrivendo…"
    },
    en: {
      open: "Open the chat with the assistant", close: "Close the chat", title: "Virtual assistant",
      subtitle: "Answers at once; a person when needed", label: "Write a message",
      placeholder: "Type here…", send: "Send", you: "You", bot: "Assistant", agent: "Agent",
      offline: "Connection lost, retrying…", expired: "This link has expired: open the page again from your message.",
      choices: "Available choices", launcher: "Chat", typing: "The assistant is typing…",
      team: "from our team", npsLow: "0 = not at all likely", npsHigh: "10 = extremely likely",
      newTab: " (opens in a new tab)", agentTyping: "{name} is typing…",
      someoneTyping: "An agent is typing…"
    }
  }[lang];
  // Phones and tablets: focusing the input would pop the on-screen keyboard over the chat.
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

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
  var titleNode = el("h2", { id: "ccw-title", "class": "ccw-title" }, TEXT.title);
  var subtitleNode = el("p", { "class": "ccw-subtitle" }, TEXT.subtitle);
  titles.appendChild(titleNode);
  titles.appendChild(subtitleNode);
  var closeBtn = el("button", { "class": "ccw-close", type: "button", "aria-label": TEXT.close }, "×");
  header.appendChild(titles);
  header.appendChild(closeBtn);
  var log = el("ol", { "class": "ccw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    tabindex: "0", "aria-label": TEXT.title });
  var typing = el("p", { "class": "ccw-typing", role: "status", hidden: "" });
  typing.appendChild(el("span", { "class": "ccw-dots", "aria-hidden": "true" }, "•••"));
  var typingText = el("span", { "class": "ccw-sr" }, TEXT.typing);
  typing.appendChild(typingText);
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
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  var lastId = 0, loaded = false, polling = false, expired = false, verified = null, typingTimer = null;
  var typingSeen = 0, agentName = "";   // the agent typing signal shown last; who holds the chat
  var shown = {}, pendingEchoes = [];
  var turn = [];   // bot/agent messages since the debtor last spoke: their buttons are the open question

  function api(method, path, body, signal) {
    return fetch(base + path, {
      method: method, signal: signal, credentials: "include",
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

  // The bot's reply on its way (dots, read out to screen readers), or a named agent typing
  // (shown as text): the agent's console re-sends its signal every ~3 s while keys are pressed.
  function setTyping(on, who) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    var person = on && who !== undefined;
    typing.classList.toggle("ccw-agent-typing", person);
    typingText.className = person ? "ccw-typing-text" : "ccw-sr";
    typingText.textContent = person ? (who ? TEXT.agentTyping.replace("{name}", who) : TEXT.someoneTyping) : TEXT.typing;
    if (on) { typingTimer = setTimeout(function () { typing.hidden = true; }, person ? 6000 : 30000); }
  }

  // --- message text: links, IBANs -----------------------------------------------------
  var LINK = /\bhttps?:\/\/[^\s<>"']+/g;
  var IBAN = /\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b/g;

  function groupIban(text) {
    return text.replace(IBAN, function (iban) { return iban.replace(/(.{4})(?=.)/g, "$1 "); });
  }

  function safeUrl(raw) {
    try {
      var url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }

  function fillText(node, text) {
    var at = 0, match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var raw = match[0].replace(/[.,;:!?)\]]+$/, "");
      var href = safeUrl(raw);
      if (!href) { continue; }
      node.appendChild(document.createTextNode(groupIban(text.slice(at, match.index))));
      var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer", "class": "ccw-link" }, raw);
      a.appendChild(el("span", { "class": "ccw-sr" }, TEXT.newTab));
      node.appendChild(a);
      at = match.index + raw.length;
      LINK.lastIndex = at;
    }
    node.appendChild(document.createTextNode(groupIban(text.slice(at))));
  }

  function agentNameOf(m) {
    var meta = m.metadata || {};
    return m.agent_name || m.sender_name || meta.agent_name || meta.sender_name || "";
  }

  function bubble(sender, text, id, name) {
    var item = el("li", { "class": "ccw-msg ccw-" + sender });
    if (id) { item.setAttribute("data-id", String(id)); }
    if (sender === "agent" && name) {
      item.appendChild(el("span", { "class": "ccw-name" }, name));
    } else {
      item.appendChild(el("span", { "class": "ccw-sr" }, (sender === "debtor" ? TEXT.you : sender === "agent" ? TEXT.agent : TEXT.bot) + ": "));
    }
    var body = el("span", { "class": "ccw-text" });
    fillText(body, text);
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  // --- buttons ------------------------------------------------------------------------
  function isScale(buttons) {
    return buttons.length === 11 && buttons.every(function (b, i) { return String(b.title).trim() === String(i); });
  }

  function choiceButton(b, cls) {
    var button = el("button", { type: "button", "class": cls }, b.title);
    button.addEventListener("click", function (e) {
      send({ payload: b.payload, title: b.title }, b.title);
      // Keep focus in the widget: the input on a computer, the log on a phone (no keyboard popping up).
      if (coarse && e.detail !== 0) { log.focus({ preventScroll: true }); } else { input.focus(); }
    });
    return button;
  }

  function choices(buttons, after) {
    if (!buttons || !buttons.length) { return; }
    var group = el("li", { "class": "ccw-choices", role: "group", "aria-label": TEXT.choices });
    if (isScale(buttons)) {
      group.classList.add("ccw-scale");
      var row = el("div", { "class": "ccw-scale-row" });
      buttons.forEach(function (b) { row.appendChild(choiceButton(b, "ccw-choice ccw-score")); });
      var ends = el("div", { "class": "ccw-scale-ends", "aria-hidden": "true" });
      ends.appendChild(el("span", {}, TEXT.npsLow));
      ends.appendChild(el("span", {}, TEXT.npsHigh));
      group.appendChild(row);
      group.appendChild(ends);
      group.setAttribute("aria-label", TEXT.choices + ": " + TEXT.npsLow + ", " + TEXT.npsHigh);
    } else {
      buttons.forEach(function (b) { group.appendChild(choiceButton(b, "ccw-choice")); });
    }
    after.parentNode.insertBefore(group, after.nextSibling);
    log.scrollTop = log.scrollHeight;
  }

  function clearChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".ccw-choices"), function (n) { n.remove(); });
    turn = [];
  }

  // --- header: who is answering ---------------------------------------------------------
  function setAgent(agent) {
    var name = agent && agent.name;
    agentName = name || "";
    titleNode.textContent = name || TEXT.title;
    subtitleNode.textContent = name ? TEXT.team : TEXT.subtitle;
    root.classList.toggle("ccw-with-agent", !!name);
  }

  function setState(data) {
    if ("agent" in data) { setAgent(data.agent); }
    if (data.verified === true && verified !== true) {
      window.dispatchEvent(new CustomEvent("ccw:verified"));
    }
    if (typeof data.verified === "boolean") { verified = data.verified; }
  }

  function render(messages) {
    messages.forEach(function (m) {
      lastId = Math.max(lastId, m.id);
      if (shown[m.id]) { return; }
      shown[m.id] = true;
      if (m.sender === "debtor") {
        clearChoices();
        var i = pendingEchoes.findIndex(function (p) { return p.text === m.text; });
        if (i >= 0) { pendingEchoes.splice(i, 1)[0].node.classList.remove("ccw-pending"); return; }
        bubble("debtor", m.text, m.id);
        return;
      }
      setTyping(false);
      var node = bubble(m.sender, m.text, m.id, agentNameOf(m));
      turn.push(node);
      choices(m.buttons, node);
    });
  }

  function poll() {
    if (polling || expired) { return; }
    polling = true;
    api("GET", "events?after=" + lastId + "&wait=25&typing=" + typingSeen).then(function (data) {
      polling = false;
      setStatus("");
      render(data.messages);
      setState(data);
      if (data.typing && data.typing.id) {
        typingSeen = Math.max(typingSeen, data.typing.id);
        if (!data.typing.done && !data.messages.length) { setTyping(true, agentName); }
      }
      poll();
    }).catch(function () {
      polling = false;
      setTyping(false);
      if (expired) { setStatus(TEXT.expired); return; }
      setStatus(TEXT.offline);
      setTimeout(poll, 3000);
    });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // Each message carries its own id; a send that failed on the way is retried with the same id,
  // and the server stores a message once per id, so a retry can never be answered twice.
  function send(body, shownText, attempt) {
    if (expired) { setStatus(TEXT.expired); return; }
    attempt = attempt || 0;
    if (!body.client_id) { body.client_id = newId(); }
    if (shownText) {
      clearChoices();
      var node = bubble("debtor", shownText);
      node.classList.add("ccw-pending");
      pendingEchoes.push({ text: shownText, node: node });
    }
    setTyping(true);
    api("POST", "message", body).then(function () { setStatus(""); poll(); }).catch(function () {
      if (!expired && attempt < 2) {
        setTimeout(function () { send(body, null, attempt + 1); }, 1500 * (attempt + 1));
        return;
      }
      setTyping(false);
      setStatus(expired ? TEXT.expired : TEXT.offline);
    });
  }

  function load() {
    if (loaded) { return; }
    loaded = true;
    api("GET", "history").then(function (data) {
      if (data.max_chars) { input.setAttribute("maxlength", String(data.max_chars)); }
      render(data.messages);
      setState(data);
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
    if (coarse) { log.focus({ preventScroll: true }); } else { input.focus(); }
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
