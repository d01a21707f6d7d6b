// Agent console, for a tab left open all day: unread count in the title, opt-in desktop
// notifications with a short tone, keyboard shortcuts and their help overlay.
// console.js reports what arrives on the live streams as "console:attention" events.
(function () {
  "use strict";
  var body = document.body;
  if (!body.getAttribute("data-user")) { return; }  // the login page has nothing to watch
  var UNREAD_KEY = "console.unread", NOTIFY_KEY = "console.notify";

  function store(kind) {  // storage can be refused (private mode, policy): the console still works
    try { return window[kind]; } catch (e) { return null; }
  }
  function read(kind, key) { var s = store(kind); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
  function write(kind, key, value) { var s = store(kind); try { if (s) { s.setItem(key, value); } } catch (e) { /* kept in memory only */ } }

  // ---- Unread count: "(3) Agent console" while the tab is hidden --------------------------
  var baseTitle = document.title;
  var unread = 0;
  // A page that reloads while hidden (a colleague changed the conversation) keeps the count.
  if (document.visibilityState === "hidden") { unread = parseInt(read("sessionStorage", UNREAD_KEY), 10) || 0; }
  function showCount() {
    document.title = unread > 0 ? "(" + unread + ") " + baseTitle : baseTitle;
    write("sessionStorage", UNREAD_KEY, String(unread));
  }
  showCount();
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { unread = 0; showCount(); }
  });

  // ---- Notifications: off unless the agent turns them on (and the browser allows them) ------
  var toggle = document.getElementById("notify-toggle");
  var status = document.getElementById("notify-status");
  var audio = null;
  function supported() { return typeof window.Notification === "function"; }
  function enabled() {
    return supported() && window.Notification.permission === "granted" && read("localStorage", NOTIFY_KEY) === "on";
  }
  function wakeAudio() {  // an AudioContext may only start after a gesture of the agent's
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      if (!audio) { audio = new Context(); }
      if (audio.state === "suspended") { audio.resume(); }
    } catch (e) { audio = null; }
  }
  function tone() {  // two short sine notes, made here: no audio file, nothing fetched
    if (!audio || audio.state !== "running") { return; }
    var start = audio.currentTime;
    [880, 660].forEach(function (freq, n) {
      var osc = audio.createOscillator(), gain = audio.createGain(), at = start + n * 0.16;
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.15);
    });
  }
  function paint() {
    if (!toggle) { return; }
    var on = enabled();
    toggle.textContent = toggle.getAttribute(on ? "data-on" : "data-off");
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  }
  if (toggle && supported()) {
    toggle.hidden = false;
    paint();
    toggle.addEventListener("click", function () {
      if (status) { status.textContent = ""; }
      if (enabled()) { write("localStorage", NOTIFY_KEY, "off"); paint(); return; }
      wakeAudio();  // inside the click: the one moment the browser lets the tone start
      // Asked here, on the agent's click, never on page load.
      Promise.resolve(window.Notification.requestPermission()).then(function (answer) {
        write("localStorage", NOTIFY_KEY, answer === "granted" ? "on" : "off");
        if (answer !== "granted" && status) { status.textContent = toggle.getAttribute("data-blocked"); }
        paint();
      });
    });
    // After a page change the tone waits for the agent's first click or key on the new page.
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, function () { if (enabled()) { wakeAudio(); } }, { capture: true });
    });
  }
  function notify(kind, label) {
    // Only wording and the conversation's display label: no text of the message, no tax
    // code, phone number or amount.
    var title = toggle ? toggle.getAttribute(kind === "queue" ? "data-queue" : "data-message") : "";
    try {
      var note = new window.Notification(title, { body: label || "", tag: "console-" + kind, lang: document.documentElement.lang });
      note.onclick = function () { window.focus(); note.close(); };
    } catch (e) { /* some browsers only notify from a service worker: the title count remains */ }
    tone();
  }

  document.addEventListener("console:attention", function (e) {
    if (document.visibilityState !== "hidden") { return; }  // the agent is looking at it
    unread += 1;
    showCount();
    if (enabled()) { notify(e.detail.kind, e.detail.label); }
  });

  // ---- Keyboard shortcuts ----------------------------------------------------------------
  var dialog = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");
  var returnTo = null;
  function typing(el) {  // letters belong to the field the agent is typing in
    if (!el || el === body) { return false; }
    if (el.isContentEditable) { return true; }
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(el.type);
  }
  function openHelp() {
    if (!dialog || dialog.open) { return; }
    returnTo = document.activeElement;
    dialog.showModal();
    document.getElementById("shortcuts-close").focus();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      var back = returnTo && document.contains(returnTo) ? returnTo : opener;
      returnTo = null;
      if (back && back.focus) { back.focus(); }
    });
    document.getElementById("shortcuts-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (e) { if (e.target === dialog) { dialog.close(); } });  // the backdrop
  }
  if (opener) { opener.addEventListener("click", openHelp); }

  function press(id) {  // as if the agent clicked it: same form, same CSRF token, same checks
    var el = document.getElementById(id);
    if (!el || el.disabled) { return false; }
    el.focus();
    el.click();
    return true;
  }
  function takeNext() {
    if (press("take")) { return true; }  // the conversation page
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr.q-row");
    var button = (focused && focused.querySelector("button.take")) || document.querySelector("#queue-rows button.take");
    if (!button) { return false; }
    button.focus();
    button.click();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.isComposing) { return; }
    var target = e.target;
    var reply = document.getElementById("reply-text");
    if (target === reply && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var form = document.getElementById("reply-form");
      if (reply.value.trim()) { form.requestSubmit(document.getElementById("reply-send")); }
      return;
    }
    if (typing(target)) {
      // Esc leaves the reply or note box for the transcript, so the letter keys work again;
      // in every other field (the search box clears itself on Esc) it keeps its own meaning.
      var transcript = document.getElementById("transcript");
      if (e.key === "Escape" && transcript && target.tagName === "TEXTAREA" && target.closest("#conversation")) {
        e.preventDefault();
        transcript.focus();
      }
      return;
    }
    if (dialog && dialog.open) { return; }  // the dialog handles Escape and Tab itself
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }  // the browser's own shortcuts
    var handled = false;
    if (e.key === "?") { openHelp(); handled = true; }
    else if (e.key === "t" || e.key === "T") { handled = takeNext(); }
    else if (e.key === "b" || e.key === "B") { handled = press("handback-bot"); }
    else if ((e.key === "r" || e.key === "R") && reply) { reply.focus(); handled = true; }
    if (handled) { e.preventDefault(); }
  });
}());
