// Screen pop: the console listens on a WebSocket for the calls offered to this agent and
// shows the caller's file in a panel. Without JavaScript or WebSocket the console works
// the same, without the pop. The server renders the panel's HTML (in the agent's
// language); this script only places it, and reconnects with backoff when the link drops.
// Under the pop of a call in progress comes the call panel (transfer, consultation),
// fetched from the server; its forms are posted in the background and the server answers
// with the panel again (errors included), so the page the agent works on stays.
(() => {
  const panel = document.getElementById("screen-pop");
  if (!panel || !("WebSocket" in window)) return;
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + window.location.host + (panel.dataset.wsPath || "/ws/console/");
  const callUrl = panel.dataset.callUrl || "/calls/";
  const MIN_DELAY = 1000;
  const MAX_DELAY = 30000;
  const IN_PROGRESS = ["connected", "held"];
  let delay = MIN_DELAY;
  let shownCall = null;
  let dismissed = null;
  let loads = 0; // only the latest fetch of the call panel is shown

  const body = document.createElement("div");
  // What the agent's last action on the call did ("You have the caller back."): kept when
  // a live update of the call reloads the panel below it.
  const notice = document.createElement("div");
  notice.className = "pop-notice";
  const actions = document.createElement("div");
  actions.className = "pop-call";
  actions.dataset.testid = "pop-call";
  panel.append(body, notice, actions);

  const here = () => window.location.pathname + window.location.search;

  const loadActions = async (id) => {
    const mine = ++loads;
    const query = new URLSearchParams({ fragment: "1", next: here() });
    try {
      const response = await fetch(`${callUrl}${id}/?${query}`, { credentials: "same-origin" });
      if (mine !== loads || shownCall !== id) return;
      actions.innerHTML = response.ok ? await response.text() : "";
    } catch (error) {
      if (mine === loads) actions.innerHTML = "";
    }
  };

  const show = (message) => {
    const call = message.call || {};
    const id = String(call.id);
    // An update of a call the agent closed does not come back; a new call always pops.
    if (dismissed === id) return;
    if (call.state === "cleared" && shownCall !== id) return;
    if (shownCall !== id) notice.replaceChildren();
    body.innerHTML = message.html;
    panel.dataset.call = id;
    panel.dataset.state = call.state || "";
    panel.hidden = false;
    shownCall = id;
    if (IN_PROGRESS.includes(call.state)) {
      loadActions(id);
    } else {
      loads++;
      actions.innerHTML = "";
    }
  };

  panel.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest("[data-pop-close]")) return;
    dismissed = shownCall;
    shownCall = null;
    loads++;
    panel.hidden = true;
    body.innerHTML = "";
    notice.replaceChildren();
    actions.innerHTML = "";
  });

  panel.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-call-form]")) return;
    event.preventDefault();
    const data = new FormData(form);
    data.set("fragment", "1");
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      const answer = document.createElement("div");
      answer.innerHTML = await response.text();
      const done = answer.querySelector("[data-testid='call-panel-done']");
      notice.replaceChildren(...(done ? [done] : []));
      loads++; // a panel fetched before this answer is older than it
      actions.replaceChildren(...answer.childNodes);
    } catch (error) {
      form.submit(); // the server then answers with a whole page
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });

  const connect = () => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      delay = MIN_DELAY;
      panel.dataset.connected = "true";
      document.documentElement.dataset.screenPop = "connected";
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.type === "screen_pop") show(message);
    });
    socket.addEventListener("close", () => {
      panel.dataset.connected = "false";
      document.documentElement.dataset.screenPop = "disconnected";
      // Exponential backoff with jitter, so a restarted server is not stampeded.
      const wait = delay + Math.random() * delay * 0.3;
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    });
  };
  connect();
})();
