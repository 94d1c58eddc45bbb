// The demo page: rooms, members, chat, whispers, broadcasts, and a status line. All protocol work is in
// roomcast-client.js; this file only keeps the page's state and draws it.

import { RoomcastConnection, ROOM_PREFIX, USER_QUEUE, BROADCAST, isAfter } from './roomcast-client.js';

const $ = id => document.getElementById(id);
const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9_.~-]*$/;
const MAX_MESSAGES = 500; // per room, so a long-open tab doesn't grow without bound

/** What the page knows: per room, its messages and members. */
const state = {
  me: null,
  auth: 'insecure',
  connection: null,
  rooms: new Map(), // room -> { messages: [], members: Map<user, sessions>, membersAt, unread }
  current: null,
  whisperTo: null,
};

// ---- start-up and sign-in ----

async function init() {
  try {
    const info = await (await fetch('/info')).json();
    state.auth = info.auth;
    $('status-node').textContent = info.node;
  } catch {
    // The page still works; the status line will say when the WebSocket can't connect.
  }
  const jwt = state.auth === 'jwt';
  $('name-field').hidden = jwt;
  $('token-field').hidden = !jwt;
  $('login-name').value = localStorage.getItem('roomcast.name') ?? '';
  (jwt ? $('login-token') : $('login-name')).focus();

  $('login-form').addEventListener('submit', onLogin);
  $('join-form').addEventListener('submit', onJoin);
  $('composer').addEventListener('submit', onSend);
  $('leave-room').addEventListener('click', () => leaveRoom(state.current));
  $('whisper-cancel').addEventListener('click', () => setWhisper(null));
  $('sign-out').addEventListener('click', signOut);
  $('broadcast-dismiss').addEventListener('click', () => { $('broadcast').hidden = true; });
  document.addEventListener('keydown', e => {
    if (e.key === 'Escape' && state.whisperTo) setWhisper(null);
  });
}

function onLogin(event) {
  event.preventDefault();
  const name = $('login-name').value.trim();
  const token = $('login-token').value.trim();
  const room = $('login-room').value.trim();
  const error = state.auth === 'jwt'
    ? (token ? null : 'Paste a token.')
    : (ROOM_ID.test(name) ? null : 'Choose a name of letters, digits or . _ ~ -');
  const roomError = ROOM_ID.test(room) ? null : 'A room id is letters, digits or . _ ~ -';
  $('login-error').textContent = error ?? roomError ?? '';
  if (error || roomError) return;
  localStorage.setItem('roomcast.name', name);
  connect({ login: name, token: state.auth === 'jwt' ? token : null }, room);
}

function connect(credentials, firstRoom) {
  // A new sign-in (after a refused one, say) starts from nothing: its connection subscribes afresh.
  state.connection?.stop();
  state.rooms.clear();
  state.current = null;
  state.whisperTo = null;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const connection = new RoomcastConnection({ url: `${scheme}://${location.host}/ws`, ...credentials });
  state.connection = connection;
  connection.addEventListener('state', e => onState(e.detail));
  connection.addEventListener('position', e => { $('status-position').textContent = e.detail.position; });
  connection.addEventListener('resumed', e => onResumed(e.detail));
  connection.addEventListener('refusal', e => notice(`Refused: ${e.detail.message}`));
  // Rooms first, then the user queue: the connection keeps that order on every reconnect too.
  joinRoom(firstRoom);
  connection.subscribe(USER_QUEUE, onUserMessage);
  connection.subscribe(BROADCAST, onBroadcast);
  connection.start();
}

async function signOut() {
  await state.connection?.stop();
  location.reload();
}

// ---- connection state ----

const STATE_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  stopped: 'Signed out',
  failed: 'Refused',
};

function onState({ state: s, node, user, reason, delayMs }) {
  const status = $('status');
  status.dataset.state = s;
  $('status-state').textContent = STATE_TEXT[s] + (delayMs ? ` in ${(delayMs / 1000).toFixed(1)} s` : '')
    + (reason ? ` (${reason})` : '');
  if (s === 'connected') {
    state.me = user; // from CONNECTED: in jwt mode only the server knows whom the token names
    status.dataset.node = node;
    $('status-node').textContent = node;
    showChat();
    for (const room of state.rooms.keys()) refreshMembers(room);
  }
  if (s === 'reconnecting') {
    $('status-recovery').textContent = '';
    delete status.dataset.recovery;
  }
  if (s === 'failed') {
    $('login-error').textContent = reason;
    showLogin();
  }
}

function onResumed({ recovered }) {
  const text = recovered ? 'resumed, nothing missed' : 'could not recover, reloaded';
  $('status-recovery').textContent = text;
  $('status').dataset.recovery = recovered ? 'resumed' : 'reloaded';
}

function showChat() {
  if (!$('chat-view').hidden) return;
  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  $('me').hidden = false;
  $('me-name').textContent = state.me;
  $('composer-input').focus();
}

function showLogin() {
  $('login-view').hidden = false;
  $('chat-view').hidden = true;
  $('me').hidden = true;
}

// ---- rooms ----

function joinRoom(room) {
  if (!state.rooms.has(room)) {
    state.rooms.set(room, { messages: [], members: new Map(), membersAt: null, unread: 0, refreshing: false,
      sinceRefresh: [] });
    state.connection.subscribe(ROOM_PREFIX + room, event => onRoomEvent(room, event));
    if (state.connection.connected) refreshMembers(room);
  }
  selectRoom(room);
}

function leaveRoom(room) {
  if (!room) return;
  state.connection.unsubscribe(ROOM_PREFIX + room);
  state.rooms.delete(room);
  const next = state.rooms.keys().next().value ?? null;
  state.current = null;
  if (next) selectRoom(next); else renderAll();
}

function onJoin(event) {
  event.preventDefault();
  const room = $('join-room').value.trim();
  if (!ROOM_ID.test(room)) {
    notice('A room id is letters, digits or . _ ~ -');
    return;
  }
  $('join-room').value = '';
  joinRoom(room);
}

function selectRoom(room) {
  state.current = room;
  const r = state.rooms.get(room);
  if (r) r.unread = 0;
  if (state.whisperTo && !r?.members.has(state.whisperTo)) setWhisper(null);
  renderAll();
}

function onRoomEvent(room, event) {
  const r = state.rooms.get(room);
  if (!r) return;
  switch (event.event) {
    case 'recovery':
      if (!event.recovered) {
        // The gap can't be replayed: start the room over from now rather than show a hole.
        r.messages = [{ kind: 'system', text: 'Could not recover the messages you missed; the room was reloaded.' }];
        refreshMembers(room);
      }
      break;
    case 'join':
    case 'leave':
      applyMembership(r, event);
      // A member list on its way may predate this event: it is applied again on top of that list.
      if (r.refreshing) r.sinceRefresh.push(event);
      addMessage(room, { kind: 'system', text: `${event.user} ${event.event === 'join' ? 'joined' : 'left'}`,
        position: event.position });
      break;
    default:
      addMessage(room, { kind: 'message', from: event.from, text: bodyText(event), position: event.position });
  }
  renderAll();
}

/** A join or leave changes the list only if it is newer than the list (or when {@code always}). */
function applyMembership(r, event, always = false) {
  if (always || isAfter(event.position, r.membersAt)) {
    if (event.event === 'join') r.members.set(event.user, true); else r.members.delete(event.user);
  }
}

/**
 * Asks who is in the room. The answer is the list as of its position; join and leave events that arrived while
 * it was on its way are applied again on top, so that the list never loses an arrival or a departure; later
 * events apply if newer than the answer.
 */
async function refreshMembers(room) {
  const r = state.rooms.get(room);
  if (!r) return;
  r.refreshing = true;
  r.sinceRefresh = [];
  try {
    const answer = await state.connection.members(room);
    if (state.rooms.get(room) !== r) return;
    r.members = new Map(answer.users.map(u => [u.user, u.sessions]));
    r.membersAt = answer.position;
    // Whatever happened to a user while the question was out is newer news about them than the answer, which
    // in a cluster may lag their room event (presence travels on the control stream): it goes on top.
    for (const event of r.sinceRefresh) applyMembership(r, event, true);
    renderAll();
  } catch (e) {
    // Disconnected, or refused: the next connect (or recovery) asks again.
  } finally {
    r.refreshing = false;
    r.sinceRefresh = [];
  }
}

// ---- messages ----

function onUserMessage(event) {
  if (event.event === 'recovery') return;
  if (event.event === 'whisper') {
    const room = event.room && state.rooms.has(event.room) ? event.room : state.current;
    addMessage(room, { kind: 'whisper-in', from: event.from, text: bodyText(event), position: event.position });
  } else {
    addMessage(state.current, { kind: 'direct', from: event.from ?? 'server', text: bodyText(event),
      position: event.position });
  }
  renderAll();
}

function onBroadcast(event) {
  if (event.event === 'recovery') return;
  $('broadcast-text').textContent = bodyText(event);
  $('broadcast').hidden = false;
}

async function onSend(event) {
  event.preventDefault();
  const input = $('composer-input');
  const text = input.value.trim();
  const room = state.current;
  if (!text || !room) return;
  const to = state.whisperTo;
  input.value = '';
  try {
    if (to) {
      await state.connection.send('/app/whisper', text, { room, to, 'content-type': 'text/plain' });
      // A whisper goes to the recipient's stream only: show our own copy once the server has it.
      addMessage(room, { kind: 'whisper-out', to, text });
      renderAll();
    } else {
      await state.connection.send(`/app/room.${room}`, text, { 'content-type': 'text/plain' });
    }
  } catch (e) {
    input.value = text; // nothing is lost: put it back
    notice(`Not sent: ${e.message}`);
  }
}

function bodyText(event) {
  if (event.contentType?.startsWith('application/json')) {
    try {
      const value = JSON.parse(event.body);
      return typeof value === 'string' ? value : value.text ?? event.body;
    } catch {
      return event.body;
    }
  }
  return event.body;
}

function addMessage(room, message) {
  const r = state.rooms.get(room);
  if (!r) return;
  r.messages.push({ ...message, at: new Date() });
  if (r.messages.length > MAX_MESSAGES) r.messages.splice(0, r.messages.length - MAX_MESSAGES);
  if (room !== state.current) r.unread++;
}

function notice(text) {
  addMessage(state.current, { kind: 'notice', text });
  renderAll();
}

function setWhisper(user) {
  state.whisperTo = user;
  $('whisper-target').hidden = !user;
  $('whisper-to').textContent = user ?? '';
  $('composer').classList.toggle('whispering', Boolean(user));
  $('composer-label').textContent = user ? `Whisper to ${user}` : `Message #${state.current ?? ''}`;
  $('composer-input').placeholder = user ? `Whisper to ${user}…` : `Message #${state.current ?? ''}`;
  $('composer-input').focus();
}

// ---- drawing ----

function renderAll() {
  renderRooms();
  renderMessages();
  renderMembers();
}

function renderRooms() {
  const list = $('room-list');
  list.replaceChildren(...[...state.rooms.entries()].map(([room, r]) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'room';
    button.dataset.room = room;
    button.textContent = `# ${room}`;
    if (room === state.current) button.setAttribute('aria-current', 'true');
    if (r.unread) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = r.unread;
      badge.setAttribute('aria-label', `${r.unread} unread`);
      button.append(badge);
    }
    button.addEventListener('click', () => selectRoom(room));
    li.append(button);
    return li;
  }));
  $('room-title').textContent = state.current ? `# ${state.current}` : 'No room';
  $('leave-room').hidden = !state.current;
  if (!state.whisperTo) {
    $('composer-label').textContent = `Message #${state.current ?? ''}`;
    $('composer-input').placeholder = state.current ? `Message #${state.current}` : 'Join a room first';
  }
}

function renderMessages() {
  const list = $('messages');
  const r = state.rooms.get(state.current);
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  list.replaceChildren(...(r?.messages ?? []).map(renderMessage));
  if (r && !r.messages.some(m => m.kind !== 'system')) list.append(quietRoomHint(state.current));
  if (stick) list.scrollTop = list.scrollHeight;
}

/** What a newcomer alone in a room should try next. */
function quietRoomHint(room) {
  const li = document.createElement('li');
  li.className = 'msg hint';
  li.dataset.kind = 'hint';
  li.textContent = `It's quiet in #${room}. Open this page in another window, sign in as someone else and join `
    + `#${room}: you'll see them arrive, chat live, and can click their name to whisper.`;
  return li;
}

function renderMessage(m) {
  const li = document.createElement('li');
  li.className = `msg ${m.kind}`;
  li.dataset.kind = m.kind;
  if (m.from) li.dataset.from = m.from;
  if (m.position) li.dataset.position = m.position;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const label = {
    message: m.from ?? 'server',
    'whisper-in': `whisper from ${m.from}`,
    'whisper-out': `whisper to ${m.to}`,
    direct: `direct message from ${m.from}`,
  }[m.kind];
  if (label) {
    const who = document.createElement('strong');
    who.textContent = label;
    meta.append(who);
  }
  const time = document.createElement('time');
  time.dateTime = m.at.toISOString();
  time.textContent = m.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.append(time);
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = m.text;
  li.append(meta, text);
  return li;
}

function renderMembers() {
  const list = $('member-list');
  const r = state.rooms.get(state.current);
  const users = [...(r?.members.keys() ?? [])].sort();
  $('member-count').textContent = users.length ? `(${users.length})` : '';
  list.replaceChildren(...users.map(user => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'member';
    button.dataset.user = user;
    const avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.textContent = user.slice(0, 1).toUpperCase();
    avatar.style.setProperty('--hue', String(hue(user)));
    const name = document.createElement('span');
    name.textContent = user === state.me ? `${user} (you)` : user;
    button.append(avatar, name);
    if (user === state.me) {
      button.disabled = true;
    } else {
      button.setAttribute('aria-label', `Whisper to ${user}`);
      if (user === state.whisperTo) button.setAttribute('aria-pressed', 'true');
      button.addEventListener('click', () => setWhisper(user === state.whisperTo ? null : user));
    }
    li.append(button);
    return li;
  }));
}

function hue(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}

// A module script runs once the document is parsed.
init();
