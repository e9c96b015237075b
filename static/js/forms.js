/* Forms: a character counter on fields with a limit (progressive enhancement:
   without JavaScript the limit is stated in the hint and the server refuses
   longer text with a message, keeping what was typed). */
(function () {
  "use strict";
  document.querySelectorAll("[data-maxlength]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!max) { return; }
    var counter = document.createElement("p");
    counter.className = "char-counter";
    counter.id = field.id + "-counter";
    // read out only when the limit is crossed, not at every keystroke
    var alert = document.createElement("span");
    alert.className = "visually-hidden";
    alert.setAttribute("aria-live", "polite");
    field.parentNode.insertBefore(counter, field.nextSibling);
    counter.parentNode.insertBefore(alert, counter.nextSibling);
    var over = false;
    function update() {
      var n = field.value.length;
      counter.textContent = n + " / " + max;
      var nowOver = n > max;
      counter.classList.toggle("char-counter-over", nowOver);
      if (nowOver !== over) {
        alert.textContent = nowOver ? (n - max) + " caractère(s) de trop" : "";
        over = nowOver;
      }
    }
    field.addEventListener("input", update);
    update();
  });
})();
