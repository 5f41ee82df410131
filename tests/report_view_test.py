#!/usr/bin/env python3
"""The HTML report in a real headless browser.

Writes the page for the lazy_tlb_2_4 counterexample (`check --html`), opens
it in headless Chromium at several steps (`#step=N`, and `#step=N&next=K`,
which presses the page's own "next" button K times), and checks the DOM the
page built: the current step's text, the highlighted row, TLBSTATE_LAZY, the
hardware table with cpu1's TLB entry, the explanation's step links. Expected
values come from the JSON report of the same run. Keeps a screenshot of the
last step (lazy_tlb_2_4.png) in OUT_DIR. `show` on the saved JSON must write
the same page.

usage: report_view_test.py TLBCHECK SOURCE_DIR OUT_DIR
Exit status 77 (ctest's SKIP_RETURN_CODE) when no Chromium is installed;
$TLBCHECK_BROWSER names another Chromium-like browser.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TLBCHECK, SOURCE, OUT = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])

browser = os.environ.get("TLBCHECK_BROWSER") or next(
    (b for b in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable") if shutil.which(b)), None)
if not browser:
    print("SKIP: no headless browser: install chromium (apt-get install chromium) or set TLBCHECK_BROWSER")
    sys.exit(77)

failures = []


def expect(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)
    return ok


class Node:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children, self.parts = tag, dict(attrs), [], []

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, **attrs):
        return next((n for n in self.walk() if all(n.attrs.get(k) == v for k, v in attrs.items())), None)

    def classes(self):
        return (self.attrs.get("class") or "").split()


class Tree(html.parser.HTMLParser):
    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self, text):
        super().__init__()
        self.root = Node("root", {})
        self.stack = [self.root]
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        self.stack[-1].parts.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


profile = tempfile.mkdtemp(prefix="tlbcheck-browser-")


def browse(page, fragment, *extra):
    url = "file://" + page + fragment
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile, *extra, url],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        print(r.stderr[-2000:])
    return r


def dom(page, fragment):
    r = browse(page, fragment, "--dump-dom")
    expect(r.returncode == 0 and "<body" in r.stdout, f"the browser dumps the page at {fragment} (exit {r.returncode})")
    return Tree(r.stdout).root


def main():
    os.makedirs(OUT, exist_ok=True)
    page = os.path.join(OUT, "lazy_tlb_2_4.html")
    saved = os.path.join(OUT, "lazy_tlb_2_4.json")
    r = subprocess.run([TLBCHECK, "check", "protocols/lazy_tlb_2_4.tlb", "-q", "--threads", "1", "--engine", "interpreter", "--html", page, "--trace-out", saved],
                       cwd=SOURCE, capture_output=True, text=True, timeout=300)
    if not expect(r.returncode == 1, f"check finds the lazy-TLB violation (exit {r.returncode}: {r.stderr})"):
        return 1
    report = json.load(open(saved, encoding="utf-8"))
    steps = report["trace"]
    total = len(steps)
    with open(page, encoding="utf-8") as f:
        text = f.read()
    expect(not re.search(r"""<(script|link|img|iframe)[^>]*\s(src|href)=["']?(https?:)?//""", text), "the page loads nothing from elsewhere")

    # show on the saved report writes the same page
    shown = os.path.join(OUT, "lazy_tlb_2_4.show.html")
    r = subprocess.run([TLBCHECK, "show", saved, "--html", shown], capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0 and open(shown, encoding="utf-8").read() == text, f"show writes the same page as check --html (exit {r.returncode}: {r.stderr})")

    lazy = next((s["step"] for s in steps if any(c["to"] == "TLBSTATE_LAZY" for c in s["changes"])), None)
    tlb = next((s["step"] for s in steps if any("tlb" in e["slot"] for e in s["hardware"].get("cpu1", []))), None)
    expect(lazy is not None, "the counterexample puts a CPU in TLBSTATE_LAZY")
    expect(tlb is not None, "the counterexample fills cpu1's TLB")
    for n in sorted({1, lazy or 1, tlb or 1, total}):
        s = steps[n - 1]
        root = dom(page, f"#step={n}")
        where = f"#step={n}"
        position = root.find(id="position")
        expect(position is not None and position.text() == f"step {n} of {total}", f"{where}: the position reads 'step {n} of {total}' ({position and position.text()!r})")
        current = root.find(id="current")
        expect(current is not None and s["action"] in current.text() and s["task"] in current.text(), f"{where}: the current step shows its task and action {s['action']!r}")
        row, after = root.find(id=f"step-{n}"), root.find(id=f"step-{n + 1}")
        expect(row is not None and "current" in row.classes(), f"{where}: its row is highlighted")
        expect(n == total or (after is not None and "future" in after.classes()), f"{where}: the next row is not yet run")
        for key, entries in s["hardware"].items():
            cell = root.find(**{"data-key": key})
            shown_text = cell.text() if cell is not None else ""
            for e in entries:
                expect(f"{e['slot']} = {e['value']}" in shown_text and e.get("note", "") in shown_text, f"{where}: the hardware table's {key} column lists {e['slot']} = {e['value']}")
        if n == lazy:
            expect("TLBSTATE_LAZY" in current.text(), f"{where}: the current step shows TLBSTATE_LAZY")
        if n == tlb:
            cell = root.find(**{"data-key": "cpu1"})
            expect(cell is not None and "cpu1.tlb[" in cell.text(), f"{where}: the hardware table shows cpu1's TLB entry")
        if n == total:
            cell = root.find(**{"data-key": "cpu1"})
            expect(cell is not None and "stale: frame1 is free" in cell.text() and "cpu1.cr3 = frame" in cell.text(),
                   f"{where}: the hardware table shows cpu1's root and marks its TLB entry stale ({cell and cell.text()!r})")
        if n == total:
            lanes = root.find(id="lanes")
            expect(lanes is not None and "TLBSTATE_LAZY" in lanes.text(), "the swimlanes show TLBSTATE_LAZY")
            heads = [th.text() for th in lanes.walk() if th.tag == "th"] if lanes else []
            expect(any(h.startswith("cpu0") for h in heads) and any(h.startswith("cpu1") for h in heads), f"one swimlane per CPU ({heads})")
            explanation = root.find(id="explanation")
            links = [a for a in explanation.walk() if a.tag == "a"] if explanation else []
            named = re.findall(r"\bstep (\d+)\b", report["explanation"])
            expect(len(named) > 0, "the explanation names a step")
            expect([a.attrs.get("href") for a in links] == [f"#step={k}" for k in named if int(k) <= total],
                   f"each step the explanation names is a link that moves the slider ({[a.attrs.get('href') for a in links]})")

            # the cause chain: one item per link, each naming its step as a link
            cause = root.find(id="cause")
            items = [li for li in cause.walk() if li.tag == "li"] if cause else []
            wanted = report["violation"]["cause"]
            expect(len(wanted) >= 4 and len(items) == len(wanted), f"the cause chain has an item per link ({len(items)} of {len(wanted)})")
            expect(any("survived" in li.text() for li in items), "the cause chain says the stale entry survived an invalidation")
            expect(all(any(a.tag == "a" and a.attrs.get("href") == f"#step={c['step']}" for a in li.walk()) for li, c in zip(items, wanted)),
                   "each item of the cause chain links to its step")

    # stepping: open at step 2, then press "next" three times
    root = dom(page, "#step=2&next=3")
    position = root.find(id="position")
    expect(position is not None and position.text() == f"step 5 of {total}", f"next moves the slider one step ({position and position.text()!r})")
    current = root.find(id="current")
    expect(current is not None and steps[4]["action"] in current.text(), "after three presses of next the page shows step 5")
    root = dom(page, "#step=0")
    expect(root.find(id="position").text().startswith("initial state"), "#step=0 shows the initial state")

    # untrusted text stays text: markup in the protocol's names is shown, never run
    hostile = '</script><b id="injected">x</b><!-- <script>document.body.id="injected"</script>'
    doc = dict(report, protocol=hostile)
    doc["trace"] = [dict(steps[0], action=hostile)] + steps[1:]
    with open(os.path.join(OUT, "hostile.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f)
    hostile_page = os.path.join(OUT, "hostile.html")
    r = subprocess.run([TLBCHECK, "show", os.path.join(OUT, "hostile.json"), "--html", hostile_page], capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0, f"show writes a page for any well-formed report ({r.stderr})")
    root = dom(hostile_page, "#step=1")
    expect(root.find(id="injected") is None, "markup in the report adds no element")
    title = root.find(id="title")
    expect(title is not None and title.text() == hostile, f"the protocol's name is shown as written ({title and title.text()!r})")
    expect(hostile in root.find(id="current").text(), "a step's action is shown as written")

    png = os.path.join(OUT, "lazy_tlb_2_4.png")
    if os.path.exists(png):
        os.remove(png)
    browse(page, f"#step={total}", "--screenshot=" + png, "--window-size=1400,1000", "--hide-scrollbars")
    expect(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"a screenshot was written to {png}")

    shutil.rmtree(profile, ignore_errors=True)
    print(f"{len(failures)} failure(s); page {page}, screenshot {png}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
