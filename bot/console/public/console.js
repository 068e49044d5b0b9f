// The web console page. Plain DOM, no framework. Every string from the server is set as textContent:
// nothing the bot or a user wrote is ever parsed as HTML. The platforms' markdown is drawn by a small
// reader of the few constructs the bot writes (#### headings, > quotes, - items, **bold**, <font>);
// user text inside it arrives escaped by the bot's renderers (cards/escape.ts), so it cannot form them.
'use strict';

const state = { people: [], channels: [], timezone: 'Asia/Shanghai', me: null, look: 'dingtalk', after: 0, feeds: new Map(), busy: 0 };

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function api(path, body) {
  const response = await fetch(`/console/api/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function setStatus(text, error) {
  const s = $('status');
  s.textContent = text || '';
  s.classList.toggle('error', !!error);
}

async function busy(label, work) {
  state.busy++;
  setStatus(label);
  try {
    await work();
    setStatus('');
  } catch (e) {
    setStatus(`出错：${e.message}`, true);
  } finally {
    state.busy--;
    await poll();
  }
}

const formatTime = (iso) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: state.timezone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false });

// ------------------------------------------------------------------------------------------------
// markdown as the platforms show it (only what the bot writes)

const INLINE = /\*\*([^*]+)\*\*|<font color="(\w+)">([^<]*)<\/font>/g;

function inline(parent, text) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
    if (m[1] !== undefined) parent.append(el('strong', null, m[1]));
    else parent.append(el('span', `font-${m[2]}`, m[3]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

function markdown(text) {
  const box = el('div', 'md');
  for (const line of text.split('\n')) {
    let node;
    if (line.startsWith('#### ')) (node = el('h4')), inline(node, line.slice(5));
    else if (line.startsWith('> ')) (node = el('div', 'quote')), inline(node, line.slice(2));
    else if (line.startsWith('- ')) (node = el('div', 'item')), inline(node, line.slice(2));
    else (node = el('div')), inline(node, line || '\u00a0');
    box.append(node);
  }
  return box;
}

// ------------------------------------------------------------------------------------------------
// cards

const DINGTALK_BUTTONS = [
  ['submitKey', '提交审批', 'primary'],
  ['cancelKey', '取消', 'default'],
  ['approveKey', '同意', 'primary'],
  ['rejectKey', '驳回', 'danger'],
  ['transferKey', '转交', 'default'],
];
const WECOM_STYLE = { 1: 'primary', 2: 'danger', 4: 'default' };
const NEEDS_TEXT = { reject: '驳回原因', transfer: '转交给谁（姓名或 id）' };

function buttonRow(card, owner, buttons) {
  const row = el('div', 'buttons');
  for (const { label, style, key } of buttons) {
    const action = key.split('|')[0];
    const b = el('button', `card-btn ${style}`, label);
    b.type = 'button';
    b.dataset.action = action;
    b.addEventListener('click', () => {
      if (!NEEDS_TEXT[action]) return void busy(`${label}…`, () => api('click', { as: owner, key }));
      card.querySelector('.extra')?.remove();
      const form = el('form', 'extra');
      const input = el('input');
      input.placeholder = NEEDS_TEXT[action];
      input.maxLength = 1000;
      input.dataset.for = action;
      const ok = el('button', null, `确定${label}`);
      ok.type = 'submit';
      form.append(input, ok);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (!input.value.trim()) return void input.focus();
        busy(`${label}…`, () => api('click', { as: owner, key, extra: input.value }));
      });
      card.append(form);
      input.focus();
    });
    row.append(b);
  }
  return row;
}

function dingtalkCard(p, owner) {
  const card = el('div', 'card dingtalk');
  const head = el('div', 'head');
  head.append(el('div', 'source', '钉钉 · 互动卡片'), el('div', 'title', p.title));
  if (p.subtitle) head.append(el('div', 'subtitle', p.subtitle));
  card.append(head);
  const body = el('div', 'body');
  if (p.fields) body.append(markdown(p.fields));
  if (p.notes) body.append(markdown(p.notes));
  card.append(body);
  if (p.status) card.append(el('div', 'status', p.status));
  if (p.actionable === 'true') {
    const buttons = DINGTALK_BUTTONS.filter(([k]) => p[k]).map(([k, label, style]) => ({ label, style, key: p[k] }));
    card.append(buttonRow(card, owner, buttons));
  }
  return card;
}

function wecomCard(c, owner, decided) {
  const card = el('div', 'card wecom');
  const head = el('div', 'head');
  head.append(el('div', 'source', (c.source && c.source.desc) || '企业微信'), el('div', 'title', c.main_title.title));
  if (c.main_title.desc) head.append(el('div', 'subtitle', c.main_title.desc));
  card.append(head);
  const body = el('div', 'body');
  const kv = el('div', 'kv');
  for (const f of c.horizontal_content_list || []) kv.append(el('span', 'k', f.keyname), el('span', 'v', f.value));
  body.append(kv);
  if (c.sub_title_text) body.append(el('div', 'subtitle', c.sub_title_text));
  card.append(body);
  if (decided) {
    const row = el('div', 'buttons');
    row.append(el('span', 'decided', decided));
    card.append(row);
  } else {
    card.append(buttonRow(card, owner, (c.button_list || []).map((b) => ({ label: b.text, style: WECOM_STYLE[b.style] || 'default', key: b.key }))));
  }
  return card;
}

function block(b, owner) {
  if (b.kind === 'text') return el('div', 'bubble', b.text);
  if (b.kind === 'markdown') {
    const bubble = el('div', 'bubble');
    bubble.append(markdown(b.text));
    return bubble;
  }
  if (b.kind === 'dingtalk-card') return dingtalkCard(b.params, owner);
  return wecomCard(b.card, owner, b.decided);
}

// ------------------------------------------------------------------------------------------------
// feeds

function entryNode(e, owner) {
  const node = el('div', `msg ${e.from}`);
  node.dataset.seq = e.seq;
  if (e.from === 'user') {
    node.textContent = e.text;
    return node;
  }
  node.append(el('div', 'at', formatTime(e.at)));
  for (const b of e[state.look] || []) node.append(block(b, owner));
  if (e.updated) node.append(el('div', 'updated', '（卡片已更新）'));
  return node;
}

function applyEntry(e) {
  const list = state.feeds.get(e.feed) || [];
  state.feeds.set(e.feed, list);
  if (e.updatesCard) {
    // An in-place card update: the card the person holds changes, as on the platforms.
    for (const held of list) {
      if (held.cardKeys && held.cardKeys.includes(e.updatesCard)) Object.assign(held, { dingtalk: e.dingtalk, wecom: e.wecom, updated: true });
    }
    return;
  }
  // In the order the bot sent them (delivery order can differ: the outbox paces each recipient).
  let i = list.length;
  while (i > 0 && list[i - 1].at > e.at) i--;
  list.splice(i, 0, e);
}

function renderLog(log, feed, owner) {
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren(...(state.feeds.get(feed) || []).map((e) => entryNode(e, owner)));
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function renderAll() {
  renderLog($('chat-log'), `person:${state.me}`, state.me);
  for (const pane of document.querySelectorAll('.pane')) {
    const feed = pane.dataset.feed;
    renderLog(pane.querySelector('.log'), feed, pane.dataset.owner);
    pane.querySelector('.count').textContent = `（${(state.feeds.get(feed) || []).filter((e) => e.from === 'bot').length}）`;
  }
}

function buildPanes() {
  const panes = $('panes');
  panes.replaceChildren();
  for (const c of state.channels) {
    const pane = el('section', 'pane channel');
    pane.dataset.feed = `channel:${c}`;
    const h = el('h3', null, `群：${c} `);
    h.append(el('span', 'count'));
    pane.append(h, el('div', 'log'));
    panes.append(pane);
  }
  for (const p of state.people) {
    const pane = el('section', 'pane person');
    pane.dataset.feed = `person:${p.id}`;
    pane.dataset.owner = p.id;
    const h = el('h3', null, `${p.name}（${p.roles.join('、')}）的收件箱 `);
    h.append(el('span', 'count'));
    pane.append(h, el('div', 'log'));
    panes.append(pane);
  }
}

let polling = null;
async function poll() {
  if (polling) return polling;
  polling = (async () => {
    try {
      const data = await api(`feed?after=${state.after}`);
      $('now').textContent = formatTime(data.now);
      $('now').dateTime = data.now;
      if (data.entries.length) {
        for (const e of data.entries) applyEntry(e);
        state.after = data.entries[data.entries.length - 1].seq;
        renderAll();
      }
    } catch (e) {
      setStatus(`连接中断：${e.message}`, true);
    } finally {
      polling = null;
    }
  })();
  return polling;
}

async function start() {
  const s = await api('state');
  Object.assign(state, { people: s.people, channels: s.channels, timezone: s.timezone });
  const select = $('as');
  for (const p of s.people) {
    const option = el('option', null, `${p.name}（${p.roles.join('、')}）`);
    option.value = p.id;
    select.append(option);
  }
  state.me = new URLSearchParams(location.search).get('as') || s.people[0].id;
  select.value = state.me;
  select.addEventListener('change', () => {
    state.me = select.value;
    $('chat-title').textContent = `与合同助手的对话 · ${select.selectedOptions[0].textContent}`;
    renderAll();
  });
  $('chat-title').textContent = `与合同助手的对话 · ${select.selectedOptions[0].textContent}`;
  for (const radio of document.querySelectorAll('input[name=look]')) {
    radio.addEventListener('change', () => {
      state.look = radio.value;
      document.body.dataset.look = radio.value;
      renderAll();
    });
  }
  document.body.dataset.look = state.look;
  $('clock-controls').hidden = !s.clock;
  for (const b of document.querySelectorAll('#clock-controls button')) {
    b.addEventListener('click', () => busy('时间推进中，运行定时任务…', () => api('clock', { minutes: Number(b.dataset.minutes) })));
  }
  $('demo').hidden = !s.demo;
  $('demo').addEventListener('click', () => busy('写入演示数据…', async () => setStatus((await api('demo', {})).summary.split('\n')[0])));
  const text = $('say-text');
  $('say').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = '';
    busy('处理中…', () => api('say', { as: state.me, text: value }));
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('say').requestSubmit();
    }
  });
  buildPanes();
  await poll();
  setInterval(poll, 1000);
  document.body.dataset.ready = 'true';
}

start().catch((e) => setStatus(`无法启动：${e.message}`, true));
