// The station's API as the console uses it: the bearer token, JSON requests whose errors keep
// the station's own words, and the live WebSocket with reconnection.

const TOKEN_KEY = "portops.token";

/** The token: from `#token=...` (the link the station prints), else this tab's session. */
export function takeToken() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromLink = fragment.get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    // Keep the secret out of the address bar, history and bookmarks.
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

/** A failed request: `status` and the station's message, verbatim. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** What the officer reads: the HTTP status and the station's reason. */
  describe() {
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

/** JSON request with the bearer token; throws ApiError with the station's message on failure. */
export async function request(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "network", `the station did not answer ${method} ${path}: ${e.message}`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const code = (data && data.error) || response.statusText || "error";
    const message = (data && data.message) || (typeof data === "string" && data) || `${method} ${path} failed`;
    throw new ApiError(response.status, code, message);
  }
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body ?? {});

/** A URL an <img>, <a> or WebSocket can open (they cannot send headers). */
export function withToken(path) {
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}token=${encodeURIComponent(token())}`;
}

/**
 * The live feed: calls `onEvent(event)` for each JSON event and `onState(state)` with
 * "connecting", "live" or "reconnecting"; reconnects with a growing pause (1 s to 10 s).
 */
export function openLive(onEvent, onState) {
  let delay = 1000;
  let socket = null;
  let closed = false;
  const connect = () => {
    onState("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${withToken("/api/v1/live")}`);
    socket.onopen = () => {
      delay = 1000;
      onState("live");
    };
    socket.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        console.warn("live: not JSON", message.data);
        return;
      }
      onEvent(event);
    };
    socket.onclose = () => {
      if (closed) return;
      onState("reconnecting");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
  return {
    close() {
      closed = true;
      if (socket) socket.close();
    },
  };
}
