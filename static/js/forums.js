/* Forums: @mention autocomplete on message fields (progressive enhancement:
   without JavaScript, typing @prenom.nom works the same). */
(function () {
  "use strict";
  var fields = document.querySelectorAll("textarea[data-mention]");
  if (!fields.length || !window.fetch) { return; }
  var endpoint = "/forums/collegues.json?q=";

  fields.forEach(function (area) {
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.id = area.id + "-mentions";
    list.hidden = true;
    area.parentNode.insertBefore(list, area.nextSibling);
    area.setAttribute("aria-controls", list.id);
    var timer = null;

    function currentTerm() {
      var before = area.value.slice(0, area.selectionStart);
      var m = before.match(/(?:^|\s)@([\w.\-À-ÿ]{2,40})$/);
      return m ? m[1] : null;
    }

    function insert(handle) {
      var pos = area.selectionStart;
      var before = area.value.slice(0, pos).replace(/@([\w.\-À-ÿ]{2,40})$/, "@" + handle + " ");
      area.value = before + area.value.slice(pos);
      area.selectionStart = area.selectionEnd = before.length;
      list.hidden = true;
      area.focus();
    }

    function show(items) {
      list.textContent = "";
      items.forEach(function (c) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button-link";
        b.textContent = c.name + " (@" + c.handle + ")";
        b.addEventListener("click", function () { insert(c.handle); });
        li.appendChild(b);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    area.addEventListener("input", function () {
      clearTimeout(timer);
      var term = currentTerm();
      if (!term) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(endpoint + encodeURIComponent(term), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { colleagues: [] }; })
          .then(function (data) { show(data.colleagues || []); })
          .catch(function () { list.hidden = true; });
      }, 200);
    });
    area.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { list.hidden = true; }
    });
  });
}());
