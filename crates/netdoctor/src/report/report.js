// netdoctor report: graph interaction (collapse, filter, search, side panel) and #selftest.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var G = data.graph, svg = document.getElementById("graph");
  if (!svg) { document.body.dataset.ready = "1"; return; }
  var NW = G.node_w, NH = G.node_h, SVGNS = svg.namespaceURI;
  var nodeEls = [], edgeEls = [], labelEls = [], edges = [], edgeAt = {};
  var collapsed = {}, hiddenGroup = {}, selected = -1, scale = 1;
  // Flows are kept compactly (netdoctor-core report/flows.rs): per node, who reaches it as runs
  // [start, len, conn] over source nodes, identical columns shared. A node's flows in are
  // its column decoded; its flows out are its entry looked up in the other nodes' columns.
  var F = G.flows, N = G.nodes.length;
  function col(d) { return F.columns[F.column_of[d]]; }
  function flow(s, d, c) { return { src: s, dst: d, conn: F.conns[c] }; }
  function eachFlow(cb) {
    for (var d = 0; d < N; d++) {
      var c = col(d);
      for (var k = 0; k < c.length; k += 3) for (var s = c[k]; s < c[k] + c[k + 1]; s++) if (s !== d) cb(s, d, c[k + 2]);
    }
  }
  function valueAt(c, i) {
    var lo = 0, hi = c.length / 3;
    while (lo < hi) {
      var m = (lo + hi) >> 1, a = c[3 * m];
      if (a + c[3 * m + 1] <= i) lo = m + 1; else if (a > i) hi = m; else return c[3 * m + 2];
    }
    return -1;
  }
  function incoming(i) {
    var r = [], c = col(i);
    for (var k = 0; k < c.length; k += 3) for (var s = c[k]; s < c[k] + c[k + 1]; s++) if (s !== i) r.push(flow(s, i, c[k + 2]));
    return r;
  }
  function outgoing(i) {
    var r = [], seen = {};
    for (var d = 0; d < N; d++) {
      if (d === i) continue;
      var ci = F.column_of[d], v = seen[ci];
      if (v === undefined) v = seen[ci] = valueAt(F.columns[ci], i);
      if (v >= 0) r.push(flow(i, d, v));
    }
    return r;
  }
  // (flows in, flows out) of every node, from the runs: a difference array for flows out.
  function degrees() {
    var din = new Array(N).fill(0), diff = new Array(N + 1).fill(0), dout = [];
    for (var d = 0; d < N; d++) {
      var c = col(d);
      for (var k = 0; k < c.length; k += 3) {
        var a = c[k], b = c[k] + c[k + 1], own = a <= d && d < b ? 1 : 0;
        din[d] += b - a - own; diff[a]++; diff[b]--;
        if (own) { diff[d]--; diff[d + 1]++; }
      }
    }
    for (var s = 0, acc = 0; s < N; s++) { acc += diff[s]; dout[s] = acc; }
    return [din, dout];
  }
  svg.querySelectorAll(".node").forEach(function (el) { nodeEls[+el.dataset.i] = el; });
  svg.querySelectorAll(".edge").forEach(function (el) { edgeEls[+el.dataset.i] = el; });
  svg.querySelectorAll(".elabel").forEach(function (el) { labelEls[+el.dataset.i] = el; });
  // Drawn up front (few flows): numbered in decoding order, as the renderer numbered them.
  if (edgeEls.length) eachFlow(function (s, d, c) { edgeAt[s * N + d] = edges.length; edges.push(flow(s, d, c)); });
  var dyn = document.getElementById("dyn-edges");

  function pos(i) {
    var n = G.nodes[i], g = G.groups[n.group];
    if (collapsed[n.group]) return [g.x + G.pad, g.y + G.header + G.pad];
    return [n.x, n.y];
  }
  function border(p, t) {
    var cx = p[0] + NW / 2, cy = p[1] + NH / 2, dx = t[0] - cx, dy = t[1] - cy;
    if (!dx && !dy) return [cx, cy];
    var tx = dx ? (NW / 2) / Math.abs(dx) : Infinity, ty = dy ? (NH / 2) / Math.abs(dy) : Infinity;
    var k = Math.min(tx, ty, 1);
    return [cx + dx * k, cy + dy * k];
  }
  function curve(e) {
    var p = pos(e.src), q = pos(e.dst);
    var a = [p[0] + NW / 2, p[1] + NH / 2], b = [q[0] + NW / 2, q[1] + NH / 2];
    var dx = b[0] - a[0], dy = b[1] - a[1], len = Math.max(1, Math.sqrt(dx * dx + dy * dy));
    // The same bend as the Rust side (report.rs edge_curve).
    var bend = Math.abs(dx) < NW / 2 ? 2 * (NW / 2 + 14) + Math.min(len * 0.1, 60)
      : Math.abs(dy) < NH / 2 ? Math.max(2 * (NH / 2 + 8), Math.min(len * 0.12, 80))
      : Math.min(len * 0.12, 60);
    var c = [(a[0] + b[0]) / 2 - dy / len * bend, (a[1] + b[1]) / 2 + dx / len * bend];
    return [border(p, c), c, border(q, c)];
  }
  function f1(v) { return Math.round(v * 10) / 10; }
  function pathD(k) { return "M" + f1(k[0][0]) + "," + f1(k[0][1]) + " Q" + f1(k[1][0]) + "," + f1(k[1][1]) + " " + f1(k[2][0]) + "," + f1(k[2][1]); }
  function mid(k) { return [0.25 * k[0][0] + 0.5 * k[1][0] + 0.25 * k[2][0], 0.25 * k[0][1] + 0.5 * k[1][1] + 0.25 * k[2][1]]; }
  function nodeVisible(i) { var g = G.nodes[i].group; return !hiddenGroup[g] && !collapsed[g]; }
  function edgeVisible(e) {
    var gs = G.nodes[e.src].group, gd = G.nodes[e.dst].group;
    if (hiddenGroup[gs] || hiddenGroup[gd]) return false;
    return !(gs === gd && collapsed[gs]);
  }
  function mkEdge(e, parent) {
    var k = curve(e), p = document.createElementNS(SVGNS, "path");
    p.setAttribute("class", "edge hl" + (e.conn === "All Connections" ? " all" : ""));
    p.setAttribute("d", pathD(k));
    parent.appendChild(p);
    if (e.conn === "All Connections") return;
    var t = document.createElementNS(SVGNS, "text"), m = mid(k);
    t.setAttribute("class", "elabel hl");
    t.setAttribute("x", f1(m[0])); t.setAttribute("y", f1(m[1]));
    t.textContent = e.conn;
    parent.appendChild(t);
  }
  // Redraws after a collapse or filter change.
  function refresh() {
    G.groups.forEach(function (g, gi) {
      var el = document.getElementById("grp-" + gi), box = el.querySelector(".box");
      el.classList.toggle("gone", !!hiddenGroup[gi]);
      var c = !!collapsed[gi];
      box.setAttribute("width", c ? NW + 2 * G.pad : g.w);
      box.setAttribute("height", c ? G.header + 2 * G.pad + NH : g.h);
      el.querySelector(".cnode").classList.toggle("gone", !c);
      el.querySelector(".tw").textContent = c ? "▸ " : "▾ ";
    });
    nodeEls.forEach(function (el, i) { el.classList.toggle("gone", !nodeVisible(i)); });
    edges.forEach(function (e, i) {
      var el = edgeEls[i];
      if (!el) return;
      var vis = edgeVisible(e);
      el.classList.toggle("gone", !vis);
      if (labelEls[i]) labelEls[i].classList.toggle("gone", !vis);
      if (!vis) return;
      var k = curve(e);
      el.setAttribute("d", pathD(k));
      if (labelEls[i]) { var m = mid(k); labelEls[i].setAttribute("x", f1(m[0])); labelEls[i].setAttribute("y", f1(m[1])); }
    });
    if (selected >= 0) select(selected);
    status();
  }
  function visibleCount() { return nodeEls.filter(function (el) { return !el.classList.contains("gone"); }).length; }
  function status() {
    var s = document.getElementById("status");
    if (s) s.textContent = visibleCount() + " of " + G.nodes.length + " nodes shown";
  }
  function esc(s) { var d = document.createElement("span"); d.textContent = s; return d.innerHTML; }
  function flowList(rows, other) {
    if (!rows.length) return "<p class=\"count\">none</p>";
    rows = rows.slice().sort(function (a, b) { return G.nodes[a[other]].name < G.nodes[b[other]].name ? -1 : 1; });
    return "<ul>" + rows.map(function (e) {
      return "<li><a data-go=\"" + e[other] + "\">" + esc(G.nodes[e[other]].name) + "</a> <span class=\"count conn\">" + esc(e.conn) + "</span></li>";
    }).join("") + "</ul>";
  }
  function select(i) {
    selected = i;
    var n = G.nodes[i], nb = {};
    svg.classList.add("focus");
    nodeEls.forEach(function (el) { el.classList.remove("sel", "nb"); });
    edgeEls.forEach(function (el) { if (el) el.classList.remove("hl"); });
    labelEls.forEach(function (el) { if (el) el.classList.remove("hl"); });
    while (dyn.firstChild) dyn.removeChild(dyn.firstChild);
    var out = outgoing(i), inc = incoming(i);
    out.concat(inc).forEach(function (e) {
      nb[e.src] = nb[e.dst] = true;
      if (!edgeVisible(e)) return;
      var k = edgeAt[e.src * N + e.dst];
      if (k !== undefined && edgeEls[k]) { edgeEls[k].classList.add("hl"); if (labelEls[k]) labelEls[k].classList.add("hl"); }
      else mkEdge(e, dyn);
    });
    Object.keys(nb).forEach(function (k) { nodeEls[k].classList.add("nb"); });
    nodeEls[i].classList.add("sel");
    var iso = function (list, dir) {
      return list && list.length ? "<p><b>" + dir + " isolated</b> by " + list.map(esc).join(", ") + "</p>"
        : "<p>" + dir + ": not isolated" + (n.kind === "External" || n.kind === "IngressController" ? " (not a pod)" : " (no policy selects it: all allowed)") + "</p>";
    };
    var fs = (n.findings || []).map(function (id) {
      var el = document.getElementById(id), t = el ? el.querySelector(".head").textContent : id;
      return "<li><a href=\"#" + id + "\">" + esc(t) + "</a></li>";
    }).join("");
    var p = document.getElementById("panel");
    p.innerHTML = "<button id=\"panel-close\" style=\"float:right\">✕</button><h3 id=\"panel-title\">" + esc(n.name) + "</h3>" +
      "<p class=\"count\">" + esc(n.kind) + " · " + esc(G.groups[n.group].name) + "</p>" +
      iso(n.ingress_isolated_by, "Ingress") + iso(n.egress_isolated_by, "Egress") +
      (fs ? "<h4>Findings</h4><ul>" + fs + "</ul>" : "") +
      "<h4>Can reach (" + out.length + ")</h4><div id=\"panel-out\">" + flowList(out, "dst") + "</div>" +
      "<h4>Reachable from (" + inc.length + ")</h4><div id=\"panel-in\">" + flowList(inc, "src") + "</div>";
    p.hidden = false;
  }
  function deselect() {
    selected = -1;
    svg.classList.remove("focus");
    while (dyn.firstChild) dyn.removeChild(dyn.firstChild);
    document.getElementById("panel").hidden = true;
  }
  function reveal(i) {
    var g = G.nodes[i].group;
    if (hiddenGroup[g] || collapsed[g]) { delete hiddenGroup[g]; delete collapsed[g]; syncFilter(); refresh(); }
    center(i);
    select(i);
  }
  // Scrolls the graph (not the page) so node i is in the middle of the view.
  function center(i) {
    var p = pos(i), c = document.getElementById("canvas");
    c.scrollLeft = Math.max(0, (p[0] + NW / 2) * scale - c.clientWidth / 2);
    c.scrollTop = Math.max(0, (p[1] + NH / 2) * scale - c.clientHeight / 2);
  }
  svg.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target.closest(".node,.gname,.cnode") : null;
    if (!t) { deselect(); return; }
    var gi = t.closest(".grp") ? +t.closest(".grp").dataset.g : -1;
    if (t.classList.contains("node")) select(+t.dataset.i);
    else if (gi >= 0) { collapsed[gi] = !collapsed[gi]; syncFilter(); refresh(); }
  });
  document.getElementById("panel").addEventListener("click", function (ev) {
    var a = ev.target.closest("a[data-go]");
    if (a) { ev.preventDefault(); reveal(+a.dataset.go); }
    if (ev.target.id === "panel-close") deselect();
  });
  // Search.
  var search = document.getElementById("search");
  function doSearch() {
    var q = search.value.trim().toLowerCase(), hits = [];
    nodeEls.forEach(function (el, i) {
      var h = q !== "" && G.nodes[i].name.toLowerCase().indexOf(q) >= 0;
      el.classList.toggle("hit", h);
      if (h) hits.push(i);
    });
    svg.classList.toggle("searching", q !== "");
    document.getElementById("hits").textContent = q ? hits.length + " match" + (hits.length === 1 ? "" : "es") : "";
    return hits;
  }
  search.addEventListener("input", doSearch);
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { var h = doSearch(); if (h.length) reveal(h[0]); } });
  // Namespace filter and collapse.
  var filter = document.getElementById("nsfilter-list");
  filter.innerHTML = G.groups.map(function (g, gi) {
    return "<label><input type=\"checkbox\" data-show=\"" + gi + "\" checked> show</label>" +
      "<label style=\"margin:0 0 6px 18px\"><input type=\"checkbox\" data-collapse=\"" + gi + "\"> collapse <b>" + esc(g.name) + "</b> (" + g.nodes.length + ")</label>";
  }).join("");
  function syncFilter() {
    filter.querySelectorAll("input[data-show]").forEach(function (c) { c.checked = !hiddenGroup[c.dataset.show]; });
    filter.querySelectorAll("input[data-collapse]").forEach(function (c) { c.checked = !!collapsed[c.dataset.collapse]; });
  }
  filter.addEventListener("change", function (ev) {
    var c = ev.target;
    if (c.dataset.show !== undefined) { if (c.checked) delete hiddenGroup[c.dataset.show]; else hiddenGroup[c.dataset.show] = true; }
    if (c.dataset.collapse !== undefined) { if (c.checked) collapsed[c.dataset.collapse] = true; else delete collapsed[c.dataset.collapse]; }
    refresh();
  });
  function all(v) { G.groups.forEach(function (g, gi) { if (v) collapsed[gi] = true; else delete collapsed[gi]; }); syncFilter(); refresh(); }
  document.getElementById("collapse-all").onclick = function () { all(true); };
  document.getElementById("expand-all").onclick = function () { all(false); };
  document.getElementById("hide-all").onchange = function (ev) { svg.classList.toggle("hide-all", ev.target.checked); };
  // Zoom.
  function zoom(s) {
    scale = Math.max(0.15, Math.min(3, s));
    svg.setAttribute("width", Math.round(G.width * scale));
    svg.setAttribute("height", Math.round(G.height * scale));
  }
  var canvas = document.getElementById("canvas");
  document.getElementById("zoom-in").onclick = function () { zoom(scale * 1.25); };
  document.getElementById("zoom-out").onclick = function () { zoom(scale / 1.25); };
  document.getElementById("zoom-fit").onclick = function () { zoom((canvas.clientWidth - 4) / G.width); };
  if (location.hash.indexOf("graph") >= 0) document.body.classList.add("graph-only");
  if (G.width > canvas.clientWidth && canvas.clientWidth > 0) zoom(Math.max(0.5, (canvas.clientWidth - 4) / G.width));
  status();

  // Self-test (#selftest): counts, a click on the busiest workload, collapse, filter, search.
  function selftest() {
    var r = { nodes: svg.querySelectorAll(".node").length, edges: svg.querySelectorAll("#edges .edge").length,
      groups: svg.querySelectorAll(".grp").length, data_nodes: G.nodes.length, data_edges: F.total };
    var ft = document.getElementById("panel-title");
    if (ft && !document.getElementById("panel").hidden) r.opened_on = ft.textContent;
    var best = -1, deg = -1, dg = degrees();
    r.degree_sum = dg[0].reduce(function (a, b) { return a + b; }, 0);
    G.nodes.forEach(function (n, i) {
      var d = dg[0][i] + dg[1][i];
      if (n.kind !== "External" && n.kind !== "IngressController" && d > deg) { best = i; deg = d; }
    });
    if (best >= 0) {
      var g = G.nodes[best].group;
      nodeEls[best].dispatchEvent(new MouseEvent("click", { bubbles: true }));
      var li = function (id) { return Array.prototype.map.call(document.querySelectorAll("#" + id + " li"), function (l) { return l.textContent; }); };
      r.clicked = G.nodes[best].name;
      r.panel = { title: document.getElementById("panel-title").textContent, hidden: document.getElementById("panel").hidden,
        can_reach: li("panel-out"), reachable_from: li("panel-in"), highlighted_edges: svg.querySelectorAll(".edge.hl").length };
      var cb = filter.querySelector("input[data-collapse=\"" + g + "\"]");
      cb.checked = true; cb.dispatchEvent(new Event("change", { bubbles: true }));
      r.collapsed_visible = visibleCount();
      cb.checked = false; cb.dispatchEvent(new Event("change", { bubbles: true }));
      var sh = filter.querySelector("input[data-show=\"" + g + "\"]");
      sh.checked = false; sh.dispatchEvent(new Event("change", { bubbles: true }));
      r.filtered_visible = visibleCount();
      sh.checked = true; sh.dispatchEvent(new Event("change", { bubbles: true }));
      r.restored_visible = visibleCount();
      search.value = G.nodes[best].name;
      search.dispatchEvent(new Event("input"));
      r.search_hits = svg.querySelectorAll(".node.hit").length;
      search.value = ""; search.dispatchEvent(new Event("input"));
      reveal(best);
    }
    var el = document.getElementById("selftest");
    el.textContent = JSON.stringify(r);
    el.dataset.selftest = "done";
  }
  // URL fragment flags, comma-separated: `graph` shows the graph alone (for screenshots),
  // `selftest` runs the self-test.
  if (data.focus) {
    for (var fi = 0; fi < G.nodes.length; fi++) if (G.nodes[fi].name === data.focus) { reveal(fi); break; }
  }
  var flags = location.hash.replace(/^#/, "").split(",");
  if (flags.indexOf("graph") >= 0) document.body.classList.add("graph-only");
  if (flags.indexOf("selftest") >= 0) selftest();
  document.body.dataset.ready = "1";
})();
