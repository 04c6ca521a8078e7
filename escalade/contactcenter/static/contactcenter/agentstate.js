// The agent-state control: works as a plain form; this script only makes it livelier.
// It submits when a state is picked, counts a wrap-up down, and refreshes the control
// (a server-rendered fragment) when the wrap-up ends or the screen pop shows a call
// ringing, answered or ended; and every few seconds when the server asks for it
// (data-poll-seconds: one server process with the in-memory channel layer).
(() => {
  const selector = "[data-testid='agent-state']";
  let timer = null;
  let poller = null;

  const refresh = async () => {
    const control = document.querySelector(selector);
    if (!control) return;
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    try {
      const response = await fetch(control.dataset.refreshUrl + "&next=" + next, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      if (!response.ok) return;
      const html = await response.text();
      const holder = document.createElement("div");
      holder.innerHTML = html.trim();
      const fresh = holder.firstElementChild;
      if (fresh) {
        control.replaceWith(fresh);
        wire();
      }
    } catch (error) {
      // Offline: the control stays as it was; the next page load shows the truth.
    }
  };

  const wire = () => {
    const control = document.querySelector(selector);
    if (!control) return;
    const select = control.querySelector("select[name='choice']");
    if (select) select.addEventListener("change", () => select.form.requestSubmit());
    if (timer) window.clearInterval(timer);
    const left = control.querySelector("[data-wrap-up-until]");
    if (!left) return;
    const until = Date.parse(left.dataset.wrapUpUntil);
    const template = left.textContent.replace(/\d+/, "{n}");
    timer = window.setInterval(() => {
      const seconds = Math.max(0, Math.round((until - Date.now()) / 1000));
      left.textContent = template.replace("{n}", String(seconds));
      if (seconds <= 0) {
        window.clearInterval(timer);
        timer = null;
        window.setTimeout(refresh, 1000);
      }
    }, 1000);
  };

  const watchPop = () => {
    const pop = document.getElementById("screen-pop");
    if (!pop || !("MutationObserver" in window)) return;
    let last = pop.dataset.state || "";
    new MutationObserver(() => {
      const state = pop.dataset.state || "";
      if (state !== last) {
        last = state;
        refresh();
      }
    }).observe(pop, { attributes: true, attributeFilter: ["data-state", "data-call"] });
  };

  const poll = () => {
    const control = document.querySelector(selector);
    const seconds = control ? Number(control.dataset.pollSeconds || 0) : 0;
    if (poller || !(seconds > 0)) return;
    poller = window.setInterval(() => {
      const control = document.querySelector(selector);
      // Never swap the control under an agent who is choosing a state.
      const busy = control && control.contains(document.activeElement);
      if (document.visibilityState === "visible" && !busy) refresh();
    }, seconds * 1000);
  };

  wire();
  watchPop();
  poll();
})();
