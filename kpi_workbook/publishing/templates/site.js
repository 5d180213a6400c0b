// KPI一覧: filter by text, role, leaf, 区分 and kind, and sort by a column; all in the page.
(function () {
  "use strict";
  var table = document.getElementById("kpis");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var texts = new Map(rows.map(function (row) { return [row, row.textContent.toLowerCase()]; }));  // once, not per key
  var controls = ["q", "role", "leaf", "status", "kind"].map(function (id) { return document.getElementById(id); });
  var shown = document.getElementById("shown");
  function filter() {
    var q = controls[0].value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var ok = (!q || texts.get(row).indexOf(q) >= 0)
        && (!controls[1].value || row.dataset.role === controls[1].value)
        && (!controls[2].value || row.dataset.leaf === controls[2].value)
        && (!controls[3].value || row.dataset.status === controls[3].value)
        && (!controls[4].value || row.dataset.kind === controls[4].value);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + "件";
  }
  controls.forEach(function (c) { c.addEventListener("input", filter); c.addEventListener("change", filter); });
  var order = {};
  Array.prototype.forEach.call(table.querySelectorAll("thead button"), function (button) {
    button.addEventListener("click", function () {
      var column = Number(button.dataset.sort), numeric = button.dataset.type === "number";
      var up = order[column] = !order[column];
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        if (numeric) {
          var m = parseFloat(x.dataset.value), n = parseFloat(y.dataset.value);
          m = isNaN(m) ? -Infinity : m; n = isNaN(n) ? -Infinity : n;
          return up ? m - n : n - m;
        }
        return up ? x.textContent.localeCompare(y.textContent, "ja") : y.textContent.localeCompare(x.textContent, "ja");
      });
      rows.forEach(function (row) { body.appendChild(row); });
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) { th.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", up ? "ascending" : "descending");
    });
  });
}());
