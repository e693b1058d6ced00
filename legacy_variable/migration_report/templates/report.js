// The file view: built from the JSON block on demand, so a large tree's page stays light.
// A directory row opens to its files, a file row to its findings (with the source line).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lv-data").textContent);
  var S = data.strings, CODES = data.codes, NAMES = data.names, FIXES = data.fixes;
  var FIX_TEXT = { safe: "safe fix", unsafe: "unsafe fix", evidence: "evidence", hand: "by hand" };
  var table = document.getElementById("file-table");
  var body = table.tBodies[0];

  function density(count, lines) { return lines ? 1000 * count / lines : 0; }
  var dirs = data.dirs.map(function (d) {
    return { path: d[0], files: d[1], legacyFiles: d[2], lines: d[3], count: d[4],
             density: density(d[4], d[3]), children: [], open: false };
  });
  var byDir = {};
  dirs.forEach(function (d) { byDir[d.path] = d; });
  var files = data.files.map(function (f) {
    var slash = f[0].lastIndexOf("/");
    var file = { path: f[0], name: slash < 0 ? f[0] : f[0].slice(slash + 1),
                 dir: slash < 0 ? "." : f[0].slice(0, slash), lines: f[1], findings: f[2],
                 count: f[2].length, density: density(f[2].length, f[1]), open: false };
    (byDir[file.dir] || (byDir[file.dir] = { path: file.dir, children: [] })).children.push(file);
    return file;
  });
  var maxLines = Math.max.apply(null, [1].concat(dirs.map(function (d) { return d.lines; })));
  var maxDensity = Math.max.apply(null, [1].concat(files.map(function (f) { return f.density; })));
  // Small trees open fully: nothing to hunt for.
  if (dirs.length <= 8) dirs.forEach(function (d) { d.open = true; });

  var sort = { key: "density", desc: true };

  function heat(value) {
    // One hue, lightness by log-density: readable for colour-blind readers and in print.
    var t = value > 0 ? Math.min(1, Math.log1p(value) / Math.log1p(maxDensity)) : 0;
    return "hsl(8, " + Math.round(20 + 65 * t) + "%, " + Math.round(96 - 46 * t) + "%)";
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function cells(row, item, label, toggle) {
    var first = el("td");
    if (toggle !== null) first.appendChild(el("span", "toggle", toggle ? "▾" : "▸"));
    first.appendChild(el("span", item.children ? "" : "loc", label));
    row.appendChild(first);
    var lines = el("td", "num lines");
    var bar = el("span", "sizebar");
    bar.style.width = Math.max(2, Math.round(90 * item.lines / maxLines)) + "px";
    bar.style.background = heat(item.density);
    bar.style.outline = "1px solid rgba(0,0,0,.12)";
    lines.appendChild(bar);
    lines.appendChild(document.createTextNode(item.lines.toLocaleString("en")));
    row.appendChild(lines);
    row.appendChild(el("td", "num", String(item.count)));
    var d = el("td", "num");
    var chip = el("span", "heat", item.density.toFixed(1));
    chip.style.background = heat(item.density);
    if (item.density / maxDensity > 0.55) chip.style.color = "#fff";
    d.appendChild(chip);
    row.appendChild(d);
  }
  // Catalog messages mark code with backticks, as the linter prints them.
  function prose(parent, text) {
    text.split("`").forEach(function (part, i) {
      parent.appendChild(i % 2 ? el("code", "", part) : document.createTextNode(part));
    });
  }
  function compare(a, b) {
    var k = sort.key, x = a[k], y = b[k];
    var c = typeof x === "string" ? x.localeCompare(y) : x - y;
    if (c === 0) c = a.path.localeCompare(b.path);
    return sort.desc ? -c : c;
  }
  function findingsRow(file) {
    var row = el("tr", "findings");
    var td = el("td");
    td.colSpan = 4;
    var list = el("ol", "findings");
    file.findings.forEach(function (f) {
      var li = el("li");
      var where = (f[6] ? "cell " + f[6] + ":" : "") + f[0] + ":" + f[1];
      li.appendChild(el("span", "loc", where + " "));
      var code = el("a", "code", CODES[f[2]]);
      code.href = "#rule-" + CODES[f[2]];
      code.title = NAMES[f[2]];
      li.appendChild(code);
      var fix = FIXES[f[3]];
      var tag = el("span", "fixtag fix-" + fix, FIX_TEXT[fix]);
      li.appendChild(tag);
      if (f[7]) li.appendChild(el("span", "rantag", "ran ×" + f[7]));
      li.appendChild(document.createTextNode(" "));
      prose(li, S[f[4]]);
      if (f[5] >= 0) li.appendChild(el("pre", "", S[f[5]].trim()));
      list.appendChild(li);
    });
    td.appendChild(list);
    row.appendChild(td);
    return row;
  }
  function render() {
    var fragment = document.createDocumentFragment();
    dirs.slice().sort(compare).forEach(function (d) {
      var row = el("tr", "dir");
      cells(row, d, d.path + "/", d.open);
      row.title = d.legacyFiles + " of " + d.files + " files with legacy code";
      row.addEventListener("click", function () { d.open = !d.open; render(); });
      fragment.appendChild(row);
      if (!d.open) return;
      (byDir[d.path].children || []).slice().sort(compare).forEach(function (f) {
        var frow = el("tr", "file");
        frow.id = "file=" + encodeURIComponent(f.path);
        cells(frow, f, f.name, f.open);
        frow.addEventListener("click", function () { f.open = !f.open; render(); });
        fragment.appendChild(frow);
        if (f.open) fragment.appendChild(findingsRow(f));
      });
      var clean = d.files - d.legacyFiles;
      if (clean) {
        var note = el("tr", "more");
        var td = el("td", "more", clean + " file" + (clean === 1 ? "" : "s") + " without legacy code");
        td.colSpan = 4;
        td.style.paddingLeft = "26px";
        note.appendChild(td);
        fragment.appendChild(note);
      }
    });
    body.textContent = "";
    body.appendChild(fragment);
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      sort = { key: key, desc: sort.key === key ? !sort.desc : key !== "path" };
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.classList.toggle("sorted", other === th);
        other.classList.toggle("asc", other === th && !sort.desc);
        other.classList.toggle("desc", other === th && sort.desc);
      });
      render();
    });
  });

  function follow() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("rule-") === 0) {
      var rule = document.getElementById(hash);
      if (rule && rule.tagName === "DETAILS") rule.open = true;
    } else if (hash.indexOf("file=") === 0) {
      var path = hash.slice(5);
      files.forEach(function (f) {
        if (f.path === path) { f.open = true; byDir[f.dir].open = true; }
      });
      dirs.forEach(function (d) { if (byDir[d.path] && byDir[d.path].open) d.open = true; });
      render();
      var row = document.getElementById("file=" + encodeURIComponent(path));
      if (row) row.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", follow);
  // Paper cannot click: print every explanation open.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  render();
  if (location.hash) follow();
})();
