/* bff Wi-Fi setup pages: a countdown of the code's time left, and a copy button.
   The pages work without it: they say the time left in words, and the code can be selected. */
(function () {
  "use strict";

  // data-countdown holds the seconds left when the page was made: counted from the page's load,
  // so a phone whose clock is wrong still counts right.
  var loaded = Date.now() / 1000;
  var counters = document.querySelectorAll("[data-countdown]");
  if (counters.length) { tick(); setInterval(tick, 1000); }

  function tick() {
    var elapsed = Date.now() / 1000 - loaded;
    Array.prototype.forEach.call(counters, function (el) {
      var left = Math.max(0, Math.floor(Number(el.dataset.countdown) - elapsed));
      el.textContent = left > 0 ? words(left) : "none (get a new code)";
    });
  }

  // "59 minutes 58 seconds", "1 minute 5 seconds", "40 seconds": words, as the server says them.
  function words(seconds) {
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    var said = [];
    if (minutes) { said.push(minutes + (minutes === 1 ? " minute" : " minutes")); }
    if (rest || !minutes) { said.push(rest + (rest === 1 ? " second" : " seconds")); }
    return said.join(" ");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "Copied: now paste it in your setup tool";
      }, function () {
        button.textContent = "Select the code and copy it";
      });
    });
  });
})();
