// peakdata explore.html: the report's exhaustion quarter recomputed per sample after sliders move an input.
// Same draws and same closed form as the engine (forecast/models/crossing.py, forecast/report/explorer.py):
// every quarter is decided by +, -, *, / on the numbers carried in this page, which IEEE 754 makes
// identical to numpy's. No libraries, no network.
"use strict";
var PD = (function () {
  var EPS = 2.220446049250313e-16;

  function decode(text, kind) {
    var bin = atob(text), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    if (kind === "u1") return bytes;
    var view = new DataView(bytes.buffer), out = new Float64Array(n / 8);
    for (var j = 0; j < out.length; j++) out[j] = view.getFloat64(8 * j, true);
    return out;
  }

  function decodeAll(data) {
    var out = {};
    Object.keys(data.arrays).forEach(function (key) {
      out[key] = decode(data.arrays[key], key.slice(0, 2) === "f8" ? "f8" : "u1");
    });
    return out;
  }

  function findModel(data, name) {
    for (var i = 0; i < data.scenarios.length; i++) if (data.scenarios[i].name === name) return data.scenarios[i];
    throw new Error("no scenario " + name);
  }

  // ln draws of every input after the sliders: (L + shift) + (w - 1) * (L - L_m); a constant is filled in
  function moved(model, arrays, settings, widths) {
    var n = model.samples, out = {};
    var byId = {};
    model.sliders.forEach(function (s) { byId[s.id] = s; });
    Object.keys(model.terms).forEach(function (name) {
      var term = model.terms[name], set = settings[name], i;
      var src = term.a !== undefined ? arrays[term.a].subarray(0, n) : new Float64Array(n).fill(term.c);
      if (!set) { out[name] = src; return; }
      var s = byId[name], sh = s.shifts[set[0]], w1 = widths[set[1]] - 1.0, lm = s.lm;
      var v = new Float64Array(n);
      for (i = 0; i < n; i++) v[i] = (src[i] + sh) + w1 * (src[i] - lm);
      out[name] = v;
    });
    return out;
  }

  // need_a, need_b, stock_a[k], stock_b[k] per sample, in the engine's order of operations
  function coefficients(model, ln, arrays) {
    var n = model.samples, sa = [], sb = [], i;
    model.sources.forEach(function (src) {
      var a = new Float64Array(n), b = new Float64Array(n);
      var g = ln[src.growth], st = ln[src.stock], q = ln[src.quality], r = ln[src.rep], c = src.c;
      for (i = 0; i < n; i++) { b[i] = g[i]; a[i] = ((st[i] + q[i]) + r[i]) + c * g[i]; }
      sa.push(a); sb.push(b);
    });
    var paths = [];
    if (model.hist) {
      var h = model.hist, ha = new Float64Array(n), hg = ln[h.growth], hl = ln[h.level], hc = h.c;
      for (i = 0; i < n; i++) ha[i] = hl[i] + hc * hg[i];
      if (h.factor) { var hf = ln[h.factor]; for (i = 0; i < n; i++) ha[i] = ha[i] + hf[i]; }
      paths.push([ha, hg]);
    }
    if (model.comp) {
      var m = model.comp, ca = new Float64Array(n), cb = new Float64Array(n), mc = m.c, ln6 = m.ln6;
      var lg = ln[m.growth], l0 = ln[m.level], lk = ln[m.k], lr = ln[m.r];
      for (i = 0; i < n; i++) {
        var logH = lg[i], logC = ((l0[i] + lk[i]) + lr[i]) - ln6;
        ca[i] = 0.5 * (logC + mc * logH);
        cb[i] = 0.5 * logH;
      }
      paths.push([ca, cb]);
    }
    var na = paths[0][0], nb = paths[0][1];
    if (paths.length === 2) {
      var take = arrays[model.choice], h0 = paths[0][0], h1 = paths[0][1], c0 = paths[1][0], c1 = paths[1][1];
      na = new Float64Array(n); nb = new Float64Array(n);
      for (i = 0; i < n; i++) {
        if (take[i]) { na[i] = h0[i]; nb[i] = h1[i]; } else { na[i] = c0[i]; nb[i] = c1[i]; }
      }
    }
    return { na: na, nb: nb, sa: sa, sb: sb };
  }

  // D(tau) >= sum_k S_k(tau) for one sample, as forecast.models.crossing.condition evaluates it
  function condition(na, nb, sa, sb, i, tau) {
    var stock = Math.exp(sb[0][i] * tau + sa[0][i]);
    for (var k = 1; k < sa.length; k++) stock = stock + Math.exp(sb[k][i] * tau + sa[k][i]);
    return Math.exp(nb[i] * tau + na[i]) >= stock;
  }

  function scanOne(c, i, taus) {
    for (var k = 0; k < taus.length; k++) if (condition(c.na, c.nb, c.sa, c.sb, i, taus[k])) return k;
    return taus.length;
  }

  function clip(x, lo, hi) { return Math.min(Math.max(x, lo), hi); }

  function searchsorted(taus, x) {
    if (x !== x) return taus.length;
    var lo = 0, hi = taus.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (taus[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function noiseOf(c, i, tmax) {
    var K = c.sa.length, sa = Math.abs(c.sa[0][i]), sb = Math.abs(c.sb[0][i]);
    for (var k = 1; k < K; k++) { sa = Math.max(sa, Math.abs(c.sa[k][i])); sb = Math.max(sb, Math.abs(c.sb[k][i])); }
    if (K > 1) { // np.max propagates NaN
      for (k = 0; k < K; k++) { if (c.sa[k][i] !== c.sa[k][i]) sa = NaN; if (c.sb[k][i] !== c.sb[k][i]) sb = NaN; }
    }
    return (16.0 * EPS) * (((K + Math.abs(c.na[i])) + sa) + tmax * (Math.abs(c.nb[i]) + sb));
  }

  // one source: the closed form of crossing._closed_form, sample by sample, with its rounding guard
  function closedForm(c, taus, step, even, tmax, first) {
    var n = c.na.length, q = taus.length, t0 = taus[0], na = c.na, nb = c.nb, sa0 = c.sa[0], sb0 = c.sb[0];
    var lastTau = taus[q - 1];
    for (var i = 0; i < n; i++) {
      var d = na[i] - sa0[i], s = nb[i] - sb0[i];
      var noise = (16.0 * EPS) * (((1 + Math.abs(na[i])) + Math.abs(sa0[i])) + tmax * (Math.abs(nb[i]) + Math.abs(sb0[i])));
      var f;
      if (s > 0) {
        var cross = -d / s;
        f = even ? Math.ceil(clip((cross - t0) / step, -1.0, q)) : searchsorted(taus, cross);
        f = clip(f, 0, q);
      } else {
        f = d + s * t0 >= 0 ? 0 : q;
      }
      if (f !== f) f = q;
      var unsure = !(isFinite(d) && isFinite(s) && isFinite(noise)) || (step * Math.abs(s) <= 2 * noise);
      if (!unsure) {
        var atF = d + s * (f < q ? taus[f] : lastTau), before = d + s * (f > 0 ? taus[f - 1] : t0);
        unsure = Math.abs(atF) <= noise || Math.abs(before) <= noise || (f < q && atF < 0) || (f > 0 && before >= 0) ||
          Math.abs(d + s * t0) <= noise;
      }
      first[i] = unsure ? scanOne(c, i, taus) : f;
    }
  }

  // several sources: crossing._bisect (demand growing faster than every source), else the scan
  function bisect(c, taus, step, tmax, first) {
    var n = c.na.length, q = taus.length, K = c.sa.length, k;
    for (var i = 0; i < n; i++) {
      var noise = noiseOf(c, i, tmax);
      var fastest = c.sb[0][i], finite = isFinite(c.na[i]) && isFinite(c.nb[i]) && isFinite(noise);
      for (k = 0; k < K; k++) {
        fastest = (c.sb[k][i] !== c.sb[k][i] || fastest !== fastest) ? NaN : Math.max(fastest, c.sb[k][i]);
        finite = finite && isFinite(c.sa[k][i]) && isFinite(c.sb[k][i]);
      }
      var unsure = !finite || (step * (c.nb[i] - fastest) <= 2 * noise);
      if (unsure) { first[i] = scanOne(c, i, taus); continue; }
      var lo = -1, hi = q;
      while (hi - lo > 1) {
        var mid = Math.floor((lo + hi) / 2);
        if (condition(c.na, c.nb, c.sa, c.sb, i, taus[mid])) hi = mid; else lo = mid;
      }
      first[i] = hi;
    }
  }

  // the first quarter with D >= S per sample, as crossing.exhaustion_quarter finds it
  function exhaustion(c, taus) {
    var n = c.na.length, q = taus.length, first = new Int32Array(n);
    if (q === 0) return first;
    var tmax = 0, even = q > 1, step = Infinity, k;
    for (k = 0; k < q; k++) tmax = Math.max(tmax, Math.abs(taus[k]));
    for (k = 1; k < q; k++) { step = Math.min(step, taus[k] - taus[k - 1]); if (taus[k] - taus[k - 1] !== taus[1] - taus[0]) even = false; }
    if (c.sa.length === 1) closedForm(c, taus, step, even, tmax, first); else bisect(c, taus, step, tmax, first);
    return first;
  }

  // numpy's quantile, method "inverted_cdf", of quarter positions from their counts
  function invertedCdf(cum, n, p, q) {
    var idx = n * p - 1, prev = Math.floor(idx), res = (idx - prev === 0) ? prev : prev + 1;
    if (res < 0) res = 0;
    for (var k = 0; k < q; k++) if (cum[k] >= res + 1) return k;
    return q;
  }

  // numpy's median ("linear"), interpolation as numpy's _lerp
  function median(values) {
    var n = values.length;
    if (n === 0) return NaN;
    var sorted = Float64Array.from(values).sort();
    var vi = (n - 1) * 0.5, prev = Math.floor(vi), next = Math.min(prev + 1, n - 1), t = vi - prev;
    if (vi >= n - 1) return sorted[n - 1];
    var a = sorted[prev], b = sorted[next], diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  function evaluate(data, arrays, name, settings) {
    var model = findModel(data, name);
    var ln = moved(model, arrays, settings || {}, data.widths);
    var c = coefficients(model, ln, arrays);
    var taus = model.taus, q = taus.length, n = model.samples;
    var first = exhaustion(c, taus);
    var hist = new Int32Array(q + 1), i, k;
    for (i = 0; i < n; i++) hist[first[i]]++;
    var counts = [], run = 0;
    for (k = 0; k < q; k++) { run += hist[k]; counts.push(run); }
    var out = { first: first, counts: counts, gap_p50: null,
      p10: invertedCdf(counts, n, 0.1, q), p50: invertedCdf(counts, n, 0.5, q), p90: invertedCdf(counts, n, 0.9, q),
      by_count: model.by_last >= 0 ? counts[model.by_last] : 0 };
    if (model.gap_at !== null) {
      var tau = taus[model.gap_at], gap = new Float64Array(n);
      for (i = 0; i < n; i++) {
        var stock = Math.exp(c.sb[0][i] * tau + c.sa[0][i]);
        for (k = 1; k < c.sa.length; k++) stock = stock + Math.exp(c.sb[k][i] * tau + c.sa[k][i]);
        gap[i] = Math.max(Math.exp(c.nb[i] * tau + c.na[i]) - stock, 0.0);
      }
      out.gap_p50 = median(gap);
    }
    return out;
  }

  // ---------------------------------------------------------------- formatting as forecast/units.py writes
  // round the shortest decimal of x (Python's repr) to `digits` significant digits, half to even
  function roundDigits(x, digits) {
    var m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
    var figures = m[1] + (m[2] || ""), exp = parseInt(m[3], 10);
    if (figures.length > digits) {
      var keep = figures.slice(0, digits), rest = figures.slice(digits);
      var up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || (+keep[keep.length - 1]) % 2 === 1));
      var num = BigInt(keep) + (up ? 1n : 0n);
      figures = num.toString();
      if (figures.length > digits) { exp += 1; figures = figures.slice(0, digits); }
    }
    return { figures: figures.replace(/0+$/, "") || "0", exp: exp };
  }

  function plain(figures, exp) { // figures d.ddd × 10^exp in positional notation, no trailing zeros
    var point = exp + 1;
    if (point <= 0) return "0." + "0".repeat(-point) + figures;
    if (point >= figures.length) return figures + "0".repeat(point - figures.length);
    return figures.slice(0, point) + "." + figures.slice(point);
  }

  function tokens(x) {
    if (!isFinite(x)) return String(x);
    if (x === 0) return "0";
    var r = roundDigits(x, 3);
    if (r.exp >= 17) return r.figures[0] + (r.figures.length > 1 ? "." + r.figures.slice(1) : "") + "e" + r.exp;
    var k = Math.min(Math.max(Math.floor(r.exp / 3), 0), 4);
    return plain(r.figures, r.exp - 3 * k) + ["", "K", "M", "B", "T"][k];
  }

  function percent(count, n) { // f"{count / n * 100:.0f}%", ties to even as Python's format
    var v = count / n * 100, lo = Math.floor(v), frac = v - lo;
    var r = frac > 0.5 ? lo + 1 : frac < 0.5 ? lo : (lo % 2 === 0 ? lo : lo + 1);
    return r + "%";
  }

  function quarterLabel(model, pos) { return pos >= model.quarters.length ? "after horizon" : model.quarters[pos]; }

  // ---------------------------------------------------------------- the page
  var SVGNS = "http://www.w3.org/2000/svg";
  var state = {};

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function settingsNow() {
    var out = {};
    state.model.sliders.forEach(function (s) {
      var pos = +document.getElementById("pos-" + s.id).value, w = +document.getElementById("w-" + s.id).value;
      if (pos !== s.start || state.data.widths[w] !== 1.0) out[s.id] = [pos, w];
    });
    return out;
  }

  function drawCurve(model, result, base) {
    var box = document.getElementById("curve"), W = 760, H = 300, L = 46, R = 12, T = 12, B = 34;
    while (box.firstChild) box.removeChild(box.firstChild);
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", width: "100%",
      "aria-label": "P(exhausted by quarter): median " + quarterLabel(model, result.p50) });
    var q = model.quarters.length, y0 = +model.quarters[0].slice(0, 4), y1 = +model.quarters[q - 1].slice(0, 4) + 1;
    function x(k) { return L + (W - L - R) * (model.taus[k] + (model.taus[1] - model.taus[0])) / (y1 - y0); }
    function y(p) { return T + (H - T - B) * (1 - p); }
    for (var p = 0; p <= 1.0001; p += 0.25) {
      chart.appendChild(svg("line", { x1: L, x2: W - R, y1: y(p), y2: y(p), stroke: "#dddddd" }));
      var t = svg("text", { x: L - 6, y: y(p) + 4, "text-anchor": "end", "font-size": 11 }); t.textContent = Math.round(p * 100) + "%";
      chart.appendChild(t);
    }
    for (var yr = y0; yr <= y1; yr += 2) {
      var xx = L + (W - L - R) * (yr - y0) / (y1 - y0);
      chart.appendChild(svg("line", { x1: xx, x2: xx, y1: T, y2: H - B, stroke: "#eeeeee" }));
      var tx = svg("text", { x: xx, y: H - B + 16, "text-anchor": "middle", "font-size": 11 }); tx.textContent = yr;
      chart.appendChild(tx);
    }
    function line(counts, colour, dash, width) {
      var pts = counts.map(function (cnt, k) { return x(k).toFixed(1) + "," + y(cnt / model.samples).toFixed(1); });
      chart.appendChild(svg("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": width,
        "stroke-dasharray": dash }));
    }
    line(base.counts, "#999999", "5 4", 1.6);
    line(result.counts, "#0072B2", "none", 2.4);
    if (result.p50 < q) {
      chart.appendChild(svg("line", { x1: x(result.p50), x2: x(result.p50), y1: y(0), y2: y(0.5), stroke: "#D55E00",
        "stroke-dasharray": "2 3" }));
    }
    var ax = svg("text", { x: L, y: H - 4, "font-size": 11 }); ax.textContent = "quarter (end)";
    chart.appendChild(ax);
    box.appendChild(chart);
  }

  function redraw() {
    var t0 = performance.now(), model = state.model;
    var result = evaluate(state.data, state.arrays, model.name, settingsNow());
    var n = model.samples;
    document.getElementById("median").textContent = quarterLabel(model, result.p50);
    document.getElementById("interval").textContent = quarterLabel(model, result.p10) + " – " + quarterLabel(model, result.p90);
    document.getElementById("by2030").textContent = percent(result.by_count, n);
    document.getElementById("by2030-count").textContent = result.by_count.toLocaleString("en") + " of " + n.toLocaleString("en");
    document.getElementById("gap").textContent = result.gap_p50 === null ? "n/a (2030Q4 is outside the horizon)" : tokens(result.gap_p50);
    drawCurve(model, result, state.base);
    model.sliders.forEach(function (s) {
      var pos = +document.getElementById("pos-" + s.id).value, w = state.data.widths[+document.getElementById("w-" + s.id).value];
      var lab = s.labels[pos] + (pos === s.start ? " (scenario)" : "");
      document.getElementById("val-" + s.id).textContent = lab;
      document.getElementById("pos-" + s.id).setAttribute("aria-valuetext", lab);
      document.getElementById("wval-" + s.id).textContent = "×" + w;
      var lo = Math.exp(s.lm + s.shifts[pos] + w * (s.q10 - s.lm)), hi = Math.exp(s.lm + s.shifts[pos] + w * (s.q90 - s.lm));
      document.getElementById("int-" + s.id).textContent = "80% of draws " + fmtKind(lo, s.kind) + " – " + fmtKind(hi, s.kind);
    });
    var ms = performance.now() - t0;
    var timing = document.getElementById("timing");
    timing.setAttribute("data-ms", ms.toFixed(1));
    timing.textContent = "redrawn in " + ms.toFixed(0) + " ms (" + n.toLocaleString("en") + " samples)";
    return result;
  }

  function fmtKind(v, kind) {
    if (kind === "growth") return (+v.toPrecision(3)) + "x/yr";
    if (kind === "fraction") return (+(v * 100).toPrecision(3)) + "%";
    if (kind === "flop") return v.toExponential(2).replace(/\.?0+e\+?/, "e");
    if (kind === "x") return (+v.toPrecision(3)) + "x";
    return tokens(v);
  }

  function buildSliders() {
    var box = document.getElementById("sliders"), model = state.model;
    while (box.firstChild) box.removeChild(box.firstChild);
    var mid = state.data.widths.indexOf(1.0);
    model.sliders.forEach(function (s) {
      var row = el("div", { "class": "slider" });
      row.appendChild(el("label", { "for": "pos-" + s.id }, s.label));
      var input = el("input", { type: "range", id: "pos-" + s.id, min: 0, max: s.values.length - 1, step: 1,
        value: s.start, list: "mark-" + s.id, "aria-describedby": "int-" + s.id });
      var marks = el("datalist", { id: "mark-" + s.id });
      marks.appendChild(el("option", { value: s.start, label: "scenario" }));
      var out = el("output", { id: "val-" + s.id, "for": "pos-" + s.id });
      row.appendChild(input); row.appendChild(marks); row.appendChild(out);
      row.appendChild(el("span", { "class": "mark" }, "scenario: " + s.labels[s.start]));
      var wl = el("label", { "for": "w-" + s.id, "class": "wlabel" }, "interval width");
      var wi = el("input", { type: "range", id: "w-" + s.id, min: 0, max: state.data.widths.length - 1, step: 1, value: mid });
      row.appendChild(wl); row.appendChild(wi); row.appendChild(el("output", { id: "wval-" + s.id, "for": "w-" + s.id }));
      row.appendChild(el("span", { id: "int-" + s.id, "class": "int" }));
      input.addEventListener("input", redraw); wi.addEventListener("input", redraw);
      box.appendChild(row);
    });
  }

  function describe() {
    var m = state.model;
    document.getElementById("provenance").textContent = "Draws: " + m.stamp + " (" + m.file + "); data files " +
      Object.keys(m.data_files).map(function (f) { return f + " sha256 " + m.data_files[f].slice(0, 12); }).join(", ") +
      ". The page carries " + m.samples.toLocaleString("en") + " of the run's " + m.samples_run.toLocaleString("en") +
      " samples" + (m.samples < m.samples_run ? " (the first ones; the page's numbers can differ from the report's by sampling error)" : "") + ".";
    var r = m.report;
    document.getElementById("report-line").textContent = "The report (" + m.name + "): median " + r.p50_text +
      ", 80% interval " + r.p10_text + " – " + r.p90_text + ", P(exhausted by end of 2030) " + r.by_2030_text +
      (r.synthetic_2030_text ? ", synthetic tokens needed in 2030Q4 " + r.synthetic_2030_text + " tokens" : "") + ".";
  }

  function choose(name) {
    state.model = findModel(state.data, name);
    state.base = evaluate(state.data, state.arrays, name, {});
    buildSliders(); describe();
    return redraw();
  }

  function applyHash(hash) { // #scenario=NAME&<slider id>=<value>&w.<slider id>=<width>
    var params = {};
    hash.replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf("=");
      params[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    if (params.scenario) { document.getElementById("scenario").value = params.scenario; choose(params.scenario); }
    state.model.sliders.forEach(function (s) {
      if (params[s.id] !== undefined) {
        var want = Math.log(+params[s.id]), best = 0;
        s.values.forEach(function (v, k) { if (Math.abs(Math.log(v) - want) < Math.abs(Math.log(s.values[best]) - want)) best = k; });
        document.getElementById("pos-" + s.id).value = best;
      }
      if (params["w." + s.id] !== undefined) {
        var wk = state.data.widths.indexOf(+params["w." + s.id]);
        if (wk >= 0) document.getElementById("w-" + s.id).value = wk;
      }
    });
  }

  function start(doc) {
    state.data = JSON.parse(doc.getElementById("explore-data").textContent);
    state.arrays = decodeAll(state.data);
    var select = doc.getElementById("scenario");
    state.data.scenarios.forEach(function (m) { select.appendChild(el("option", { value: m.name }, m.name)); });
    select.addEventListener("change", function () { choose(select.value); });
    doc.getElementById("reset").addEventListener("click", function () { choose(state.model.name); });
    choose(state.data.scenarios[0].name);
    if (location.hash.length > 1) { applyHash(location.hash); redraw(); }
    doc.body.setAttribute("data-ready", "1");
  }

  return { decodeAll: decodeAll, evaluate: evaluate, tokens: tokens, percent: percent, quarterLabel: quarterLabel,
    findModel: findModel, start: start };
})();
if (typeof document !== "undefined") {
  document.addEventListener("DOMContentLoaded", function () { PD.start(document); });
}
