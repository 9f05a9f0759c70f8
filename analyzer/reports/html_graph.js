// The report's graph: expand and collapse groups, draw the edges between what is shown,
// search, and count overlapping labels (on <html data-label-overlaps>, for tests).
// The layout comes from the report (analyzer/reports/html_layout.py); this script only
// sums column widths and row heights for the current state, as place_groups does.
// Names from the analyzed code are only ever set as text, never parsed as markup.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("graph");
  // edges between groups run under the groups' frames, edges inside an open group over them
  var edgeLayer = document.getElementById("edges");
  var innerLayer = document.getElementById("inner-edges");
  var groups = {}; // name -> {spec, element, x, y, width, height}
  var nodeGroup = {}; // node id -> group name
  var nodeElements = {}; // node id -> its <g>
  var expanded = {};

  data.groups.forEach(function (spec) {
    groups[spec.name] = { spec: spec };
  });
  Array.prototype.forEach.call(svg.querySelectorAll("g.group"), function (element) {
    var group = groups[element.dataset.group];
    group.element = element;
    element.querySelector("text.title").addEventListener("click", function () {
      setExpanded(element.dataset.group, !expanded[element.dataset.group]);
      render();
    });
    Array.prototype.forEach.call(element.querySelectorAll("g.node"), function (node) {
      nodeGroup[node.dataset.node] = element.dataset.group;
      nodeElements[node.dataset.node] = node;
      light(node, node.dataset.node);
    });
    light(element.querySelector("text.title"), element.dataset.group);
  });

  // Hovering a node (or a group's title) brings out the edges that end on it.
  function light(element, key) {
    function toggle(on) {
      var paths = Array.prototype.slice.call(edgeLayer.childNodes);
      paths = paths.concat(Array.prototype.slice.call(innerLayer.childNodes));
      paths.forEach(function (path) {
        if (path.dataset.from === key || path.dataset.to === key) path.classList.toggle("lit", on);
      });
    }
    element.addEventListener("mouseenter", function () {
      toggle(true);
    });
    element.addEventListener("mouseleave", function () {
      toggle(false);
    });
  }

  function setExpanded(name, open) {
    expanded[name] = open;
    var group = groups[name];
    group.element.classList.toggle("expanded", open);
    var title = group.element.querySelector("text.title");
    title.textContent = (open ? "[-] " : "[+] ") + title.textContent.slice(4);
  }

  function place() {
    var widths = [];
    var heights = [];
    data.groups.forEach(function (spec) {
      var size = expanded[spec.name] ? spec.expanded : spec.collapsed;
      widths[spec.column] = Math.max(widths[spec.column] || 0, size[0]);
      heights[spec.row] = Math.max(heights[spec.row] || 0, size[1]);
    });
    function starts(sizes) {
      var at = [];
      var sum = data.gap;
      for (var i = 0; i < sizes.length; i++) {
        at.push(sum);
        sum += (sizes[i] || 0) + data.gap;
      }
      at.push(sum);
      return at;
    }
    var xs = starts(widths);
    var ys = starts(heights);
    data.groups.forEach(function (spec) {
      var group = groups[spec.name];
      var size = expanded[spec.name] ? spec.expanded : spec.collapsed;
      group.x = xs[spec.column];
      group.y = ys[spec.row];
      group.width = size[0];
      group.height = size[1];
      group.element.setAttribute("transform", "translate(" + group.x + " " + group.y + ")");
      var frame = group.element.querySelector("rect.frame");
      frame.setAttribute("width", size[0]);
      frame.setAttribute("height", size[1]);
    });
    svg.setAttribute("width", xs[xs.length - 1]);
    svg.setAttribute("height", ys[ys.length - 1]);
  }

  // Where an edge ends: the node itself when its group is open, else its group's frame.
  function end(nodeId) {
    var group = groups[nodeGroup[nodeId]];
    if (expanded[nodeGroup[nodeId]]) {
      var rect = nodeElements[nodeId].querySelector("rect");
      var x = +rect.getAttribute("x");
      var width = +rect.getAttribute("width");
      var y = group.y + (+rect.getAttribute("y")) + (+rect.getAttribute("height")) / 2;
      return { key: nodeId, left: group.x + x, right: group.x + x + width, y: y };
    }
    var middle = group.y + Math.min(group.height, 28) / 2;
    return { key: group.spec.name, left: group.x, right: group.x + group.width, y: middle };
  }

  function drawEdges() {
    [edgeLayer, innerLayer].forEach(function (layer) {
      while (layer.firstChild) layer.removeChild(layer.firstChild);
    });
    var bundles = {};
    var order = [];
    data.edges.forEach(function (edge) {
      if (!(edge[0] in nodeGroup) || !(edge[1] in nodeGroup)) return;
      var from = end(edge[0]);
      var to = end(edge[1]);
      if (from.key === to.key) return;
      var key = from.key + "\u0000" + to.key + "\u0000" + edge[2];
      if (!(key in bundles)) {
        var crossing = nodeGroup[edge[0]] !== nodeGroup[edge[1]];
        bundles[key] = { from: from, to: to, kind: edge[2], crossing: crossing, count: 0 };
        order.push(key);
      }
      bundles[key].count += 1;
    });
    order.forEach(function (key) {
      var b = bundles[key];
      var rightward = b.from.right <= b.to.left;
      var x1 = rightward ? b.from.right : b.from.left;
      var x2 = rightward ? b.to.left : b.to.right;
      if (!rightward && b.from.left < b.to.right && b.to.left < b.from.right) {
        x1 = b.from.right; // stacked: leave and enter on the right, bowing outwards
        x2 = b.to.right;
      }
      var bow = 24 + Math.abs(b.to.y - b.from.y) / 8;
      var c1 = x1 + (x1 === b.from.right ? bow : -bow);
      var c2 = x2 + (x2 === b.to.right ? bow : -bow);
      var path = document.createElementNS(SVG, "path");
      path.setAttribute(
        "d",
        "M" + x1 + " " + b.from.y + " C" + c1 + " " + b.from.y + " " + c2 + " " + b.to.y +
          " " + x2 + " " + b.to.y
      );
      path.setAttribute("class", "edge " + b.kind + (b.crossing ? " crossing" : " inner"));
      path.setAttribute("stroke-width", String(1 + Math.log2(b.count)));
      path.dataset.from = b.from.key;
      path.dataset.to = b.to.key;
      var title = document.createElementNS(SVG, "title");
      title.textContent = b.count + " " + b.kind;
      path.appendChild(title);
      (b.crossing ? edgeLayer : innerLayer).appendChild(path);
    });
    document.documentElement.dataset.edges = String(order.length);
  }

  function visibleLabels() {
    var texts = [];
    Array.prototype.forEach.call(svg.querySelectorAll("text"), function (text) {
      if (text.getClientRects().length) texts.push(text);
    });
    return texts;
  }

  // Narrow any label the font draws wider than the layout allowed it.
  function fit(texts) {
    texts.forEach(function (text) {
      var allowed = +text.dataset.width;
      if (text.getComputedTextLength() > allowed) {
        text.setAttribute("textLength", allowed);
        text.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    });
  }

  function countOverlaps(texts) {
    var boxes = texts.map(function (text) {
      return text.getBoundingClientRect();
    });
    boxes.sort(function (a, b) {
      return a.left - b.left;
    });
    var overlaps = 0;
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length && boxes[j].left < boxes[i].right; j++) {
        if (boxes[j].top < boxes[i].bottom && boxes[i].top < boxes[j].bottom) overlaps++;
      }
    }
    return overlaps;
  }

  function render() {
    place();
    drawEdges();
    var texts = visibleLabels();
    fit(texts);
    var root = document.documentElement.dataset;
    root.labels = String(texts.length);
    root.labelOverlaps = String(countOverlaps(texts));
    root.expandedGroups = String(
      Object.keys(expanded).filter(function (name) {
        return expanded[name];
      }).length
    );
  }

  var search = document.getElementById("search");
  var found = document.getElementById("search-found");

  function runSearch(query) {
    var wanted = query.trim().toLowerCase();
    var first = null;
    var count = 0;
    Array.prototype.forEach.call(svg.querySelectorAll(".match"), function (element) {
      element.classList.remove("match");
    });
    if (wanted) {
      Object.keys(nodeElements).forEach(function (id) {
        var element = nodeElements[id];
        if (element.dataset.find.indexOf(wanted) === -1) return;
        element.classList.add("match");
        if (!expanded[nodeGroup[id]]) setExpanded(nodeGroup[id], true);
        first = first || element;
        count++;
      });
      Object.keys(groups).forEach(function (name) {
        if (name.toLowerCase().indexOf(wanted) === -1) return;
        groups[name].element.classList.add("match");
        first = first || groups[name].element;
        count++;
      });
    }
    found.textContent = wanted ? count + " found" : "";
    document.documentElement.dataset.matches = String(count);
    render();
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center", inline: "center" });
  }

  search.addEventListener("input", function () {
    runSearch(search.value);
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    Object.keys(groups).forEach(function (name) {
      setExpanded(name, true);
    });
    render();
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    Object.keys(groups).forEach(function (name) {
      setExpanded(name, false);
    });
    render();
  });

  // #expand=all, #expand=name,name and #search=text open the page in that state.
  var query = "";
  location.hash.slice(1).split("&").forEach(function (part) {
    var pair = part.split("=");
    var value = decodeURIComponent(pair.slice(1).join("="));
    if (pair[0] === "expand") {
      value.split(",").forEach(function (name) {
        Object.keys(groups).forEach(function (known) {
          if (value === "all" || known === name) setExpanded(known, true);
        });
      });
    } else if (pair[0] === "search") {
      query = value;
    }
  });
  search.value = query;
  runSearch(query);
})();
