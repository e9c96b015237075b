/* Courses editor: live preview while typing (progressive enhancement; the
   "Prévisualiser" button does the same without JavaScript). */
(function () {
  "use strict";
  var form = document.querySelector("form.editor[data-preview-url]");
  if (!form || !form.dataset.previewUrl || !window.fetch) { return; }
  var textarea = form.querySelector("textarea[name=source], textarea[name=introduction]");
  var target = document.querySelector(".preview-target");
  var token = form.querySelector("input[name=csrf_token]");
  if (!textarea || !target || !token) { return; }
  var timer = null;
  var counter = 0;

  function refresh() {
    var body = new FormData();
    body.append("csrf_token", token.value);
    body.append("source", textarea.value);
    body.append("kind", form.dataset.previewKind || "lesson");
    var ticket = ++counter;
    fetch(form.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (data && ticket === counter) { target.innerHTML = data.html; }
      })
      .catch(function () { /* the button still works */ });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  });
}());
