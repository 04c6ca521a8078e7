// Small progressive enhancement of the console; every page works without it.
// "/" jumps to the search box, like most consoles and search sites.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const box = document.querySelector("input[data-hotkey='/']");
  if (box instanceof HTMLInputElement) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// Pages may style what only exists with JavaScript on.
document.documentElement.classList.add("js");

// Live SLA countdowns: each <time class="countdown" datetime="…"> is rendered by the server
// ("2 h 15 min left"); here it is recomputed every 30 s against the server's clock.
(() => {
  const source = document.getElementById("countdown-words");
  if (!source) return;
  const words = JSON.parse(source.textContent);
  const skew = Date.parse(words.now) - Date.now();
  const fill = (template, values) =>
    template.replace(/%\((\w+)\)[sd]/g, (match, key) => String(values[key]));
  const span = (minutes) => {
    if (minutes < 1) return words.soon;
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    const parts = [];
    if (days) {
      parts.push(fill(words.day, { n: days }));
      if (hours) parts.push(fill(words.hour, { n: hours }));
    } else if (hours) {
      parts.push(fill(words.hour, { n: hours }));
      if (mins) parts.push(fill(words.minute, { n: mins }));
    } else {
      parts.push(fill(words.minute, { n: mins }));
    }
    return parts.join(" ");
  };
  const tick = () => {
    const now = Date.now() + skew;
    for (const node of document.querySelectorAll("time.countdown[datetime]")) {
      const left = Date.parse(node.getAttribute("datetime")) - now;
      const text = span(Math.floor(Math.abs(left) / 60000));
      node.textContent = fill(left >= 0 ? words.left : words.overdue, { time: text });
      node.classList.toggle("overdue", left < 0);
      const row = node.closest("tr.sla-row");
      if (row && left < 0) row.classList.add("sla-row-breached");
    }
  };
  tick();
  setInterval(tick, 30000);
})();

// Filters apply as soon as a choice is made (their button stays for pages without JS).
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  form.addEventListener("change", () => form.requestSubmit());
}

// Intake: the new caller's fields show only when "New caller" is chosen.
(() => {
  const box = document.querySelector("[data-new-caller]");
  const select = document.querySelector("select[name='contact']");
  if (!box || !select) return;
  const sync = () => box.toggleAttribute("data-collapsed", select.value !== "new");
  select.addEventListener("change", () => {
    sync();
    if (select.value === "new") box.querySelector("input")?.focus();
  });
  sync();
})();
