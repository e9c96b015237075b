/* Reports page: while a document is being prepared, reload the page every few
   seconds so that its state (ready, failed) appears without a click. Without
   JavaScript the page says "Rechargez la page dans un instant." */
(function () {
  "use strict";
  var pending = document.querySelector("[data-report-pending]");
  if (!pending) { return; }
  var tries = 0;
  var timer = window.setInterval(function () {
    tries += 1;
    if (tries > 20) { window.clearInterval(timer); return; }
    window.location.reload();
  }, 4000);
}());
