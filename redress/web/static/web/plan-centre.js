// The command centre page (/plans/<id>): reads the plan's live state every 15 seconds and redraws the
// lists in place (text only, never HTML from the answer): types, clocks and outlets by the words the page
// answers with (/plans/<id>/state), never by code.
(function () {
  "use strict";
  var section = document.querySelector("[data-plan-state]");
  if (!section) return;
  var url = section.getAttribute("data-plan-state");
  var lines = {
    by_type: function (r) { return r.label + ": " + r.count; },
    by_unit: function (r) { return r.name + ": " + r.count; },
    due_soon: function (r) { return r.number + " " + r.clock_label + " " + r.due_at.slice(11, 16); },
    breached: function (r) { return r.number + " " + r.clock_label + " " + r.due_at.slice(11, 16); },
    escalated_to_province: function (r) { return r; },
    without_duty_log: function (r) { return r; }
  };
  function draw(state) {
    section.querySelector("[data-field=open_cases]").textContent = state.open_cases;
    section.querySelector("[data-field=as_of]").textContent = state.as_of.slice(11, 19);
    Object.keys(lines).forEach(function (name) {
      var list = section.querySelector("[data-list=" + name + "]");
      while (list.firstChild) list.removeChild(list.firstChild);
      state[name].forEach(function (row) {
        var item = document.createElement("li");
        item.textContent = lines[name](row);
        list.appendChild(item);
      });
    });
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) draw(state); })
      .catch(function () {});
  }
  section.refresh = refresh;
  setInterval(refresh, 15000);
})();
