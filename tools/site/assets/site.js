// ftp-lab site: diagrams (mermaid, bundled), the search box (minisearch, index built at build
// time), the menu on small screens, marked lines in source views, and printing with every
// folded block open. Plain browser JavaScript, no network.
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "";

  // ---------------------------------------------------------------------------------------
  // Diagrams: every <pre class="mermaid"> becomes an SVG. One inside a closed <details> is
  // drawn when it opens (mermaid measures text, which needs it on screen).
  function renderDiagrams() {
    var all = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
    if (all.length === 0) {
      document.documentElement.setAttribute("data-diagrams", "none");
      return;
    }
    if (!window.mermaid) {
      console.error("ftp-lab: mermaid.min.js did not load; the diagrams stay text");
      return;
    }
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: "neutral",
      sequence: { useMaxWidth: true, showSequenceNumbers: false, wrap: false, mirrorActors: true },
    });
    var hidden = function (el) {
      for (var p = el.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS" && !p.open) return p;
      return null;
    };
    var run = function (nodes) {
      if (nodes.length === 0) return Promise.resolve();
      return window.mermaid.run({ nodes: nodes }).catch(function (err) {
        console.error("ftp-lab: a diagram could not be drawn: " + (err && err.message ? err.message : err));
      });
    };
    var now = all.filter(function (el) { return !hidden(el); });
    var later = all.filter(function (el) { return hidden(el); });
    later.forEach(function (el) {
      var details = hidden(el);
      details.addEventListener("toggle", function once() {
        if (!details.open || el.getAttribute("data-processed")) return;
        run([el]);
      });
    });
    run(now).then(function () {
      document.documentElement.setAttribute("data-diagrams", "done");
    });
  }

  // ---------------------------------------------------------------------------------------
  // Search: the index and minisearch load the first time the box is used.
  var search = null;
  var loading = null;
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = root + src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }
  function loadSearch() {
    if (!loading) {
      loading = loadScript("assets/minisearch.js")
        .then(function () { return loadScript("assets/search-index.js"); })
        .then(function () {
          var data = window.FTPLAB_SEARCH;
          search = window.MiniSearch.loadJS(data.index, data.options);
          return search;
        });
    }
    return loading;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }
  function setupSearch() {
    var input = document.getElementById("search-input");
    var list = document.getElementById("search-results");
    if (!input || !list) return;
    var selected = -1;
    function show(results) {
      selected = -1;
      if (input.value.trim() === "") {
        list.hidden = true;
        list.innerHTML = "";
        return;
      }
      list.hidden = false;
      if (results.length === 0) {
        list.innerHTML = '<li class="none">Nothing found</li>';
        return;
      }
      list.innerHTML = results
        .slice(0, 12)
        .map(function (r) {
          var title = r.heading && r.heading !== r.page ? r.heading : r.page;
          return (
            '<li><a href="' + escapeHtml(root + r.url) + '"><span class="r-title">' + escapeHtml(title) + "</span>" +
            '<span class="r-page">' + escapeHtml(r.page) + "</span>" +
            (r.excerpt ? '<span class="r-text">' + escapeHtml(r.excerpt) + "</span>" : "") + "</a></li>"
          );
        })
        .join("");
    }
    function query() {
      var q = input.value.trim();
      if (q === "") return show([]);
      loadSearch().then(function (s) {
        if (input.value.trim() !== q) return;
        show(s.search(q, { prefix: true, fuzzy: 0.2, boost: { heading: 2, page: 1.5 }, combineWith: "AND" }));
      }, function (err) {
        console.error("ftp-lab: search is not available: " + err.message);
      });
    }
    input.addEventListener("focus", function () { loadSearch().catch(function () {}); });
    input.addEventListener("input", query);
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("a");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (items.length === 0) return;
        e.preventDefault();
        selected = (selected + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (a, i) { a.classList.toggle("selected", i === selected); });
        items[selected].scrollIntoView({ block: "nearest" });
      } else if (e.key === "Enter") {
        var target = items[selected >= 0 ? selected : 0];
        if (target) window.location.href = target.href;
      } else if (e.key === "Escape") {
        input.value = "";
        show([]);
      }
    });
    document.addEventListener("click", function (e) {
      if (!list.contains(e.target) && e.target !== input) list.hidden = true;
    });
    input.addEventListener("focus", function () { if (list.innerHTML) list.hidden = false; });
  }

  // ---------------------------------------------------------------------------------------
  // Source views: #L12 or #L12-L20 marks lines.
  function markLines() {
    var m = /^#L(\d+)(?:-L(\d+))?$/.exec(window.location.hash);
    var old = document.querySelectorAll(".line.marked");
    for (var k = 0; k < old.length; k++) old[k].classList.remove("marked");
    if (!m) return;
    var from = Number(m[1]);
    var to = Number(m[2] || m[1]);
    for (var i = from; i <= to; i++) {
      var row = document.getElementById("L" + i);
      if (row) row.classList.add("marked");
    }
    var first = document.getElementById("L" + from);
    if (first) first.scrollIntoView({ block: to > from ? "start" : "center" });
  }

  // ---------------------------------------------------------------------------------------
  // Menu on small screens.
  function setupMenu() {
    var button = document.querySelector(".nav-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = document.body.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // ---------------------------------------------------------------------------------------
  // Printing: open every folded block (reference code, hints), close them again after.
  function setupPrint() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
      opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  // A hint or heading named in the address opens (and its <details> too).
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var el = document.getElementById(id);
    for (var p = el; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
  }

  function start() {
    setupMenu();
    setupSearch();
    setupPrint();
    openTarget();
    markLines();
    window.addEventListener("hashchange", function () { markLines(); openTarget(); });
    renderDiagrams();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
