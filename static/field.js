/* Field mode (/ops/field): box after box, one scan each. The page works without this script
   (the form posts to /ops/field); this adds
   - the camera scanner, which stays open: each box label's QR link is sent to the JSON view
     (POST /ops/field/claims, form token in X-CSRFToken) and its result added on top of the list;
   - typed codes sent the same way, so the camera stays open;
   - a sound (WebAudio) and a vibration per result: one high tone claimed (or already), two tones
     waiting, a low buzz refused;
   - the same code seen again within REPEAT_MS (counted from when it was last in view) is not sent
     again: a label that stays in front of the camera is claimed once;
   - weak signal: a scan made offline (or whose send fails) is kept in localStorage and sent when
     the signal is back; sending a claim twice is harmless (claims are idempotent per device and person).
   The camera loop and loadDecoder are a minimal copy of the start page's scanner in bff.js. */
(function () {
  "use strict";

  var box = document.querySelector("[data-field-scanner]");
  if (!box) { return; }
  var REPEAT_MS = 8000;
  var RETRY_MS = 10000;
  var QUEUE_KEY = "bff-field-queue";
  var OUR_LINK = /\/d\/[0-9a-fA-F]{24}\/?$/;
  var SAVED = { result: "pending", title: "Saved, will send when you have signal",
                message: "Go on scanning. We send it by ourselves when the signal is back." };

  var claimsUrl = box.dataset.claimsUrl, csrf = box.dataset.csrf, forWhom = box.dataset.for;
  var list = document.querySelector("[data-field-lines]");
  var empty = document.querySelector("[data-field-empty]");
  var form = document.querySelector("[data-field-form]");
  var status = box.querySelector("[data-scan-status]");
  var seen = {};
  var audio = null;
  var flushing = false;

  // -- typed codes: the same way as scans ---------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = form.querySelector("input[name=code]");
    unlockAudio();
    submit(input.value.trim());
    input.value = "";
  });

  // -- sending, and the queue for weak signal -----------------------------------------------------
  function submit(text) {
    var item = { id: Date.now() + "-" + Math.random().toString(36).slice(2, 8), code: text, for: forWhom };
    var line = addLine({ result: "pending", title: "Sending...", message: shortText(text) });
    line.dataset.queueId = item.id;
    send(item, line);
  }

  function send(item, line) {
    if (navigator.onLine === false) { park(item, line); return Promise.resolve(false); }
    return post(item)
      .then(function (data) { unpark(item); draw(line, data); feedback(data.result); return true; })
      .catch(function () { park(item, line); return false; });
  }

  function post(item) {
    return fetch(claimsUrl, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ code: item.code, "for": item.for })
    }).then(function (response) {
      if (response.redirected) {  // the session ended: to the sign-in page
        return { result: "refused", title: "Not claimed", message: "You are signed out. Reload the page, sign in, and scan again." };
      }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (data && data.result) { return data; }
        if (data && data.error) {  // e.g. the page's form token is too old
          return { result: "refused", title: "Not claimed", message: data.error.message + " " + data.error.next_step };
        }
        throw new Error("HTTP " + response.status);  // not our answer (a proxy, a captive portal): try later
      });
    });
  }

  function park(item, line) {
    var queue = readQueue();
    if (!queue.some(function (queued) { return queued.id === item.id; })) { queue.push(item); }
    writeQueue(queue);
    draw(line, { result: SAVED.result, title: SAVED.title, message: SAVED.message + " " + shortText(item.code) });
    feedback("saved");
  }

  function unpark(item) {
    writeQueue(readQueue().filter(function (queued) { return queued.id !== item.id; }));
  }

  function flush() {
    var queue = readQueue();
    if (flushing || !queue.length || navigator.onLine === false) { return; }
    flushing = true;
    var next = function (index) {
      if (index >= queue.length) { flushing = false; return; }
      var item = queue[index];
      send(item, lineFor(item)).then(function (sent) {
        if (sent) { next(index + 1); } else { flushing = false; }
      });
    };
    next(0);
  }

  function lineFor(item) {
    var found = list.querySelector('[data-queue-id="' + item.id + '"]');
    if (found) { return found; }
    var line = addLine({ result: SAVED.result, title: SAVED.title, message: SAVED.message + " " + shortText(item.code) });
    line.dataset.queueId = item.id;
    return line;
  }

  function readQueue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(queue) {
    try { window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); } catch (e) { /* private mode: memory only */ }
  }

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  readQueue().forEach(lineFor);  // scans saved before this page was loaded
  flush();

  // -- the running list ---------------------------------------------------------------------------
  function addLine(data) {
    var line = document.createElement("li");
    list.insertBefore(line, list.firstChild);
    if (empty) { empty.hidden = true; }
    draw(line, data);
    return line;
  }

  function draw(line, data) {
    var marks = { claimed: "\u2713", already: "\u2713", waiting: "\u2026", refused: "\u2715" };
    line.className = "line fresh " + data.result;
    while (line.firstChild) { line.removeChild(line.firstChild); }
    var title = paragraph("line-title", data.title);
    var mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = (marks[data.result] || "\u2022") + " ";
    title.insertBefore(mark, title.firstChild);
    line.appendChild(title);
    if (data.device_name || data.label_code) {
      var device = paragraph("line-device", (data.device_name || "") + " ");
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = data.label_code || "";
      device.appendChild(code);
      line.appendChild(device);
    }
    line.appendChild(paragraph("line-message", data.message || ""));
    if (data.result !== "pending") { say(data.title + ". " + (data.message || "")); }
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function shortText(text) {
    return text.length > 60 ? text.slice(0, 57) + "..." : text;
  }

  function say(text) { status.textContent = text; }

  // -- a sound and a vibration per result -----------------------------------------------------------
  function unlockAudio() {  // browsers start sound only after a tap: call from tap handlers
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { try { audio = new Context(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }

  function feedback(kind) {
    var patterns = { claimed: [150], already: [150], waiting: [120, 100, 120], refused: [600], saved: [40] };
    if (navigator.vibrate) { try { navigator.vibrate(patterns[kind] || [60]); } catch (e) { /* not allowed */ } }
    if (!audio) { return; }
    var at = audio.currentTime + 0.02;
    if (kind === "claimed" || kind === "already") { tone(1320, at, 0.18, "sine"); }
    else if (kind === "waiting") { tone(990, at, 0.14, "sine"); tone(990, at + 0.25, 0.14, "sine"); }
    else if (kind === "refused") { tone(140, at, 0.55, "square"); }
    else { tone(660, at, 0.05, "sine"); }
  }

  function tone(frequency, at, seconds, type) {
    var oscillator = audio.createOscillator(), gain = audio.createGain();
    oscillator.type = type;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.4, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + seconds + 0.02);
  }

  // -- the camera, open until stopped -----------------------------------------------------------------
  var start = box.querySelector("[data-scan-start]");
  var view = box.querySelector("[data-scan-view]");
  var video = box.querySelector("video");
  var stopButton = box.querySelector("[data-scan-stop]");
  var canvas = document.createElement("canvas");
  var context = null, stream = null, running = false;

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    start.hidden = true;
    say("This browser cannot use the camera here. Type the code from each box below.");
    return;
  }

  start.addEventListener("click", function () {
    unlockAudio();
    start.hidden = true;
    view.hidden = false;
    say("Starting the camera...");
    loadDecoder(box.dataset.decoder)
      .then(function () {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      })
      .then(function (s) { stream = s; video.srcObject = stream; return video.play(); })
      .then(function () { running = true; say("Point the camera at the square code on a box."); scan(); })
      .catch(function () {
        stop();
        view.hidden = true;
        start.hidden = false;
        say("We could not use the camera. Type the code from each box below.");
      });
  });
  stopButton.addEventListener("click", function () { stop(); view.hidden = true; start.hidden = false; });
  window.addEventListener("pagehide", stop);

  function stop() {
    running = false;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    video.srcObject = null;
  }

  function scan() {
    if (!running) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, 640 / video.videoWidth);
      var width = Math.round(video.videoWidth * scale), height = Math.round(video.videoHeight * scale);
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width; canvas.height = height;
        context = canvas.getContext("2d", { willReadFrequently: true });
      }
      context.drawImage(video, 0, 0, width, height);
      var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                              { inversionAttempts: "dontInvert" });
      if (found && found.data) { scanned(found.data); }
    }
    setTimeout(scan, 150);
  }

  function scanned(text) {
    var now = Date.now(), last = seen[text];
    seen[text] = now;
    if (last && now - last < REPEAT_MS) { return; }  // still (or again) in view: sent already
    if (!ourLink(text)) { say("That code is not from one of our boxes. Point the camera at the code on the box label."); return; }
    submit(text);
  }

  function ourLink(text) {
    try { return OUR_LINK.test(new URL(text, window.location.href).pathname); } catch (e) { return false; }
  }

  function loadDecoder(src) {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
})();
