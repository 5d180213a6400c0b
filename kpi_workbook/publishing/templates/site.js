// KPI一覧: filter by text, role, leaf, 区分 and kind, and sort by a column; all in the page.
// A real round's list is all in the page: a filter hides the rows that do not fit.
// A large round's list (data-parts) shows its first rows at once and reads the rest part
// by part (kpis/N.js, each calling kpiPart with its rows); filters and the sort cover
// every row read, and the table shows the first PAGE rows that fit, with a button for
// more (a browser takes tens of seconds to lay out a table of 70,000 rows).
(function () {
  "use strict";
  var table = document.getElementById("kpis");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = [];
  var texts = new Map();  // a row's text, lower-cased once, not per key
  var fit = new Map();  // a row: whether it fits the filters
  var controls = ["q", "role", "leaf", "status", "kind"].map(function (id) { return document.getElementById(id); });
  var shown = document.getElementById("shown");
  var more = document.getElementById("more");
  var parts = (table.dataset.parts || "").split(" ").filter(Boolean);
  var paged = parts.length > 0, loading = paged;
  var PAGE = body.rows.length, limit = PAGE;
  var sorted = null;  // [column, up, numeric] of the last sort

  function fits(row) {
    var q = controls[0].value.trim().toLowerCase();
    return (!q || texts.get(row).indexOf(q) >= 0)
      && (!controls[1].value || row.dataset.role === controls[1].value)
      && (!controls[2].value || row.dataset.leaf === controls[2].value)
      && (!controls[3].value || row.dataset.status === controls[3].value)
      && (!controls[4].value || row.dataset.kind === controls[4].value);
  }
  function take(added) {
    added.forEach(function (row) {
      texts.set(row, row.textContent.toLowerCase());
      fit.set(row, fits(row));
      rows.push(row);
    });
  }
  function show(again) {  // again: lay the table out again (else the count only)
    var matches = rows.filter(function (row) { return fit.get(row); });
    if (paged && again) {
      body.replaceChildren.apply(body, matches.slice(0, limit));
      more.hidden = matches.length <= limit;
    } else if (again) {
      rows.forEach(function (row) { row.hidden = !fit.get(row); });
    }
    var text = matches.length + "件";
    if (paged && matches.length > limit) { text += "（先頭の" + limit + "件を表示）"; }
    if (loading) { text += "（読み込み中：" + rows.length + " / " + table.dataset.total + "件）"; }
    shown.textContent = text;
  }
  function filter() {
    rows.forEach(function (row) { fit.set(row, fits(row)); });
    limit = PAGE;
    show(true);
  }
  function sort() {
    var column = sorted[0], up = sorted[1], numeric = sorted[2];
    rows.sort(function (a, b) {
      var x = a.cells[column], y = b.cells[column];
      if (numeric) {
        var m = parseFloat(x.dataset.value), n = parseFloat(y.dataset.value);
        m = isNaN(m) ? -Infinity : m; n = isNaN(n) ? -Infinity : n;
        return up ? m - n : n - m;
      }
      return up ? x.textContent.localeCompare(y.textContent, "ja") : y.textContent.localeCompare(x.textContent, "ja");
    });
    if (paged) { show(true); } else { rows.forEach(function (row) { body.appendChild(row); }); }
  }
  take(Array.prototype.slice.call(body.rows));
  controls.forEach(function (c) { c.addEventListener("input", filter); c.addEventListener("change", filter); });
  var order = {};
  Array.prototype.forEach.call(table.querySelectorAll("thead button"), function (button) {
    button.addEventListener("click", function () {
      var column = Number(button.dataset.sort);
      order[column] = !order[column];
      sorted = [column, order[column], button.dataset.type === "number"];
      sort();
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) { th.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", order[column] ? "ascending" : "descending");
    });
  });
  if (!paged) { return; }

  more.addEventListener("click", function () { limit += PAGE; show(true); });
  var reading = document.createElement("tbody");  // a part's rows are read here, never laid out
  window.kpiPart = function (html) {
    reading.insertAdjacentHTML("beforeend", html);
    take(Array.prototype.slice.call(reading.rows));
    reading.replaceChildren();
  };
  function load(i) {
    if (i >= parts.length) {
      loading = false;
      table.dataset.loaded = "all";
      if (sorted) { sort(); } else { show(true); }
      return;
    }
    var script = document.createElement("script");
    script.src = parts[i];
    script.onload = function () {  // the table again only while it shows fewer rows than it could
      show(body.rows.length < limit);
      setTimeout(function () { load(i + 1); }, 0);
    };
    script.onerror = function () { loading = false; shown.textContent += "（一部を読み込めませんでした）"; };
    document.body.appendChild(script);
  }
  show(false);
  load(0);
}());
