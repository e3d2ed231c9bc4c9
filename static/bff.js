/* bff: the little JavaScript the pages use. Every page works without it; this only adds
   - the parts marked [data-js-only] (hidden without JavaScript),
   - one-tap forms ([data-once]: the button cannot be tapped twice),
   - live updates ([data-live]: poll a JSON view, reload the page when what it shows changed),
   - the in-page camera scanner on the start page ([data-scanner], with the vendored jsQR,
     fetched when the page is idle),
   - the sandbox console's outbox list ([data-outbox]).
   Nothing is loaded from anywhere but this server. */
(function () {
  "use strict";

  document.documentElement.classList.add("has-js");
  Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (el) {
    el.hidden = false;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-no-js]"), function (el) {
    el.hidden = true;
  });
  // Tell the server this browser runs the script: waiting pages then need no meta refresh.
  if (document.cookie.indexOf("bff_js=1") === -1) {
    document.cookie = "bff_js=1; path=/; max-age=31536000; SameSite=Lax";
  }

  // -- forms that must be sent once ------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button && button.dataset.busyText) {
        // Disable after this event: a disabled button's value would not be sent.
        button.dataset.idleText = button.textContent;
        setTimeout(function () { button.disabled = true; button.textContent = button.dataset.busyText; }, 0);
      }
    });
  });

  // Back to a page from the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
      delete form.dataset.sent;
      var button = form.querySelector("button[type=submit]");
      if (button && button.disabled) { button.disabled = false; button.textContent = button.dataset.idleText || button.textContent; }
    });
  });

  // -- live updates ------------------------------------------------------------------------------
  var live = document.querySelector("[data-live]");
  if (live) { poll(live); }

  function poll(el) {
    var url = el.dataset.live;
    var version = el.dataset.version;
    var every = Math.max(1000, Number(el.dataset.every) || 3000);
    var checked = el.querySelector("[data-live-checked]") || document.querySelector("[data-live-checked]");
    var timer = null;

    function check() {
      timer = null;
      if (document.hidden) { return; }  // resumes on visibilitychange
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 401 || response.status === 404) { return null; }  // stop: nothing to follow
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (data === null) { return; }
          if (data.version && data.version !== version) {
            window.location.reload();
            return;
          }
          if (checked) { checked.textContent = "Last checked at " + new Date().toLocaleTimeString() + ". We check again by ourselves; you can keep this page open."; }
          later();
        })
        .catch(function () {
          if (checked) { checked.textContent = "No connection right now. We keep trying."; }
          later();
        });
    }
    function later() { if (timer === null) { timer = setTimeout(check, every); } }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && timer === null) { check(); }
    });
    later();
  }

  // -- the camera scanner --------------------------------------------------------------------------
  var scanner = document.querySelector("[data-scanner]");
  if (scanner) { setUpScanner(scanner); }

  function setUpScanner(box) {
    var start = box.querySelector("[data-scan-start]");
    var view = box.querySelector("[data-scan-view]");
    var video = box.querySelector("video");
    var status = box.querySelector("[data-scan-status]");
    var stopButton = box.querySelector("[data-scan-stop]");
    var canvas = document.createElement("canvas");
    var context = null;
    var stream = null;
    var running = false;

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      start.hidden = true;  // no camera access here (old browser, or not https): the camera-app tip stays
      return;
    }
    // The button is shown from the first paint (bff.css hides it only without JavaScript).
    whenIdle(function () { fetchEarly(box.dataset.decoder); });

    start.addEventListener("click", function () {
      start.hidden = true;
      view.hidden = false;
      say("Starting the camera... If your phone asks, tap Allow.");
      loadDecoder(box.dataset.decoder)
        .then(function () {
          return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        })
        .then(function (s) {
          stream = s;
          video.srcObject = stream;
          video.setAttribute("playsinline", "");
          return video.play();
        })
        .then(function () {
          running = true;
          say("Point the camera at the square code on the box.");
          scan();
        })
        .catch(function () {
          stop();
          view.hidden = false;
          say("We could not use the camera. Use your phone's camera app, or type the code below.");
        });
    });
    stopButton.addEventListener("click", function () {
      stop();
      view.hidden = true;
      start.hidden = false;
    });
    window.addEventListener("pagehide", stop);

    function say(text) { status.textContent = text; }

    function stop() {
      running = false;
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
      video.srcObject = null;
    }

    function scan() {
      if (!running) { return; }
      if (video.readyState >= 2 && video.videoWidth) {
        // Decode a frame at most 640 px wide: plenty for a box QR, and fast on a slow phone.
        var scale = Math.min(1, 640 / video.videoWidth);
        var width = Math.round(video.videoWidth * scale), height = Math.round(video.videoHeight * scale);
        if (canvas.width !== width || canvas.height !== height) {
          canvas.width = width; canvas.height = height;
          context = canvas.getContext("2d", { willReadFrequently: true });
        }
        context.drawImage(video, 0, 0, width, height);
        var image = context.getImageData(0, 0, width, height);
        var found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
        if (found && found.data && open(found.data)) { return; }
      }
      setTimeout(scan, 150);
    }

    // A QR of ours holds {PUBLIC_URL}/d/<device id>?k=<tag>: open that path on this server.
    function open(text) {
      var url;
      try { url = new URL(text, window.location.href); } catch (e) { url = null; }
      if (!url || !/^\/d\/[0-9a-fA-F]{24}$/.test(url.pathname)) {
        say("That code is not from one of our boxes. Point the camera at the code on the box.");
        return false;
      }
      stop();
      say("Found it. Opening the device page, please wait...");
      window.location.assign(url.pathname + url.search);
      return true;
    }
  }

  // Fetch the decoder once the page is idle (into the browser's cache: its URL is fingerprinted
  // and cached for a year), so a tap on "Scan" starts the camera without waiting for it.
  // Not on a connection that asks to save data; where <link rel=prefetch> is unknown (Safari),
  // the decoder is loaded as a script instead.
  function whenIdle(work) {
    if (window.requestIdleCallback) { window.requestIdleCallback(work, { timeout: 3000 }); }
    else { window.addEventListener("load", function () { setTimeout(work, 500); }); }
  }

  function fetchEarly(src) {
    if (!src || window.jsQR || (navigator.connection && navigator.connection.saveData)) { return; }
    var link = document.createElement("link");
    if (link.relList && link.relList.supports && link.relList.supports("prefetch")) {
      link.rel = "prefetch";
      link.as = "script";
      link.href = src;
      document.head.appendChild(link);
    } else {
      loadDecoder(src).catch(function () {});  // tried again on the tap
    }
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

  // -- the sandbox console's outbox ---------------------------------------------------------------
  var outbox = document.querySelector("[data-outbox]");
  if (outbox) { followOutbox(outbox); }

  function followOutbox(list) {
    var url = list.dataset.outbox;
    var shown = list.dataset.version || "";
    function refresh() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.version !== shown) { shown = data.version; draw(data.messages || []); }
        })
        .catch(function () {})
        .then(function () { setTimeout(refresh, 2000); });
    }
    function draw(messages) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!messages.length) {
        list.appendChild(item("No text messages yet.", "", ""));
        return;
      }
      messages.forEach(function (m) {
        var when = m.created_at ? new Date(m.created_at * 1000).toLocaleTimeString() : "";
        list.appendChild(item(m.body, "To " + m.to + " \u00b7 " + when + " \u00b7 " + (m.purpose || "") + " \u00b7 " + (m.status || ""), m.id));
      });
    }
    function item(body, meta, id) {
      var li = document.createElement("li");
      if (id) { li.id = "sms-" + id; }
      if (meta) { var p = document.createElement("p"); p.className = "meta"; p.textContent = meta; li.appendChild(p); }
      var b = document.createElement("p"); b.className = "body"; b.textContent = body; li.appendChild(b);
      return li;
    }
    setTimeout(refresh, 2000);
  }
})();
