// The client's side of Roomcast's contract, in one place, on top of @stomp/stompjs:
//
//  1. Keep the last `position` of every subscription: from each MESSAGE, and from the RECEIPT of the
//     SUBSCRIBE (so a stream that has carried nothing yet can still be resumed).
//  2. When the connection drops, reconnect with exponential backoff and jitter, so that the clients of a
//     dead node don't all come back in the same instant. Any node will do: there are no sticky sessions.
//  3. Resubscribe with `since:<position>`. The first MESSAGE is `event:recovery`: with `recovered:true` the
//     missed messages follow, in order, without gaps or duplicates; with `recovered:false` they can't be
//     replayed, and the application must reload its state.
//
// Copy this file into your own app; app.js shows how a UI sits on it.

import { Client } from '/webjars/stomp__stompjs/esm6/index.js';

export const ROOM_PREFIX = '/topic/room.';
export const USER_QUEUE = '/user/queue/messages';
export const BROADCAST = '/topic/broadcast';
export const ERRORS = '/user/queue/errors';
const PRESENCE_PREFIX = '/app/presence.';

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half is random, so a client never
 * hammers the server and a crowd of clients spreads out.
 */
export function backoffDelay(attempt, { baseMs = 300, maxMs = 10000 } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Positions are `epoch.partition.offset`; within one stream a larger offset is later. */
export function isAfter(position, than) {
  if (!than) return true;
  if (!position) return false;
  const [e1, p1, o1] = position.split('.');
  const [e2, p2, o2] = than.split('.');
  if (e1 !== e2 || p1 !== p2) return true; // a new epoch (or stream): the server's word is the newest
  return Number(o1) > Number(o2);
}

/** Streams are resubscribed in this order: errors first, rooms before the user queue (whispers need the room). */
function rank(destination) {
  if (destination === ERRORS) return 0;
  if (destination.startsWith(ROOM_PREFIX)) return 1;
  if (destination === USER_QUEUE) return 2;
  return 3;
}

/**
 * A connection that survives node crashes and restarts. Events (all `CustomEvent`s, details in braces):
 * - `state`     {state: 'connecting'|'connected'|'reconnecting'|'stopped'|'failed', node, user, reason, delayMs}
 * - `resumed`   {recovered, streams}: after a reconnect, once every stream has had its recovery event
 * - `refusal`   {code, message}: a request the server turned down (the connection stays open)
 * - `position`  {position}: the newest position seen on any stream
 */
const TOKEN = '/app/token';

/** A JWT's `exp` in epoch milliseconds, or null (not a JWT, or none). */
function expiresAt(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

export class RoomcastConnection extends EventTarget {
  #url;
  #connectHeaders;
  #client = null;
  #streams = new Map(); // destination -> { destination, handler, position, sub }
  #pending = new Map(); // receipt id -> { resolve, reject, timer }
  #attempt = 0;
  #ids = 0;
  #node = null;
  #user = null;
  #state = 'idle';
  #everConnected = false;
  #awaitingRecovery = null; // Map<destination, boolean|null> during a resume
  #token = null;
  #refreshToken = null;
  #refreshTimer = null;

  /**
   * @param url     the WebSocket URL, e.g. `ws://host/ws`
   * @param login   the user name (insecure mode), or
   * @param token   a JWT (jwt mode), sent as the `passcode` header
   * @param refreshToken  optional `async () => newToken`: called a while before the token's `exp`; the new token
   *                      is sent to `/app/token` so that the server keeps the connection open past the old `exp`,
   *                      and used for the next reconnect
   */
  constructor({ url, login, token, refreshToken, heartbeatMs = 10000 }) {
    super();
    this.#url = url;
    this.#token = token ?? null;
    this.#refreshToken = refreshToken ?? null;
    this.#connectHeaders = token ? { passcode: token } : { login };
    this.heartbeatMs = heartbeatMs;
    // Refusals come on the errors queue; each names the receipt of the request it refuses.
    this.#streams.set(ERRORS, { destination: ERRORS, handler: () => {}, position: null, sub: null });
  }

  get state() { return this.#state; }
  get node() { return this.#node; }
  get user() { return this.#user; }
  get connected() { return this.#client?.connected === true; }

  start() {
    this.#client = new Client({
      brokerURL: this.#url,
      connectHeaders: this.#connectHeaders,
      heartbeatIncoming: this.heartbeatMs,
      heartbeatOutgoing: this.heartbeatMs,
      connectionTimeout: 8000,
      // stompjs reconnects after this; the real, jittered wait happens in beforeConnect.
      reconnectDelay: 1,
      beforeConnect: () => this.#beforeConnect(),
      onConnect: frame => this.#onConnect(frame),
      onStompError: frame => this.#onStompError(frame),
      onWebSocketClose: event => this.#onClose(event),
    });
    this.#setState('connecting');
    this.#client.activate();
  }

  async stop() {
    clearTimeout(this.#refreshTimer);
    const client = this.#client;
    this.#client = null;
    this.#setState('stopped');
    if (client) await client.deactivate();
  }

  /** Subscribes now (if connected) and after every reconnect, resuming from the last position. */
  subscribe(destination, handler) {
    const stream = { destination, handler, position: null, sub: null };
    this.#streams.set(destination, stream);
    if (this.connected) this.#subscribeNow(stream, false);
    return stream;
  }

  unsubscribe(destination) {
    const stream = this.#streams.get(destination);
    this.#streams.delete(destination);
    if (stream?.sub && this.connected) stream.sub.unsubscribe();
  }

  /** Publishes and resolves with the message's position once the server has it on the bus. */
  send(destination, body, headers = {}) {
    return this.#request(receipt => this.#client.publish({ destination, body, headers: { ...headers, receipt } }));
  }

  /**
   * Who is in a room the user has joined: `{room, users: [{user, sessions, nodes}], position}`. Apply only
   * join/leave events after `position` on top of it.
   */
  members(room) {
    return new Promise((resolve, reject) => {
      if (!this.connected) { reject(new Error('not connected')); return; }
      const id = `presence-${++this.#ids}`;
      const failed = this.#track(id, { resolve: () => {}, reject });
      this.#client.subscribe(PRESENCE_PREFIX + room, message => {
        failed.settle();
        resolve({ ...JSON.parse(message.body), position: message.headers.position ?? null });
      }, { id, receipt: id });
    });
  }

  // ---- connection lifecycle ----

  async #beforeConnect() {
    // Every reconnect waits, the first one too: the clients of a dead node all notice at the same moment.
    if (this.#everConnected || this.#attempt > 0) {
      const delayMs = backoffDelay(this.#attempt);
      this.#setState('reconnecting', { delayMs });
      await new Promise(r => setTimeout(r, delayMs));
    }
    this.#attempt++;
    if (this.#state !== 'stopped') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
  }

  #onConnect(frame) {
    this.#attempt = 0;
    this.#node = frame.headers.node ?? null;
    this.#user = frame.headers['user-name'] ?? null;
    const resuming = this.#everConnected;
    this.#everConnected = true;
    const streams = [...this.#streams.values()].sort((a, b) => rank(a.destination) - rank(b.destination));
    this.#awaitingRecovery = resuming ? new Map() : null;
    for (const stream of streams) {
      const since = resuming && stream.position;
      if (since) this.#awaitingRecovery.set(stream.destination, null);
      this.#subscribeNow(stream, since);
    }
    this.#setState('connected');
    this.#maybeResumed();
    this.#scheduleRefresh();
  }

  // ---- token refresh ----

  /** Asks for a fresh token a while before the current one expires (a tenth of its life, 5 s to 60 s early). */
  #scheduleRefresh() {
    clearTimeout(this.#refreshTimer);
    const exp = this.#refreshToken && expiresAt(this.#token);
    if (!exp) return;
    const left = exp - Date.now();
    const early = Math.min(60_000, Math.max(5_000, left / 10));
    this.#refreshTimer = setTimeout(() => this.#refresh(), Math.max(0, left - early));
  }

  async #refresh() {
    try {
      const fresh = await this.#refreshToken();
      if (!fresh || !this.connected) return;
      await this.#request(receipt => this.#client.publish({ destination: TOKEN, body: fresh, headers: { receipt } }));
      this.#token = fresh;
      this.#connectHeaders.passcode = fresh; // stompjs reads the same object when it reconnects
      this.#scheduleRefresh();
    } catch (e) {
      this.dispatchEvent(new CustomEvent('refusal', { detail: { code: 'refresh-failed', message: String(e.message ?? e) } }));
    }
  }

  #onStompError(frame) {
    // Before CONNECTED, stompjs leaves STOMP 1.2's header escapes in place (\c for ':'): undo them for people.
    const message = (frame.headers.message ?? 'the server refused the connection')
      .replace(/\\c/g, ':').replace(/\\n/g, ' ').replace(/\\\\/g, '\\');
    if (!this.#everConnected && /authentication|token/i.test(message)) {
      // Retrying a refused identity only hammers the server: stop and say why.
      this.#setState('failed', { reason: message });
      this.#client?.deactivate();
    } else {
      this.#setState('reconnecting', { reason: message });
    }
  }

  #onClose(event) {
    for (const [, p] of this.#pending) p.fail(new Error('the connection closed before the server answered'));
    this.#pending.clear();
    for (const stream of this.#streams.values()) stream.sub = null;
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    // 1012 is a node's rolling restart: it asks us to reconnect (to another node) right away.
    const reason = event.code === 1012 ? `node ${this.#node} is restarting` : `connection lost (${event.code})`;
    this.#setState('reconnecting', { reason });
  }

  // ---- subscriptions ----

  #subscribeNow(stream, since) {
    const headers = { id: `sub-${++this.#ids}` };
    if (since) headers.since = since;
    if (stream.destination !== ERRORS) {
      // The receipt carries the stream's position at subscribe time: a resume point before any message.
      const receipt = `r-${++this.#ids}`;
      headers.receipt = receipt;
      this.#client.watchForReceipt(receipt, f => this.#advance(stream, f.headers.position));
    }
    stream.sub = this.#client.subscribe(stream.destination, message => this.#onMessage(stream, message), headers);
  }

  #onMessage(stream, message) {
    const h = message.headers;
    if (stream.destination === ERRORS) {
      this.#onRefusal(message);
      return;
    }
    if (h.event === 'recovery') {
      const recovered = h.recovered === 'true';
      // Either way the recovery event's position is where this stream now stands.
      stream.position = h.position ?? stream.position;
      stream.handler({ event: 'recovery', recovered, position: h.position });
      if (this.#awaitingRecovery?.has(stream.destination)) {
        this.#awaitingRecovery.set(stream.destination, recovered);
        this.#maybeResumed();
      }
      return;
    }
    this.#advance(stream, h.position);
    stream.handler({ event: h.event, from: h.from, room: h.room, user: h.user, position: h.position,
      contentType: h['content-type'], body: message.body, headers: h });
  }

  #advance(stream, position) {
    if (position && isAfter(position, stream.position)) {
      stream.position = position;
      this.dispatchEvent(new CustomEvent('position', { detail: { position } }));
    }
  }

  #maybeResumed() {
    const waiting = this.#awaitingRecovery;
    if (!waiting || [...waiting.values()].some(v => v === null)) return;
    this.#awaitingRecovery = null;
    const recovered = [...waiting.values()].every(Boolean);
    this.dispatchEvent(new CustomEvent('resumed', { detail: { recovered, streams: [...waiting.keys()] } }));
  }

  #onRefusal(message) {
    const h = message.headers;
    const refusal = { code: h.error, message: h.message ?? message.body };
    const pending = h['receipt-id'] && this.#pending.get(h['receipt-id']);
    if (pending) {
      pending.fail(Object.assign(new Error(refusal.message), { code: refusal.code }));
    } else {
      this.dispatchEvent(new CustomEvent('refusal', { detail: refusal }));
    }
  }

  // ---- requests with receipts ----

  #request(send) {
    return new Promise((resolve, reject) => {
      if (!this.connected) { reject(new Error('not connected: the message was not sent')); return; }
      const receipt = `r-${++this.#ids}`;
      this.#track(receipt, { resolve, reject });
      this.#client.watchForReceipt(receipt, f => this.#pending.get(receipt)?.ok(f.headers.position ?? null));
      send(receipt);
    });
  }

  #track(id, { resolve, reject }, timeoutMs = 10000) {
    const timer = setTimeout(() => entry.fail(new Error('no answer from the server in time')), timeoutMs);
    const settle = () => { clearTimeout(timer); this.#pending.delete(id); };
    const entry = {
      settle,
      ok: value => { settle(); resolve(value); },
      fail: error => { settle(); reject(error); },
    };
    this.#pending.set(id, entry);
    return entry;
  }

  #setState(state, extra = {}) {
    this.#state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, node: this.#node, user: this.#user, ...extra } }));
  }
}
