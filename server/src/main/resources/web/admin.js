// The admin view: a thin client of the HTTP API (GET /api/nodes, GET /api/rooms, POST /api/broadcast,
// POST /api/users/{user}/messages). The key lives in sessionStorage, so it is gone when the tab closes.

const $ = id => document.getElementById(id);
let key = sessionStorage.getItem('roomcast.apiKey');
let timer = null;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(json.message ?? `HTTP ${response.status}`), { status: response.status });
  return json;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function refresh() {
  try {
    const [{ nodes }, { rooms }] = await Promise.all([api('GET', '/api/nodes'), api('GET', '/api/rooms')]);
    $('nodes').replaceChildren(...nodes.map(n => {
      const tr = document.createElement('tr');
      tr.dataset.node = n.node;
      tr.append(cell(n.node + (n.self ? ' (this one)' : '')), cell(n.version ?? ''), cell(String(n.connections), 'num'));
      return tr;
    }));
    const entries = Object.entries(rooms);
    $('rooms').replaceChildren(...entries.map(([room, members]) => {
      const tr = document.createElement('tr');
      tr.dataset.room = room;
      tr.append(cell(room), cell(String(members), 'num'));
      return tr;
    }));
    $('rooms-empty').hidden = entries.length > 0;
    $('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      signOut(e.message);
    } else {
      $('refreshed').textContent = `refresh failed: ${e.message}`;
    }
  }
}

function open() {
  $('key-view').hidden = true;
  $('admin-view').hidden = false;
  refresh();
  timer = setInterval(refresh, 2000);
}

function signOut(reason) {
  clearInterval(timer);
  sessionStorage.removeItem('roomcast.apiKey');
  key = null;
  $('key-error').textContent = reason ?? '';
  $('admin-view').hidden = true;
  $('key-view').hidden = false;
  $('api-key').focus();
}

$('key-form').addEventListener('submit', async event => {
  event.preventDefault();
  key = $('api-key').value.trim();
  try {
    await api('GET', '/api/nodes');
    sessionStorage.setItem('roomcast.apiKey', key);
    $('key-error').textContent = '';
    open();
  } catch (e) {
    $('key-error').textContent = e.message;
  }
});

for (const radio of document.querySelectorAll('input[name=target]')) {
  radio.addEventListener('change', () => { $('user-field').hidden = radio.value !== 'user' || !radio.checked; });
}

$('send-form').addEventListener('submit', async event => {
  event.preventDefault();
  const target = document.querySelector('input[name=target]:checked').value;
  const user = $('send-user').value.trim();
  const data = $('send-text').value;
  const result = $('send-result');
  result.classList.remove('error');
  try {
    if (target === 'user' && !user) throw new Error('Name the user to send to.');
    const path = target === 'user' ? `/api/users/${encodeURIComponent(user)}/messages` : '/api/broadcast';
    const { position } = await api('POST', path, { data, from: 'admin' });
    result.textContent = `Sent at position ${position}.`;
    $('send-text').value = '';
  } catch (e) {
    result.classList.add('error');
    result.textContent = `Not sent: ${e.message}`;
  }
});

if (key) open(); else $('api-key').focus();
