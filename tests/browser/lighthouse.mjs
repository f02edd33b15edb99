// Lighthouse on Debian's Chromium, for tests/browser/test_lighthouse.py (issue 11, point 6).
//
// Usage: node lighthouse.mjs plan.json
// plan.json: {"chrome": "/usr/bin/chromium", "out": "dir", "performance": 95,
//             "pages": [{"name": "...", "url": "...", "check": [selectors], "fill": {selector: value},
//                        "submit": selector, "expect": selector, "expect_text": "..."}]}
// Prints one JSON object to stdout: {name: {category: score 0-100, ..., "performance_runs": [...],
//   "seo_without_crawlable": 0-100, "crawlable": bool, "failed": {category: [audit ids]}}}
// and writes name.report.json and name.report.html into `out`.
//
// Why the Node API and a user flow rather than the CLI: some of the pages are the answer to a
// POST (the self-check's emergency and full answers), and the CLI can only audit a URL it opens
// itself. A user flow's navigation step can be started by a callback: the page is opened and
// filled in as a person would, then Lighthouse measures the navigation the submit button starts,
// a real page load with the same mobile emulation and simulated throttling as a URL audit. Such a
// step keeps the browser's storage (the CSRF cookie the form needs, and the cached CSS and
// scripts the person's browser already holds from the form); a GET page starts cold.
//
// Performance under load is noisy (two shared cores): a page that scores below the target once
// is measured twice more and its median performance is the one reported. The other categories
// do not depend on timing and come from the first run.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function fillIn(page, target) {
  await page.goto(target.url, {waitUntil: 'load'});
  await page.evaluate((check, fill) => {
    for (const s of check) {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no ${s}`);
      el.checked = true;
    }
    for (const [s, v] of Object.entries(fill)) {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no ${s}`);
      el.value = v;
    }
  }, target.check || [], target.fill || {});
}

async function measure(browser, target) {
  const page = await browser.newPage();
  try {
    let flow;
    if (target.submit) {
      await fillIn(page, target);
      flow = await startFlow(page, {name: target.name, flags: {disableStorageReset: true}});
      await flow.navigate(async () => {
        await page.click(target.submit);
      }, {name: target.name});
      // The answer was measured, not the form again.
      const text = await page.$eval(target.expect, (el) => el.textContent).catch(() => null);
      if (text === null || !text.includes(target.expect_text || '')) {
        throw new Error(`${target.name}: ${target.expect} "${target.expect_text}" not on the page`);
      }
    } else {
      flow = await startFlow(page, {name: target.name});
      await flow.navigate(target.url, {name: target.name});
    }
    const result = await flow.createFlowResult();
    const lhr = result.steps[0].lhr;
    return {lhr, html: await flow.generateReport()};
  } finally {
    await page.close();
  }
}

// A run Lighthouse itself could not finish (its trace lost the navigation start on a busy
// machine: runtimeError NO_NAVSTART, every score then null) says nothing about the page: it is
// run again, up to twice; a page that really fails still fails each time.
async function completed(browser, target) {
  let run = await measure(browser, target);
  for (let i = 0; run.lhr.runtimeError && i < 2; i++) run = await measure(browser, target);
  return run;
}

function scores(lhr) {
  const out = {};
  for (const c of CATEGORIES) out[c] = Math.round((lhr.categories[c].score ?? 0) * 100);
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await puppeteer.launch({
  executablePath: plan.chrome,
  headless: true,
  args: FLAGS,
  defaultViewport: null,
});
const report = {};
try {
  fs.mkdirSync(plan.out, {recursive: true});
  for (const target of plan.pages) {
    const first = await completed(browser, target);
    const got = scores(first.lhr);
    const runs = [got.performance];
    if (got.performance < plan.performance) {
      for (let i = 0; i < 2; i++) runs.push(scores((await completed(browser, target)).lhr).performance);
      got.performance = median(runs);
    }
    // Still broken after the retries: said, so the test names it rather than a bare 0.
    if (first.lhr.runtimeError) got.runtime_error = first.lhr.runtimeError.code;
    got.performance_runs = runs;
    // A private link is noindex on purpose (templates/base.html): SEO without the crawlability
    // audit says whether everything else a search engine checks is right.
    const seo = first.lhr.categories.seo.auditRefs.filter((r) => r.weight > 0);
    const kept = seo.filter((r) => r.id !== 'is-crawlable');
    const weight = kept.reduce((sum, r) => sum + r.weight, 0);
    got.seo_without_crawlable = Math.round(
      (100 * kept.reduce((sum, r) => sum + r.weight * (first.lhr.audits[r.id].score ?? 0), 0)) / weight,
    );
    got.crawlable = first.lhr.audits['is-crawlable'].score === 1;
    got.final_url = first.lhr.finalDisplayedUrl;
    got.failed = Object.fromEntries(
      CATEGORIES.map((c) => [
        c,
        first.lhr.categories[c].auditRefs
          .filter((r) => r.weight > 0 && (first.lhr.audits[r.id].score ?? 1) < 1)
          .map((r) => r.id),
      ]),
    );
    report[target.name] = got;
    const base = path.join(plan.out, `lighthouse-${target.name}`);
    fs.writeFileSync(`${base}.report.json`, JSON.stringify(first.lhr, null, 1));
    fs.writeFileSync(`${base}.report.html`, first.html);
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
