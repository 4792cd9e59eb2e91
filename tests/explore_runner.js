// Runs explore.html's own script under Node for tests/test_explorer_node.py, without a browser.
// usage: node explore_runner.js PAGE.html CASES.json  ->  JSON list of outputs on stdout
// CASES: [{"scenario": name, "settings": {slider id: [position, width index]}}, ...]
"use strict";
const fs = require("fs");
const vm = require("vm");

const page = fs.readFileSync(process.argv[2], "utf8");
const grab = (id) => {
  const m = new RegExp('<script id="' + id + '"[^>]*>([\\s\\S]*?)</script>').exec(page);
  if (!m) throw new Error("no script " + id + " in the page");
  return m[1];
};
const code = grab("explore-code");
const data = JSON.parse(grab("explore-data"));
const context = { atob: atob };
vm.createContext(context);
vm.runInContext(code + "\nthis.PD = PD;", context);
const PD = context.PD;
const arrays = PD.decodeAll(data);
const cases = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const out = cases.map((c) => {
  const r = PD.evaluate(data, arrays, c.scenario, c.settings);
  const m = PD.findModel(data, c.scenario);
  return {
    first: Buffer.from(r.first.buffer, r.first.byteOffset, r.first.byteLength).toString("base64"),
    counts: r.counts, p10: r.p10, p50: r.p50, p90: r.p90, by_count: r.by_count,
    gap_p50: r.gap_p50 === null ? null : String(r.gap_p50),
    text: {
      p10: PD.quarterLabel(m, r.p10), p50: PD.quarterLabel(m, r.p50), p90: PD.quarterLabel(m, r.p90),
      by_2030: PD.percent(r.by_count, m.samples), gap: r.gap_p50 === null ? null : PD.tokens(r.gap_p50),
    },
  };
});
process.stdout.write(JSON.stringify(out));
