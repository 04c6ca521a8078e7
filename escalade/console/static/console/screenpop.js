// Screen pop: the console listens on a WebSocket for the calls offered to this agent and
// shows the caller's file in a panel. Without JavaScript or WebSocket the console works
// the same, without the pop. The server renders the panel's HTML (in the agent's
// language); this script only places it, and reconnects with backoff when the link drops.
(() => {
  const panel = document.getElementById("screen-pop");
  if (!panel || !("WebSocket" in window)) return;
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + window.location.host + (panel.dataset.wsPath || "/ws/console/");
  const MIN_DELAY = 1000;
  const MAX_DELAY = 30000;
  let delay = MIN_DELAY;
  let shownCall = null;
  let dismissed = null;

  const show = (message) => {
    const call = message.call || {};
    const id = String(call.id);
    // An update of a call the agent closed does not come back; a new call always pops.
    if (dismissed === id) return;
    if (call.state === "cleared" && shownCall !== id) return;
    panel.innerHTML = message.html;
    panel.dataset.call = id;
    panel.dataset.state = call.state || "";
    panel.hidden = false;
    shownCall = id;
  };

  panel.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest("[data-pop-close]")) return;
    dismissed = shownCall;
    shownCall = null;
    panel.hidden = true;
    panel.innerHTML = "";
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
